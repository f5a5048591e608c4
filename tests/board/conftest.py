"""The board's tests use the awards fixtures: a village with staff, households and a small
rule catalogue with red and black list rules."""

from tests.awards.conftest import (  # noqa: F401
    admin,
    browse,
    catalogue,
    household,
    leader,
    neighbour,
    second_admin,
    village,
)
