"""Year-end clearing (年底清零): a village's positive household balances expire once a year.

Many villages bound the committee's liability this way. For each household whose balance is
above zero, one transfer of kind ``expire`` moves the whole balance to the village's
``expired`` account, counted in the year's December. A negative balance (a penalty larger
than what the household had) stays as it is, and so does a zero one.

Guarantees:

* Only when the village has ``year_end_clearing`` switched on, and only for the year that is
  ending (from December 1) or has just ended (in the January after it), in the village's time
  zone; an admin of the village (or the command line) runs it. Clearing takes the balances of
  the moment, so an older year is refused: it would clear today's points into a December long
  past, and the real clearing of the year would then find nothing to clear.
* Once per (village, year, household): each transfer is posted under the idempotency key
  ``year-end-clearing:<year>:household:<id>`` of scope ``village:<id>``, so running it again
  posts nothing for a household already cleared that year.
* Expiry is neither earned, deducted nor redeemed: it does not touch the monthly totals, so
  leaderboards and the lifetime earned points stay as they were.
* Everything, including the audit entry ``points.clear``, is written in the caller's one
  transaction; the caller commits once.

Run it at the turn of the year (for example on December 31 after the last awards): it clears
the balance as it is at that moment.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import Problem, ValidationFailed
from ..extensions import db
from ..ledger import idempotency
from ..ledger.models import HOUSEHOLD, Account, IdempotencyRecord
from ..ledger.service import expire
from ..periods import current_period
from ..villages.service import administered_village


class ClearingOff(Problem):
    status, code = 409, "year_end_clearing_off"
    title = _l("Year-end clearing is switched off for this village.")


@dataclass(frozen=True)
class ClearingResult:
    village_id: int
    year: int
    households: int
    points: int


def clearing_period(year: int) -> str:
    return f"{year:04d}-12"


def clearable_years(today_period: str) -> tuple[int, ...]:
    """The years that may be cleared in the month ``today_period`` (``YYYY-MM``): the year
    itself in its December, the year before in January, none in the other months."""
    year, month = int(today_period[:4]), int(today_period[5:])
    if month == 12:
        return (year,)
    if month == 1:
        return (year - 1,)
    return ()


def clearing_key(year: int, household_id: int) -> str:
    """The idempotency key a household's clearing of ``year`` is posted under."""
    return f"year-end-clearing:{year}:household:{household_id}"


def cleared(village_id: int, household_id: int, year: int) -> bool:
    """Whether the household was cleared for ``year`` already: a later run posts nothing for
    it, so what it earned since stays (one indexed row)."""
    return (
        db.session.execute(
            sa.select(IdempotencyRecord.id).where(
                IdempotencyRecord.scope == f"village:{village_id}",
                IdempotencyRecord.key == clearing_key(year, household_id),
            )
        ).first()
        is not None
    )


def clear_year(actor: Principal, village_id: int, year: int) -> ClearingResult:
    """Expire every positive household balance of the village for ``year`` (see the module)."""
    village = administered_village(actor, village_id)
    if not village.year_end_clearing:
        raise ClearingOff()
    if year not in clearable_years(current_period(village.timezone)):
        raise ValidationFailed(
            errors={
                "year": [
                    str(
                        _l(
                            "Only the year that is ending (from December 1) or has just ended "
                            "(in January) can be cleared."
                        )
                    )
                ]
            }
        )
    period = clearing_period(year)
    # Every positive account locked (in id order) before the first posting, and read under
    # its lock: what expires is the balance no other posting can change meanwhile.
    positive = db.session.execute(
        sa.select(Account.household_id, Account.balance)
        .where(
            Account.village_id == village_id,
            Account.kind == HOUSEHOLD,
            Account.balance > 0,
        )
        .order_by(Account.id)
        .with_for_update()
    ).all()
    memo = _("Year-end clearing %(year)s", year=year)
    households = points = 0
    for household_id, balance in positive:
        payload = {"village_id": village_id, "year": year, "household_id": household_id}
        claimed = idempotency.claim(
            f"village:{village_id}",
            clearing_key(year, household_id),
            idempotency.fingerprint("CLEAR", "year-end", payload),
        )
        if isinstance(claimed, idempotency.Replay):
            continue  # cleared for this year already
        transfer = expire(
            village_id,
            household_id,
            balance,
            period=period,
            memo=memo,
            posted_by_id=actor.user_id,
        )
        idempotency.complete(claimed, 200, {"transfer_id": transfer.id, "points": balance})
        households += 1
        points += balance
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="points.clear",
        target_type="village",
        target_id=village_id,
        changes={"year": year, "households": households, "points": points},
    )
    return ClearingResult(village_id=village_id, year=year, households=households, points=points)
