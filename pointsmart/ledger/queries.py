"""Reading the ledger: balances, month totals, ranks and a household's history.

Everything here reads the caches (one account row, a few monthly rows) or walks an index;
nothing scans the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .accounts import account_balance, household_code
from .errors import AccountMissing
from .kinds import household_balance_after, household_signed_amount
from .models import Account, MonthlyTotal, Transfer

# Tables of the packages above the ledger, read by name (the ledger imports none of them).
_HOUSEHOLDS = sa.table("households", sa.column("id"), sa.column("village_id"), sa.column("status"))
_RULE_VERSIONS = sa.table("rule_versions", sa.column("id"), sa.column("rule_id"))


@dataclass(frozen=True)
class HouseholdSummary:
    balance: int
    month: dict[str, Any]


_accounts = Account.__table__
_this_month = MonthlyTotal.__table__.alias("this_month")
_other_months = MonthlyTotal.__table__.alias("other_months")
_month_points = _this_month.c.earned - _this_month.c.deducted


def _ahead(village_id) -> sa.Label:
    """How many households of the village earned more (earned - deducted) in ``:period``."""
    return (
        sa.select(sa.func.count())
        .where(
            _other_months.c.village_id == village_id,
            _other_months.c.period == sa.bindparam("period"),
            _other_months.c.earned - _other_months.c.deducted > sa.func.coalesce(_month_points, 0),
        )
        .scalar_subquery()
        .label("ahead")
    )


def _summary_columns(village_id) -> tuple:
    return (
        _accounts.c.balance,
        _this_month.c.earned,
        _this_month.c.deducted,
        _this_month.c.redeemed,
        _ahead(village_id),
    )


def _summary_joins(statement: sa.Select, village_id, household_id) -> sa.Select:
    return statement.outerjoin(
        _accounts,
        sa.and_(_accounts.c.village_id == village_id, _accounts.c.code == sa.bindparam("code")),
    ).outerjoin(
        _this_month,
        sa.and_(
            _this_month.c.household_id == household_id,
            _this_month.c.period == sa.bindparam("period"),
        ),
    )


# Built once: the balance read is the API's busiest answer. One row: the cached balance, the
# period's totals (none recorded: NULL) and how many households earned more that period.
_SUMMARY = (
    sa.select(*_summary_columns(sa.bindparam("village_id")))
    .select_from(_accounts)
    .outerjoin(
        _this_month,
        sa.and_(
            _this_month.c.household_id == sa.bindparam("household_id"),
            _this_month.c.period == sa.bindparam("period"),
        ),
    )
    .where(
        _accounts.c.village_id == sa.bindparam("village_id"),
        _accounts.c.code == sa.bindparam("code"),
    )
)


def household_balance(village_id: int, household_id: int) -> int:
    """The household's cached balance (one indexed row)."""
    return account_balance(village_id, household_code(household_id))


def household_summary(village_id: int, household_id: int, period: str) -> HouseholdSummary:
    """Balance, the period's totals and the household's rank in its village for that period.

    The rank counts households whose points (earned - deducted) in the period are higher;
    households with nothing recorded that month count as 0 points. Ties share a rank.
    """
    row = db.session.execute(
        _SUMMARY,
        {
            "village_id": village_id,
            "household_id": household_id,
            "period": period,
            "code": household_code(household_id),
        },
    ).one_or_none()
    if row is None:
        raise AccountMissing()
    return summary_of_row(row, village_id, period)


def with_household_summary(statement: sa.Select, village_id, household_id) -> sa.Select:
    """``statement``, a select of one household's row (``village_id`` and ``household_id``
    are its columns), with the household's summary in the same statement: the columns
    ``balance``, ``earned``, ``deducted``, ``redeemed`` and ``ahead`` of
    :func:`household_summary`, NULL ``balance`` when the household has no account.

    Executed with the parameters ``period`` and ``code`` (:func:`summary_parameters`); read
    with :func:`summary_of_row`. What a caller that reads the household anyway saves is one
    statement (a round trip on PostgreSQL).
    """
    with_columns = statement.add_columns(*_summary_columns(village_id))
    return _summary_joins(with_columns, village_id, household_id)


