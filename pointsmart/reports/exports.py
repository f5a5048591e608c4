"""The tables an admin downloads: households, transfers, redemptions (sales), settlements,
and the committee report's tables. Column headers are in the page's language (Chinese by
default); times are in the village's time zone.

Transfers, redemptions and settlements take a period (``YYYY-MM``: what counts for that
month, as the ledger's ``period`` says) or none (everything). Their rows are read while the
file is being written, in batches, so a large ledger streams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..accounts.models import User
from ..counter.models import Redemption, RedemptionItem, Settlement, Shop
from ..errors import NotFound
from ..extensions import db
from ..ledger.models import Account, Transfer
from ..villages.models import Grid, Household, Member
from . import committee
from .sheet import check_period, find_village
from .tabular import Table

BATCH = 1000
EXPORTS = ("households", "transfers", "redemptions", "settlements")
REPORT_TABLES = ("summary", "leaders", "leaders12", "months")


def _local(moment: dt.datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def kind_labels() -> dict[str, str]:
    return {
        "award": _("Award"),
        "deduct": _("Deduction"),
        "redeem": _("Redemption"),
        "settle": _("Settlement"),
        "expire": _("Year-end clearing"),
        "shortfall": _("Offline shortfall"),
        "write_off": _("Offline write-off"),
    }


def category_labels() -> dict[str, str]:
    return {
        "volunteer": _("Volunteering"),
        "red": _("Red list"),
        "black": _("Black list"),
        "rule": _("Village rules"),
        "other": _("Other"),
    }


def system_account_labels() -> dict[str, str]:
    """The village's own accounts, as a clerk would name them."""
    return {
        "issued": _("Village: points given"),
        "penalties": _("Village: points deducted"),
        "settled": _("Settled with shops"),
        "expired": _("Cleared at the year's end"),
    }


def export_table(actor: Principal, village_id: int, name: str, period: str | None = None) -> Table:
    """One of ``EXPORTS`` for an admin of the village (or the county and township above it)."""
    village = find_village(village_id)
    actor.require_reader(village_id)
    if name not in EXPORTS:
        raise NotFound(_l("No such export."))
    if period is not None:
        check_period(period)
    zone = ZoneInfo(village.timezone)
    suffix = f"-{period}" if period else ""
    builders = {
        "households": _households,
        "transfers": _transfers,
        "redemptions": _redemptions,
        "settlements": _settlements,
    }
    table = builders[name](village_id, period, zone)
    table.name = f"{name}-{village_id}{suffix}"
    return table


def _households(village_id: int, period: str | None, zone: ZoneInfo) -> Table:
    def rows() -> Iterator[list]:
        members: dict[int, list[str]] = {}
        for member in db.session.execute(
            sa.select(Member.household_id, Member.name, Member.relation)
            .join(Household, Household.id == Member.household_id)
            .where(Household.village_id == village_id)
            .order_by(Member.id)
        ):
            text = f"{member.name}({member.relation})" if member.relation else member.name
            members.setdefault(member.household_id, []).append(text)
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
            yield [
                row.number,
                row.head_name,
                row.grid or "",
                row.phone or "",
                statuses.get(row.status, row.status),
                int(row.balance or 0),
                "、".join(members.get(row.id, [])),
                _local(row.created_at, zone),
            ]

    headers = [
        _("Household No."),
        _("Head"),
        _("Grid"),
        _("Phone"),
        _("Status"),
        _("Balance"),
        _("Members"),
        _("Added"),
    ]
    return Table("", _("Households"), headers, rows)


def _transfers(village_id: int, period: str | None, zone: ZoneInfo) -> Table:
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

    def rows() -> Iterator[list]:
        """Each transfer in words: kinds, categories and accounts as a clerk names them (a
        household account by its number and head, a shop's by its name), never a code."""
        kinds, categories = kind_labels(), category_labels()
        systems = system_account_labels()
        shops = dict(
            db.session.execute(
                sa.select(Shop.id, Shop.name).where(Shop.village_id == village_id)
            ).all()
        )

        def account(kind: str, shop_id: int | None, code: str, row) -> str:
            if kind == "household":
                return f"{row.number} {row.head_name}"
            if kind == "shop":
                return shops.get(shop_id, code)
            return systems.get(kind, code)

        result = db.session.execute(statement.execution_options(yield_per=BATCH))
        for row in result:
            kind = kinds.get(row.kind, row.kind)
            yield [
                row.seq,
                row.id,
                _local(row.created_at, zone),
                row.period,
                _("Reversal of %(kind)s", kind=kind) if row.reverses_id else kind,
                categories.get(row.category, row.category or ""),
                row.number or "",
                row.head_name or "",
                account(row.debit_kind, row.debit_shop, row.debit, row),
                account(row.credit_kind, row.credit_shop, row.credit, row),
                int(row.amount),
                row.reverses_id or "",
                row.memo or "",
                row.username or "",
                row.hash,
            ]

    headers = [
        _("Chain No."),
        _("Transfer ID"),
        _("Time"),
        _("Month"),
        _("Kind"),
        _("Category"),
        _("Household No."),
        _("Head"),
        _("From account"),
        _("To account"),
        _("Points"),
        _("Reverses"),
        _("Memo"),
        _("Posted by"),
        _("Hash"),
    ]
    return Table("", _("Transfers"), headers, rows)


