"""Villages, grids and households: the rules about creating and finding them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..ledger import queries as ledger_queries
from ..ledger import service as ledger
from ..ordering import natural_sorted
from ..periods import current_period, is_valid_timezone
from ..text import clean_name, clean_number
from . import cards
from .models import Grid, Household, Member, Village


@dataclass(frozen=True)
class HouseholdView:
    """A household as the API shows it: the row plus its balance and this month's totals."""

    household: Household
    balance: int
    month: dict[str, Any]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.household, name)

    @property
    def card(self) -> dict[str, int]:
        return {"version": self.household.card_version}


# --- villages --------------------------------------------------------------------------------


def list_villages(
    actor: Principal, *, limit: int | None = None, after: int | None = None
) -> list[Village]:
    """Villages the actor may see, by id; with ``limit``, up to ``limit + 1`` (see page_of)."""
    statement = sa.select(Village).order_by(Village.id)
    visible = actor.visible_village_ids()
    if visible is not None:
        statement = statement.where(Village.id.in_(visible))
    return list(db.session.execute(_page(statement, Village.id, limit, after)).scalars())


def _page(statement, key, limit: int | None, after: int | None):
    if after is not None:
        statement = statement.where(key > after)
    if limit is not None:
        statement = statement.limit(limit + 1)
    return statement


# Which regions take villages, and who may put one there, is the regions package's to say:
# it registers its check when the app is built, so villages imports nothing of regions.
PLACING = "pointsmart.villages.placing_village"
PlacingCheck = Callable[[Principal, int], object]


def on_placing_village(app: Flask, check: PlacingCheck) -> None:
    """Have ``check(actor, region_id)`` refuse (by raising) a new village in a region the
    actor may not put one in, or a region that takes no villages."""
    app.extensions[PLACING] = check


def create_village(
    actor: Principal,
    *,
    name: str,
    timezone: str = "Asia/Shanghai",
    yuan_per_point: Decimal | None = None,
    approval_threshold: int = 50,
    region_id: int | None = None,
) -> Village:
    """Create a village with its ledger accounts.

    In a township (``region_id``): an admin of every village or of the township's county may,
    as the regions package's check says (``on_placing_village``). In none: only an admin of
    every village.
    """
    if region_id is None:
        actor.require_global_admin()
    else:
        place = current_app.extensions.get(PLACING)
        if place is None:  # no package says what a region is: no village goes into one
            raise ValidationFailed(errors={"region_id": [str(_l("No such township."))]})
        place(actor, region_id)
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = [str(_l("Give the village a name."))]
    elif db.session.execute(sa.select(Village.id).where(Village.name == name)).first():
        errors["name"] = [str(_l("A village with this name exists."))]
    if not is_valid_timezone(timezone):
        errors["timezone"] = [str(_l("Unknown time zone."))]
    if errors:
        raise ValidationFailed(errors=errors)
    village = Village(
        name=name,
        timezone=timezone,
        yuan_per_point=Decimal("0.10") if yuan_per_point is None else yuan_per_point,
        approval_threshold=approval_threshold,
        region_id=region_id,
    )
    db.session.add(village)
    db.session.flush()
    ledger.open_village_ledger(village.id)
    audit.record(
        actor_id=actor.user_id,
        village_id=village.id,
        action="village.create",
        target_type="village",
        target_id=village.id,
        changes={"name": name, "timezone": timezone, "region_id": region_id},
    )
    return village


def get_village(actor: Principal, village_id: int) -> Village:
    village = db.session.get(Village, village_id)
    if village is None:
        raise NotFound(_l("No such village."))
    actor.require_staff(village_id)
    return village


def administered_village(actor: Principal, village_id: int) -> Village:
    """The village, for one of its admins; 404 or 403 otherwise."""
    village = db.session.get(Village, village_id)
    if village is None:
        raise NotFound(_l("No such village."))
    actor.require_admin(village_id)
    return village


# --- grids -----------------------------------------------------------------------------------


def list_grids(
    actor: Principal, village_id: int, *, limit: int | None = None, after: int | None = None
) -> list[Grid]:
    """A village's grids in the natural order of their names (一组, 二组, ... 十组; see
    ``ordering``); with ``limit`` (the API's keyset pages), by id, up to ``limit + 1`` (see
    page_of)."""
    get_village(actor, village_id)
    statement = sa.select(Grid).where(Grid.village_id == village_id).order_by(Grid.id)
    grids = list(db.session.execute(_page(statement, Grid.id, limit, after)).scalars())
    return grids if limit is not None else natural_sorted(grids, lambda grid: grid.name)


def create_grid(actor: Principal, village_id: int, *, name: str) -> Grid:
    get_village(actor, village_id)
    actor.require_admin(village_id)
    name = name.strip()
    exists = db.session.execute(
        sa.select(Grid.id).where(Grid.village_id == village_id, Grid.name == name)
    ).first()
    if not name or exists:
        message = _l("A grid with this name exists.") if name else _l("Give the grid a name.")
        raise ValidationFailed(errors={"name": [str(message)]})
    grid = Grid(village_id=village_id, name=name)
    db.session.add(grid)
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="grid.create",
        target_type="grid",
        target_id=grid.id,
        changes={"name": name},
    )
    return grid


# --- households ------------------------------------------------------------------------------


