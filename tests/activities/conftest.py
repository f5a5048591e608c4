"""Activities are built on the awards' village, staff and rule catalogue: the same fixtures."""

from tests.awards.conftest import (  # noqa: F401 - fixtures
    admin,
    browse,
    catalogue,
    household,
    leader,
    neighbour,
    second_admin,
    village,
)
