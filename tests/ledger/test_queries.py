"""Reading the ledger (``ledger.queries``) against the boards that read the same months."""

from pointsmart.admin.households import mark_moved_away
from pointsmart.board.leaderboard import leaderboard
from pointsmart.ledger import service as ledger
from pointsmart.ledger.queries import household_summary
from pointsmart.periods import current_period


def test_a_households_rank_is_its_rank_on_the_leaderboard(make):
    """A household that moved away is on the leaderboard only in a month it has entries, so
    it is not counted ahead of a household whose deductions outweigh its awards."""
    village = make.village()
    admin = make.staff("admin", village)
    gone = make.household(village, number="D-1")
    idle = make.household(village, number="D-2")
    earner = make.household(village, number="D-3")
    fined = make.household(village, number="D-4")
    mark_moved_away(admin.principal, gone.id)
    make.award(earner, 10)
    ledger.deduct(village.id, fined.id, 5, category="black")
    period = current_period(village.timezone)

    ranks = {item["household_id"]: item["rank"] for item in leaderboard(village.id)["items"]}
    assert ranks == {earner.id: 1, idle.id: 2, fined.id: 3}
    for household in (idle, earner, fined):
        summary = household_summary(village.id, household.id, period)
        assert summary.month["rank"] == ranks[household.id]
