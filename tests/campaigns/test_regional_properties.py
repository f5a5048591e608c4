"""Property test of a township campaign's conferral: whatever the votes, the villages the
nominees live in, the seats and repeated conferrals,

* exactly the winners are paid, once each, the campaign's points, in their own village;
* each village's balances sum to zero, cached balances equal the sum of transfers and
  ``ledger verify`` is clean in every village;
* conferring again posts nothing and makes no rule.
"""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import given
from hypothesis import strategies as st

from pointsmart.accounts.service import load_principal
from pointsmart.campaigns import conferral, regional, review, service
from pointsmart.extensions import db
from pointsmart.ledger.models import Account, Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.periods import local_today
from pointsmart.regions import service as regions
from pointsmart.rules.models import Rule
from tests.campaigns.test_conferral_properties import SETTINGS
from tests.conftest import count_rows
from tests.factories import ROOT


@SETTINGS
@given(
    nominees=st.lists(
        st.tuples(st.integers(0, 1), st.lists(st.booleans(), min_size=3, max_size=3)),
        min_size=1,
        max_size=5,
    ),
    seats=st.integers(min_value=1, max_value=3),
    conferrals=st.integers(min_value=1, max_value=3),
)
def test_a_township_s_conferral_pays_each_winner_once_in_its_own_village(
    make, nominees, seats, conferrals
):
    county = regions.create_region(ROOT, name=f"县{make.village().id}", level="county",
                                   parent_id=None)  # fmt: skip
    township = regions.create_region(ROOT, name="镇", level="township", parent_id=county.id)
    villages = [make.village(region_id=township.id) for _ in range(2)]
    admin = load_principal(make.staff("township_admin", region=township).user_id)
    council = [make.staff("leader", villages[i % 2]) for i in range(3)]
    households = [make.household(villages[v]) for v, _ in nominees]
    today = local_today(villages[0].timezone)
    campaign = regional.create_region_campaign(
        admin, township.id, title="文明户", points=70, seats=seats, nominate_from=today,
        nominate_until=today, review_until=today, notice_days=0, quorum=3,
        council=[member.user_id for member in council],
    )  # fmt: skip
    for household, (_, sides) in zip(households, nominees, strict=True):
        nomination = service.nominate(ROOT, campaign.id, household_id=household.id, reason="好")
        for member, approve in zip(council, sides, strict=True):
            review.cast_vote(load_principal(member.user_id), nomination.id, approve=approve)
    review.publish(admin, campaign.id)
    passing = sorted(
        (i for i, (_, sides) in enumerate(nominees) if sum(sides) >= 2),
        key=lambda i: (-sum(nominees[i][1]), i),
    )
    winners = [households[i] for i in passing[:seats]]

    posted = [conferral.confer(admin, campaign.id)[1]]
    rules = count_rows(Rule)
    posted += [conferral.confer(admin, campaign.id)[1] for _ in range(conferrals - 1)]

    assert posted == [len(winners)] + [0] * (conferrals - 1)
    assert count_rows(Rule) == rules
    for village in villages:
        paid = db.session.execute(
            sa.select(Transfer.household_id, Transfer.amount).where(
                Transfer.village_id == village.id
            )
        ).all()
        assert sorted(paid) == sorted((w.id, 70) for w in winners if w.village_id == village.id)
        balances = db.session.execute(
            sa.select(sa.func.sum(Account.balance)).where(Account.village_id == village.id)
        ).scalar_one()
        assert balances == 0
        assert verify_village(village.id).ok
