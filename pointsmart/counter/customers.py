"""Who is at the counter: the shop's own keeper sells (``require_seller``), and the household
a scanned or typed card stands for, with its balance and PIN state, read in one statement
(``find_customer``)."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..errors import Forbidden, NotFound
from ..extensions import db
from ..households import cards
from ..households.models import Household
from ..households.service import household_id_by_number
from ..ledger import service as ledger
from ..ledger.errors import AccountMissing
from ..ledger.models import Account
from . import goods, pins
from .errors import (
    CardOfAnotherVillage,
    WrongShop,
)
from .models import Shop


@dataclass(frozen=True)
class Customer:
    """The household a card stands for, as the counter shows it."""

    household_id: int
    village_id: int
    number: str
    head_name: str
    balance: int
    status: str
    pin_set: bool = False
    pin_locked: bool = False


def require_seller(actor: Principal, shop: Shop) -> None:
    """Only the shop's own shopkeeper sells at its counter."""
    if goods.keeps_shop(actor, shop):
        return
    if actor.shops:
        raise WrongShop()
    raise Forbidden(_l("Only this shop's keeper sells at its counter."))


# The customer at the counter in one statement: the household and its account's balance.
_households = Household.__table__
_accounts = Account.__table__
_CUSTOMER = (
    sa.select(
        _households.c.id,
        _households.c.village_id,
        _households.c.number,
        _households.c.head_name,
        _households.c.status,
        _households.c.pin_hash,
        _households.c.pin_locked_until,
        _accounts.c.balance,
    )
    .select_from(_households)
    .outerjoin(
        _accounts,
        sa.and_(
            _accounts.c.village_id == _households.c.village_id,
            _accounts.c.code == sa.bindparam("account_code"),
        ),
    )
    .where(_households.c.id == sa.bindparam("household_id"))
)


def find_customer(shop: Shop, *, card_token: str | None = None, household_id=None) -> Customer:
    """The household of a scanned or typed card (or an id), checked against the shop's village.

    Raises the card refusals (404 ``card_not_found``, 410 ``card_revoked``, 422
    ``card_code_mistyped``), 403 ``card_of_another_village`` or 404 for an unknown id. A
    household's number typed for its card is ``card_not_found`` that says which code to type.
    """
    if card_token is not None:
        try:
            household_id = cards.resolve_card(card_token)
        except cards.CardNotFound:
            if household_id_by_number(shop.village_id, card_token) is None:
                raise
            raise cards.CardNotFound(
                _l(
                    "%(number)s is the household's number. Scan the card, or type the code "
                    "printed on it under “%(label)s”.",
                    number=card_token.strip(),
                    label=_l("Code for typing"),
                )
            ) from None
    household = None
    if household_id:
        household = db.session.execute(
            _CUSTOMER,
            {"household_id": household_id, "account_code": ledger.household_code(household_id)},
        ).one_or_none()
    if household is None:
        raise NotFound(_l("No such household."))
    if household.village_id != shop.village_id:
        raise CardOfAnotherVillage()
    if household.balance is None:
        raise AccountMissing()
    state = pins.pin_state(household)
    return Customer(
        household_id=household.id,
        village_id=household.village_id,
        number=household.number,
        head_name=household.head_name,
        balance=household.balance,
        status=household.status,
        **state,
    )
