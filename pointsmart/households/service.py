"""Households and their members: registering, finding and searching them, their cards."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import NotFound, ValidationFailed
from ..extensions import db
from ..ledger import queries as ledger_queries
from ..ledger import service as ledger
from ..lookups import village_row
from ..periods import current_period
from ..text import clean_name, clean_number, clean_phone, phone_problem
from ..villages.models import Grid, Village
from ..villages.service import get_village
from . import cards
from .models import Household, Member


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
    phone = checked_phone(phone, errors)
    if grid_id is not None and village_row(Grid, grid_id, village_id) is None:
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


def checked_phone(phone: str | None, errors: dict[str, list[str]]) -> str | None:
    """A household's phone as it is kept (:func:`text.clean_phone`), or None when none is
    given; a number that is no mobile number adds its message to ``errors``."""
    typed = (phone or "").strip()
    phone = clean_phone(typed) or None
    problem = phone_problem(phone or "") if typed else None  # "+86" alone is no number
    if problem:
        errors["phone"] = [problem]
    return phone


def household_id_by_number(village_id: int, number: str, *, active: bool = False) -> int | None:
    """The id of the village's household with that number as written on its card, however it
    was typed (``text.clean_number``: ``XF-00１`` is ``XF-001``), if any; with ``active``, only
    one that has not moved away. The one look-up by number."""
    statement = sa.select(Household.id).where(
        Household.village_id == village_id, Household.number == clean_number(number or "")
    )
    if active:
        statement = statement.where(Household.status == "active")
    return db.session.execute(statement).scalar_one_or_none()


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
    active_only: bool = False,
) -> list[dict[str, Any]]:
    """Households of a village by number, head, member name, phone or card (its short code,
    as printed or typed without dashes, or its URL; an old card finds its household too), in
    id order; ``active_only``: not those that moved away.

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
    if active_only:
        statement = statement.where(Household.status == "active")
    if after is not None:
        statement = statement.where(Household.id > after)
    if q:
        # As numbers are stored: a number typed with full-width digits finds its household.
        # Letters in either case, on every database (SQLite's LIKE ignores the case of
        # ASCII letters, PostgreSQL's does not): ``xf-001`` typed on a phone finds XF-001.
        pattern = f"%{_escape_like(clean_number(q))}%"
        phone_digits = clean_phone(q)  # as phones are stored; "+86" alone finds no one
        phone_match = (
            Household.phone.like(f"%{_escape_like(phone_digits)}%", escape="\\")
            if phone_digits
            else sa.false()
        )
        member_match = sa.select(Member.household_id).where(Member.name.ilike(pattern, escape="\\"))
        card_holder = cards.household_named_by(q)
        statement = statement.where(
            sa.or_(
                Household.number.ilike(pattern, escape="\\"),
                Household.head_name.ilike(pattern, escape="\\"),
                phone_match,
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
    require_not_moved_away(household)
    return cards.issue_card(household_id, issued_by_id=actor.user_id)


def require_not_moved_away(household: Household) -> None:
    """Refuse (422 on ``household_id``) a card, a PIN or a phone for a household that has
    moved away: nothing of it may be used again."""
    if household.status != "active":
        raise ValidationFailed(errors={"household_id": [str(_l("The household has moved away."))]})


def card_holder(text: str) -> dict[str, Any]:
    """What anyone holding a card may see: household number, head of household, balance."""
    household_id = cards.resolve_card(text)
    household = find_household(household_id)
    if household.status != "active":
        raise cards.CardOfHouseholdMovedAway()
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