def create_household(
    actor: Principal,
    village_id: int,
    *,
    number: str,
    head_name: str,
    grid_id: int | None = None,
    phone: str | None = None,
    members: list[dict[str, str]] | None = None,
) -> HouseholdView:
    """Register a household and open its points account."""
    get_village(actor, village_id)
    actor.require_admin(village_id)
    number, head_name = clean_number(number), clean_name(head_name)
    errors: dict[str, list[str]] = {}
    if not number:
        errors["number"] = [str(_l("Give the household number."))]
    elif db.session.execute(
        sa.select(Household.id).where(
            Household.village_id == village_id, Household.number == number
        )
    ).first():
        errors["number"] = [str(_l("Household number %(n)s exists.", n=number))]
    if not head_name:
        errors["head_name"] = [str(_l("Give the head of household."))]
    if grid_id is not None:
        grid = db.session.get(Grid, grid_id)
        if grid is None or grid.village_id != village_id:
            errors["grid_id"] = [str(_l("No such grid in this village."))]
    # Same shape as marshmallow's errors for a list: {"members": {index: {"name": [...]}}}.
    unnamed = {
        index: {"name": [str(_l("Give the member's name."))]}
        for index, member in enumerate(members or [])
        if not clean_name(member["name"])
    }
    if unnamed:
        errors["members"] = unnamed
    if errors:
        raise ValidationFailed(errors=errors)
    household = Household(
        village_id=village_id, number=number, head_name=head_name, grid_id=grid_id, phone=phone
    )
    db.session.add(household)
    db.session.flush()
    for member in members or []:
        db.session.add(
            Member(
                household_id=household.id,
                name=clean_name(member["name"]),
                relation=clean_name(member.get("relation", "")),
            )
        )
    ledger.open_household_account(village_id, household.id)
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="household.create",
        target_type="household",
        target_id=household.id,
        changes={"number": number, "head_name": head_name, "members": len(members or [])},
    )
    return get_household(actor, household.id)


def find_household(household_id: int) -> Household:
    household = db.session.execute(
        sa.select(Household)
        .options(selectinload(Household.grid), selectinload(Household.members))
        .where(Household.id == household_id)
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if household is None:
        raise NotFound(_l("No such household."))
    return household


def get_household(actor: Principal, household_id: int) -> HouseholdView:
    """A household with balance, this month's totals and rank; readable by staff and itself."""
    household = find_household(household_id)
    actor.require_household_reader(household.village_id, household.id)
    timezone = db.session.execute(
        sa.select(Village.timezone).where(Village.id == household.village_id)
    ).scalar_one()
    period = current_period(timezone)
    summary = ledger_queries.household_summary(household.village_id, household.id, period)
    return HouseholdView(household=household, balance=summary.balance, month=summary.month)


def search_households(
    actor: Principal,
    village_id: int,
    *,
    q: str | None = None,
    grid_id: int | None = None,
    limit: int = 50,
    after: int | None = None,
) -> list[dict[str, Any]]:
    """Households of a village by number, head, member name, phone or card (its short code,
    as printed or typed without dashes, or its URL; an old card finds its household too), in
    id order.

    Returns up to ``limit + 1`` rows so the caller can tell whether another page exists.
    """
    get_village(actor, village_id)
    from ..ledger.models import Account

    statement = (
        sa.select(Household, Account.balance)
        .join(Account, Account.household_id == Household.id)
        .options(selectinload(Household.grid))
        .where(Household.village_id == village_id)
        .order_by(Household.id)
        .limit(limit + 1)
    )
    if grid_id is not None:
        statement = statement.where(Household.grid_id == grid_id)
    if after is not None:
        statement = statement.where(Household.id > after)
    if q:
        # As numbers are stored: a number typed with full-width digits finds its household.
        pattern = f"%{_escape_like(clean_number(q))}%"
        member_match = sa.select(Member.household_id).where(Member.name.like(pattern, escape="\\"))
        card_holder = cards.household_named_by(q)
        statement = statement.where(
            sa.or_(
                Household.number.like(pattern, escape="\\"),
                Household.head_name.like(pattern, escape="\\"),
                Household.phone.like(pattern, escape="\\"),
                Household.id.in_(member_match),
                Household.id == card_holder if card_holder is not None else sa.false(),
            )
        )
    rows = db.session.execute(statement).all()
    return [_brief(household, balance) for household, balance in rows]


def _brief(household: Household, balance: int) -> dict[str, Any]:
    return {
        "id": household.id,
        "village_id": household.village_id,
        "number": household.number,
        "head_name": household.head_name,
        "phone": household.phone,
        "grid": household.grid,
        "status": household.status,
        "balance": balance,
    }


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- cards -----------------------------------------------------------------------------------


def issue_household_card(actor: Principal, household_id: int) -> cards.IssuedCard:
    """Issue or reissue a household's card (admin of its village); older cards stop at once."""
    household = find_household(household_id)
    actor.require_admin(household.village_id)
    if household.status != "active":
        raise ValidationFailed(errors={"household_id": [str(_l("The household has moved away."))]})
    return cards.issue_card(household_id, issued_by_id=actor.user_id)


def card_holder(text: str) -> dict[str, Any]:
    """What anyone holding a card may see: household number, head of household, balance."""
    household_id = cards.resolve_card(text)
    household = find_household(household_id)
    summary = ledger_queries.household_balance(household.village_id, household_id)
    return {
        "household_id": household.id,
        "number": household.number,
        "head_name": household.head_name,
        "balance": summary,
    }


def household_labels(household_ids) -> dict[int, str]:
    """``{household id: "number head name"}``, as staff pages name households in a list."""
    if not household_ids:
        return {}
    rows = db.session.execute(
        sa.select(Household.id, Household.number, Household.head_name).where(
            Household.id.in_(household_ids)
        )
    ).all()
    return {row.id: f"{row.number} {row.head_name}" for row in rows}