def _redemptions(village_id: int, period: str | None, zone: ZoneInfo) -> Table:
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

    def rows() -> Iterator[list]:
        for chunk in db.session.execute(statement.execution_options(yield_per=BATCH)).partitions():
            items: dict[int, list[str]] = {}
            for item in db.session.execute(
                sa.select(
                    RedemptionItem.redemption_id, RedemptionItem.name, RedemptionItem.quantity
                )
                .where(RedemptionItem.redemption_id.in_([row.id for row in chunk]))
                .order_by(RedemptionItem.id)
            ):
                items.setdefault(item.redemption_id, []).append(f"{item.name}×{item.quantity}")
            for row in chunk:
                yield [
                    row.id,
                    _local(row.created_at, zone),
                    row.period,
                    row.shop,
                    row.number,
                    row.head_name,
                    int(row.total_points),
                    "、".join(items.get(row.id, [])),
                    _("Yes") if row.voided_at else _("No"),
                    _local(row.voided_at, zone),
                    row.void_reason or "",
                    row.username or "",
                    row.transfer_id,
                    _local(row.made_at, zone),
                ]

    headers = [
        _("Sale No."),
        _("Time"),
        _("Month"),
        _("Shop"),
        _("Household No."),
        _("Head"),
        _("Points"),
        _("Goods"),
        _("Voided"),
        _("Voided at"),
        _("Void reason"),
        _("Shopkeeper"),
        _("Transfer ID"),
        # An offline sale: when it was made at the counter ("Time" is when it was posted).
        _("Sold offline at"),
    ]
    return Table("", _("Redemptions"), headers, rows)


def _settlements(village_id: int, period: str | None, zone: ZoneInfo) -> Table:
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

    def rows() -> Iterator[list]:
        for row in db.session.execute(statement):
            yield [
                row.shop,
                row.period,
                int(row.points),
                row.yuan_per_point,
                row.yuan,
                _local(row.created_at, zone),
                row.username or "",
                row.transfer_id,
            ]

    headers = [
        _("Shop"),
        _("Month"),
        _("Points"),
        _("Yuan a point"),
        _("Yuan"),
        _("Settled at"),
        _("Settled by"),
        _("Transfer ID"),
    ]
    return Table("", _("Settlements"), headers, rows)


# --- the committee report's tables -----------------------------------------------------------


def report_table(actor: Principal, village_id: int, name: str, period: str | None) -> Table:
    """One of ``REPORT_TABLES`` of the committee report, for an admin of the village."""
    period = committee.resolve_period(actor, village_id, period)
    if name not in REPORT_TABLES:
        raise NotFound(_l("No such table."))
    file_name = f"{name}-{village_id}-{period}"
    if name == "summary":
        summary = committee.monthly_summary(actor, village_id, period)
        return Table(
            file_name,
            _("Summary"),
            [_("Item"), _("Points"), _("Yuan")],
            lambda: [[label, points, yuan] for label, points, yuan in summary_lines(summary)],
        )
    if name in ("leaders", "leaders12"):
        months = committee.MONTHS if name == "leaders12" else 1
        shares = committee.leader_shares(actor, village_id, period, months=months)
        title = _("Leaders, 12 months") if months > 1 else _("Leaders")
        return Table(file_name, title, leader_headers(), lambda: leader_rows(shares))
    series = committee.month_series(actor, village_id, period)
    return Table(
        file_name,
        _("Last 12 months"),
        [_("Month"), _("Issued"), _("Deducted"), _("Redeemed"), _("Settled"), _("Outstanding")],
        lambda: [
            [m["period"], m["issued"], m["deducted"], m["redeemed"], m["settled"], m["outstanding"]]
            for m in series
        ],
    )


def summary_lines(summary: dict) -> list[tuple[str, int | str, object]]:
    """The summary as (item, points, yuan) lines, as the page and the files show it."""
    return [
        (_("Issued"), summary["issued"], summary["issued_yuan"]),
        (_("Deducted"), summary["deducted"], ""),
        (_("Redeemed"), summary["redeemed"], summary["redeemed_yuan"]),
        (_("Settled with shops"), summary["settled"], summary["settled_yuan"]),
        (
            _("Outstanding (held by households)"),
            summary["outstanding"],
            summary["outstanding_yuan"],
        ),
        (_("Redeemed, not yet settled"), summary["unsettled"], ""),
        (_("Goods in stock now"), summary["stock_points"], summary["stock_yuan"]),
        (_("Goods in stock minus outstanding"), "", summary["stock_cover_yuan"]),
    ]


def leader_headers() -> list[str]:
    return [
        _("Leader"),
        _("Households"),
        _("Awards"),
        _("Points"),
        _("Top household"),
        _("Its points"),
        _("Top household's share %"),
        _("Top 3 households' share %"),
    ]


def leader_rows(shares: list[committee.LeaderShare]) -> list[list]:
    return [
        [
            s.name,
            s.households,
            s.awards,
            s.points,
            s.top_number,
            s.top_points,
            s.top_share,
            s.top3_share,
        ]
        for s in shares
    ]
