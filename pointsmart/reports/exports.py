"""The tables an admin downloads: households, transfers, redemptions (sales) and settlements.
Column headers are in the page's language (Chinese by default); times are in the village's
time zone.

Each export is one entry of a table (``TABLES``): its title, its columns (a header and how a
cell is read from a row) and the rows it reads. Transfers, redemptions and settlements take a
period (``YYYY-MM``: what counts for that month, as the ledger's ``period`` says) or none
(everything). Their rows are read while the file is being written, in batches, so a large
ledger streams. The committee report's tables are ``committee_tables``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.models import User
from ..counter.models import Redemption, RedemptionItem, Settlement, Shop
from ..errors import NotFound
from ..extensions import db
from ..households.models import Household, Member
from ..ledger.labels import CATEGORY_LABELS, KIND_LABELS, SYSTEM_ACCOUNT_LABELS
from ..ledger.models import Account, Transfer
from ..periods import checked_period
from ..villages.models import Grid
from ..villages.service import find_village
from .tabular import Table

BATCH = 1000

Row = Mapping[str, Any]
Cell = Callable[[Row, ZoneInfo], Any]


def value(key: str) -> Cell:
    """The row's value as it is."""
    return lambda row, zone: row[key]


def text(key: str) -> Cell:
    """The row's value, or an empty cell for none."""
    return lambda row, zone: row[key] or ""


def points(key: str) -> Cell:
    """A whole number of points (0 for none)."""
    return lambda row, zone: int(row[key] or 0)


def local_time(key: str) -> Cell:
    """A moment in the village's time zone, to the second (an empty cell for none)."""
    return lambda row, zone: _local(row[key], zone)


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


@dataclass(frozen=True)
class Export:
    """One downloadable table: its sheet title, its columns (header, cell) in order, and the
    rows of a village (of a period, or all) as read, one mapping a row."""

    title: Any  # a lazy string: the page's language
    columns: tuple[tuple[Any, Cell], ...]
    rows: Callable[[int, str | None], Iterable[Row]]


def export_table(actor: Principal, village_id: int, name: str, period: str | None = None) -> Table:
    """One of ``EXPORTS`` for an admin of the village (or the county and township above it)."""
    village = find_village(village_id)
    actor.require_reader(village_id)
    if name not in EXPORTS:
        raise NotFound(_l("No such export."))
    if period is not None:
        checked_period(period)
    zone = ZoneInfo(village.timezone)
    suffix = f"-{period}" if period else ""
    export = TABLES[name]

    def rows() -> Iterator[list]:
        for row in export.rows(village_id, period):
            yield [cell(row, zone) for _header, cell in export.columns]

    headers = [str(header) for header, _cell in export.columns]
    return Table(f"{name}-{village_id}{suffix}", str(export.title), headers, rows)


# --- what each export reads ------------------------------------------------------------------


def _households(village_id: int, period: str | None) -> Iterator[Row]:
    members: dict[int, list[str]] = {}
    for member in db.session.execute(
        sa.select(Member.household_id, Member.name, Member.relation)
        .join(Household, Household.id == Member.household_id)
        .where(Household.village_id == village_id)
        .order_by(Member.id)
    ):
        named = f"{member.name}({member.relation})" if member.relation else member.name
        members.setdefault(member.household_id, []).append(named)
    statuses = {"active": _("Active"), "moved_away": _("Moved away")}
    for row in db.session.execute(
        sa.select(
            Household.id,
            Household.number,
            Household.head_name,
            Grid.name.label("grid"),
            Household.phone,
            Household.status,
            Account.balance,
            Household.created_at,
        )
        .outerjoin(Grid, Grid.id == Household.grid_id)
        .outerjoin(Account, Account.household_id == Household.id)
        .where(Household.village_id == village_id)
        .order_by(Household.number, Household.id)
    ):
        yield {
            **row._mapping,
            "status": statuses.get(row.status, row.status),
            "members": "、".join(members.get(row.id, [])),
        }


def _transfers(village_id: int, period: str | None) -> Iterator[Row]:
    """Each transfer in words: kinds, categories and accounts as a clerk names them (a
    household account by its number and head, a shop's by its name), never a code."""
    debit, credit = sa.orm.aliased(Account), sa.orm.aliased(Account)
    statement = (
        sa.select(
            Transfer.seq,
            Transfer.id,
            Transfer.created_at,
            Transfer.period,
            Transfer.kind,
            Transfer.category,
            Household.number,
            Household.head_name,
            debit.kind.label("debit_kind"),
            debit.shop_id.label("debit_shop"),
            debit.code.label("debit"),
            credit.kind.label("credit_kind"),
            credit.shop_id.label("credit_shop"),
            credit.code.label("credit"),
            Transfer.amount,
            Transfer.reverses_id,
            Transfer.memo,
            User.username,
            Transfer.hash,
        )
        .join(debit, debit.id == Transfer.debit_account_id)
        .join(credit, credit.id == Transfer.credit_account_id)
        .outerjoin(Household, Household.id == Transfer.household_id)
        .outerjoin(User, User.id == Transfer.posted_by_id)
        .where(Transfer.village_id == village_id)
        .order_by(Transfer.seq)
    )
    if period:
        statement = statement.where(Transfer.period == period)
    shops = dict(
        db.session.execute(sa.select(Shop.id, Shop.name).where(Shop.village_id == village_id)).all()
    )

    def account(kind: str, shop_id: int | None, code: str, row) -> str:
        if kind == "household":
            return f"{row.number} {row.head_name}"
        if kind == "shop":
            return shops.get(shop_id, code)
        return str(SYSTEM_ACCOUNT_LABELS.get(kind, code))

    for row in db.session.execute(statement.execution_options(yield_per=BATCH)):
        kind = str(KIND_LABELS.get(row.kind, row.kind))
        yield {
            **row._mapping,
            "kind": _("Reversal of %(kind)s", kind=kind) if row.reverses_id else kind,
            "category": str(CATEGORY_LABELS.get(row.category, row.category or "")),
            "debit": account(row.debit_kind, row.debit_shop, row.debit, row),
            "credit": account(row.credit_kind, row.credit_shop, row.credit, row),
        }


