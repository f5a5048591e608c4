"""Reading the ledger: balances, month totals, ranks and a household's history.

Everything here reads the caches (one account row, a few monthly rows) or walks an index;
nothing scans the ledger.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from .models import Account, MonthlyTotal, Transfer
from .service import household_balance_after, household_code, household_signed_amount


@dataclass(frozen=True)
class HouseholdSummary:
    balance: int
    month: dict[str, Any]


def household_balance(village_id: int, household_id: int) -> int:
    """The household's cached balance (one indexed row)."""
    return db.session.execute(
        sa.select(Account.balance).where(
            Account.village_id == village_id, Account.code == household_code(household_id)
        )
    ).scalar_one()


def household_summary(village_id: int, household_id: int, period: str) -> HouseholdSummary:
    """Balance, the period's totals and the household's rank in its village for that period.

    The rank counts households whose points (earned - deducted) in the period are higher;
    households with nothing recorded that month count as 0 points. Ties share a rank.
    """
    balance = household_balance(village_id, household_id)
    row = db.session.get(MonthlyTotal, (household_id, period), populate_existing=True)
    earned, deducted, redeemed = (row.earned, row.deducted, row.redeemed) if row else (0, 0, 0)
    points = earned - deducted
    month_points = MonthlyTotal.earned - MonthlyTotal.deducted
    in_month = sa.and_(MonthlyTotal.village_id == village_id, MonthlyTotal.period == period)
    ahead = db.session.execute(
        sa.select(sa.func.count()).where(in_month, month_points > points)
    ).scalar_one()
    if points < 0:
        from ..villages.models import Household

        households = db.session.execute(
            sa.select(sa.func.count()).where(Household.village_id == village_id)
        ).scalar_one()
        recorded = db.session.execute(sa.select(sa.func.count()).where(in_month)).scalar_one()
        ahead += households - recorded  # households with no entries this month have 0 points
    return HouseholdSummary(
        balance=balance,
        month={
            "period": period,
            "earned": earned,
            "deducted": deducted,
            "redeemed": redeemed,
            "rank": ahead + 1,
        },
    )


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
    transfers = db.session.execute(statement).all()
    reversed_by = {}
    if transfers:
        reversed_by = dict(
            db.session.execute(
                sa.select(Transfer.reverses_id, Transfer.id).where(
                    Transfer.reverses_id.in_([t.id for t in transfers])
                )
            ).all()
        )
    rule_ids = rule_ids_of_versions({t.rule_version_id for t in transfers} - {None})
    return [
        transfer_view(t, reversed_by.get(t.id), rule_ids.get(t.rule_version_id)) for t in transfers
    ]


def rule_ids_of_versions(version_ids: set[int]) -> dict[int, int]:
    """Rule version id -> rule id (one small indexed read, nothing when no rule is involved)."""
    if not version_ids:
        return {}
    from ..awards.models import RuleVersion

    return dict(
        db.session.execute(
            sa.select(RuleVersion.id, RuleVersion.rule_id).where(RuleVersion.id.in_(version_ids))
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