def summary_parameters(household_id: int, period: str) -> dict[str, str]:
    """The parameters of a statement made by :func:`with_household_summary`."""
    return {"period": period, "code": household_code(household_id)}


def summary_of_row(row, village_id: int, period: str) -> HouseholdSummary:
    """The :class:`HouseholdSummary` in a row of :func:`household_summary`'s columns."""
    if row.balance is None:
        raise AccountMissing()
    earned, deducted, redeemed = row.earned or 0, row.deducted or 0, row.redeemed or 0
    ahead = row.ahead
    if earned - deducted < 0:
        ahead += _households_without_entries(village_id, period)
    return HouseholdSummary(
        balance=row.balance,
        month={
            "period": period,
            "earned": earned,
            "deducted": deducted,
            "redeemed": redeemed,
            "rank": ahead + 1,
        },
    )


def _households_without_entries(village_id: int, period: str) -> int:
    """Households of the village with nothing recorded in the period: 0 points each, so
    ahead of a household whose deductions outweigh its awards. Those still in the village
    only, as on the leaderboard (a household that moved away is on it only in a month it
    has entries)."""
    return db.session.execute(
        sa.select(sa.func.count())
        .select_from(_HOUSEHOLDS)
        .where(
            _HOUSEHOLDS.c.village_id == village_id,
            _HOUSEHOLDS.c.status == "active",
            ~sa.exists().where(
                MonthlyTotal.household_id == _HOUSEHOLDS.c.id, MonthlyTotal.period == period
            ),
        )
    ).scalar_one()


def household_history(household_id: int, *, limit: int, after: int | None) -> list[dict]:
    """A household's transfers, newest first, ``limit + 1`` of them (for paging)."""
    # Plain rows of the table's columns, not ORM objects: nothing here is written back.
    statement = (
        sa.select(*Transfer.__table__.columns)
        .where(Transfer.household_id == household_id)
        .order_by(Transfer.id.desc())
        .limit(limit + 1)
    )
    if after is not None:
        statement = statement.where(Transfer.id < after)
    return transfer_views(db.session.execute(statement).all())


def transfer_views(transfers) -> list[dict]:
    """Transfers as the API and pages show them (``transfer_view``), each with the transfer that
    reversed it and its rule: two small indexed reads, whatever the number of transfers."""
    reversed_by = reversals_of([t.id for t in transfers])
    rule_ids = rule_ids_of_versions({t.rule_version_id for t in transfers} - {None})
    return [
        transfer_view(t, reversed_by.get(t.id), rule_ids.get(t.rule_version_id)) for t in transfers
    ]


def reversals_of(transfer_ids) -> dict[int, int]:
    """``{transfer id: the id of the transfer that reversed it}``, for those that were."""
    if not transfer_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Transfer.reverses_id, Transfer.id).where(
                Transfer.reverses_id.in_(transfer_ids)
            )
        ).all()
    )


def rule_ids_of_versions(version_ids: set[int]) -> dict[int, int]:
    """Rule version id -> rule id (one small indexed read, nothing when no rule is involved)."""
    if not version_ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(_RULE_VERSIONS.c.id, _RULE_VERSIONS.c.rule_id).where(
                _RULE_VERSIONS.c.id.in_(version_ids)
            )
        ).all()
    )


def transfer_view(
    transfer: Any, reversed_by_id: int | None = None, rule_id: int | None = None
) -> dict[str, Any]:
    """A transfer (a ``Transfer`` or a row of its columns) as the API shows it, from its
    household's point of view."""
    if transfer.household_id is not None:
        amount = household_signed_amount(transfer)
    else:
        amount = transfer.amount
    return {
        "id": transfer.id,
        "village_id": transfer.village_id,
        "household_id": transfer.household_id,
        "amount": amount,
        "kind": transfer.kind,
        "category": transfer.category,
        "period": transfer.period,
        "memo": transfer.memo,
        "balance_after": household_balance_after(transfer),
        "reverses_id": transfer.reverses_id,
        "reversed_by_id": reversed_by_id,
        "posted_by_id": transfer.posted_by_id,
        "rule_id": rule_id,
        "rule_version_id": transfer.rule_version_id,
        "quantity": transfer.quantity,
        "hash": transfer.hash,
        "created_at": transfer.created_at,
    }