def _redemptions(village_id: int, period: str | None) -> Iterator[Row]:
    """Each sale with its goods (read a batch of sales at a time)."""
    statement = (
        sa.select(
            Redemption.id,
            Redemption.created_at,
            Transfer.period,
            Shop.name.label("shop"),
            Household.number,
            Household.head_name,
            Redemption.total_points,
            Redemption.voided_at,
            Redemption.void_reason,
            User.username,
            Redemption.transfer_id,
            Redemption.made_at,
        )
        .join(Transfer, Transfer.id == Redemption.transfer_id)
        .join(Shop, Shop.id == Redemption.shop_id)
        .join(Household, Household.id == Redemption.household_id)
        .outerjoin(User, User.id == Redemption.created_by_id)
        .where(Redemption.village_id == village_id)
        .order_by(Redemption.id)
    )
    if period:
        statement = statement.where(Transfer.period == period)
    for chunk in db.session.execute(statement.execution_options(yield_per=BATCH)).partitions():
        items: dict[int, list[str]] = {}
        for item in db.session.execute(
            sa.select(RedemptionItem.redemption_id, RedemptionItem.name, RedemptionItem.quantity)
            .where(RedemptionItem.redemption_id.in_([row.id for row in chunk]))
            .order_by(RedemptionItem.id)
        ):
            items.setdefault(item.redemption_id, []).append(f"{item.name}×{item.quantity}")
        for row in chunk:
            yield {
                **row._mapping,
                "goods": "、".join(items.get(row.id, [])),
                "voided": _("Yes") if row.voided_at else _("No"),
            }


def _settlements(village_id: int, period: str | None) -> Iterator[Row]:
    statement = (
        sa.select(
            Shop.name.label("shop"),
            Settlement.period,
            Settlement.points,
            Settlement.yuan_per_point,
            Settlement.yuan,
            Settlement.created_at,
            User.username,
            Settlement.transfer_id,
        )
        .join(Shop, Shop.id == Settlement.shop_id)
        .outerjoin(User, User.id == Settlement.settled_by_id)
        .where(Shop.village_id == village_id)
        .order_by(Settlement.period, Shop.name)
    )
    if period:
        statement = statement.where(Settlement.period == period)
    for row in db.session.execute(statement):
        yield row._mapping


# --- the exports: title, columns, rows -------------------------------------------------------

TABLES = {
    "households": Export(
        _l("Households"),
        (
            (_l("Household No."), value("number")),
            (_l("Head"), value("head_name")),
            (_l("Grid"), text("grid")),
            (_l("Phone"), text("phone")),
            (_l("Status"), value("status")),
            (_l("Balance"), points("balance")),
            (_l("Members"), value("members")),
            (_l("Added"), local_time("created_at")),
        ),
        _households,
    ),
    "transfers": Export(
        _l("Transfers"),
        (
            (_l("Chain No."), value("seq")),
            (_l("Transfer ID"), value("id")),
            (_l("Time"), local_time("created_at")),
            (_l("Month"), value("period")),
            (_l("Kind"), value("kind")),
            (_l("Category"), value("category")),
            (_l("Household No."), text("number")),
            (_l("Head"), text("head_name")),
            (_l("From account"), value("debit")),
            (_l("To account"), value("credit")),
            (_l("Points"), points("amount")),
            (_l("Reverses"), text("reverses_id")),
            (_l("Memo"), text("memo")),
            (_l("Posted by"), text("username")),
            (_l("Hash"), value("hash")),
        ),
        _transfers,
    ),
    "redemptions": Export(
        _l("Redemptions"),
        (
            (_l("Sale No."), value("id")),
            (_l("Time"), local_time("created_at")),
            (_l("Month"), value("period")),
            (_l("Shop"), value("shop")),
            (_l("Household No."), value("number")),
            (_l("Head"), value("head_name")),
            (_l("Points"), points("total_points")),
            (_l("Goods"), value("goods")),
            (_l("Voided"), value("voided")),
            (_l("Voided at"), local_time("voided_at")),
            (_l("Void reason"), text("void_reason")),
            (_l("Shopkeeper"), text("username")),
            (_l("Transfer ID"), value("transfer_id")),
            # An offline sale: when it was made at the counter ("Time" is when it was posted).
            (_l("Sold offline at"), local_time("made_at")),
        ),
        _redemptions,
    ),
    "settlements": Export(
        _l("Settlements"),
        (
            (_l("Shop"), value("shop")),
            (_l("Month"), value("period")),
            (_l("Points"), points("points")),
            (_l("Yuan a point"), value("yuan_per_point")),
            (_l("Yuan"), value("yuan")),
            (_l("Settled at"), local_time("created_at")),
            (_l("Settled by"), text("username")),
            (_l("Transfer ID"), value("transfer_id")),
        ),
        _settlements,
    ),
}
EXPORTS = tuple(TABLES)


def titles() -> dict[str, str]:
    """Each export's title in the page's language, in order."""
    return {name: str(export.title) for name, export in TABLES.items()}
