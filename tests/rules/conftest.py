"""The catalogue's tests use the awards fixtures: a village with staff and households."""

from tests.awards.conftest import (  # noqa: F401
    admin,
    catalogue,
    household,
    leader,
    second_admin,
    village,
)
