"""The caller of a service function: a :class:`Principal` names the staff user or household
and their roles, and its ``require_*`` methods are how services check permissions. How a
request finds its principal is ``auth``'s."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

from ..errors import Forbidden


@dataclass(frozen=True)
class Principal:
    user_id: int | None = None
    household_id: int | None = None
    household_village_id: int | None = None
    username: str = ""
    global_admin: bool = False
    admin_villages: frozenset[int] = frozenset()
    leader_villages: frozenset[int] = frozenset()
    # shop_id -> village_id for each shop the user keeps
    shops: dict[int, int] = field(default_factory=dict)
    # The regions of a county_admin / township_admin role, and every village under them
    # (resolved when the principal is loaded): they read these villages, never post in them.
    county_regions: frozenset[int] = frozenset()
    township_regions: frozenset[int] = frozenset()
    region_villages: frozenset[int] = frozenset()
    # A household signed in with a PIN an admin set: it opens nothing until it chooses its own.
    pin_must_change: bool = False

    @property
    def scope(self) -> str:
        """The namespace of this caller's idempotency keys."""
        if self.user_id is not None:
            return f"user:{self.user_id}"
        return f"household:{self.household_id}"

    @property
    def is_staff(self) -> bool:
        return self.user_id is not None

    def is_admin_of(self, village_id: int) -> bool:
        return self.global_admin or village_id in self.admin_villages

    def is_leader_of(self, village_id: int) -> bool:
        return village_id in self.leader_villages

    def is_staff_of(self, village_id: int) -> bool:
        """Staff of the village, or of a township or county above it: they see its staff's
        reads (households, rules, shops, the board's entries). Writes check a narrower role."""
        return (
            self.is_admin_of(village_id)
            or self.is_leader_of(village_id)
            or village_id in self.shops.values()
            or village_id in self.region_villages
        )

    def is_reader_of(self, village_id: int) -> bool:
        """An admin of the village or of a region above it: reads its reports and ledger."""
        return self.is_admin_of(village_id) or village_id in self.region_villages

    @property
    def is_region_staff(self) -> bool:
        return bool(self.county_regions or self.township_regions)

    def visible_village_ids(self) -> frozenset[int] | None:
        """The villages this caller may see; None means all of them."""
        if self.global_admin:
            return None
        return (
            self.admin_villages
            | self.leader_villages
            | frozenset(self.shops.values())
            | self.region_villages
        )

    def require_global_admin(self) -> None:
        if not self.global_admin:
            raise Forbidden(_l("Only an administrator of every village may do this."))

    def require_admin(self, village_id: int) -> None:
        if not self.is_admin_of(village_id):
            raise Forbidden(_l("Only an administrator of this village may do this."))

    def require_reader(self, village_id: int) -> None:
        """The village's admins, and the county and township staff above it (read only)."""
        if not self.is_reader_of(village_id):
            raise Forbidden(_l("Only an administrator of this village may do this."))

    def require_awarder(self, village_id: int) -> None:
        """Leaders and admins of the village award and deduct points."""
        if not (self.is_admin_of(village_id) or self.is_leader_of(village_id)):
            raise Forbidden(_l("Only a leader or administrator of this village may do this."))

    def require_staff(self, village_id: int) -> None:
        if not self.is_staff_of(village_id):
            raise Forbidden(_l("Only staff of this village may do this."))

    def require_household_reader(self, village_id: int, household_id: int) -> None:
        """Staff of the village, or the household itself."""
        if self.household_id is not None:
            if self.household_id != household_id:
                raise Forbidden(_l("You may only see your own household."))
            return
        self.require_staff(village_id)


# Who the command line acts as: the machine's operator, an administrator of every village.
COMMAND_LINE = Principal(global_admin=True, username="command-line")
