"""Rebuilding a village's caches from its transfers (``flask ledger rebuild``): the cached
balances, the monthly totals and the chain head, replayed the way ``verify`` replays them."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from .accounts import lock_village_chain
from .models import Account, ChainHead, MonthlyTotal
from .verify import VerifyReport, replay_transfers, verify_village_with


def rebuild_village(village_id: int) -> VerifyReport:
    """Recompute cached balances, monthly totals and the chain head from the transfers.

    Returns the verify report taken afterwards: a chain that does not hold together is
    reported, never papered over. It holds the village's chain lock throughout, so no post
    can land between the replay and the rewrite of the caches.
    """
    lock_village_chain(village_id)
    execute = db.session.connection().execute
    replay = replay_transfers(execute, village_id, VerifyReport(village_id=village_id))
    accounts = Account.__table__
    account_ids = db.session.execute(
        sa.select(Account.id).where(Account.village_id == village_id)
    ).scalars()
    for account_id in account_ids:
        db.session.execute(
            accounts.update()
            .where(accounts.c.id == account_id)
            .values(balance=replay.balances.get(account_id, 0))
        )
    db.session.execute(sa.delete(MonthlyTotal).where(MonthlyTotal.village_id == village_id))
    if replay.monthly:
        db.session.execute(
            sa.insert(MonthlyTotal),
            [
                {"household_id": household_id, "period": period, "village_id": village_id, **sums}
                for (household_id, period), sums in replay.monthly.items()
            ],
        )
    heads = ChainHead.__table__
    db.session.execute(
        heads.update()
        .where(heads.c.village_id == village_id)
        .values(last_seq=replay.last_seq, last_hash=replay.last_hash)
    )
    db.session.flush()
    return verify_village_with(db.session.execute, village_id)
