"""The demo village tells a campaign's whole story: one conferred (its winner on the honour
roll), one open with the demo villager's household nominated."""

from __future__ import annotations

import sqlalchemy as sa

from pointsmart.campaigns.conferral import honour_roll
from pointsmart.campaigns.models import Campaign, Nomination
from pointsmart.demo import _demo_villager, load_demo
from pointsmart.extensions import db


def test_the_demo_has_a_conferred_campaign_and_an_open_one(fresh_app):
    with fresh_app.app_context():
        assert load_demo() is not None
        db.session.commit()
        village_id = _demo_villager().village_id
        campaigns = db.session.execute(sa.select(Campaign).order_by(Campaign.id)).scalars().all()
        roll = honour_roll(village_id)
        villager_nominated = db.session.execute(
            sa.select(Nomination.id).where(
                Nomination.campaign_id == campaigns[1].id,
                Nomination.household_id == _demo_villager().id,
            )
        ).first()

    assert [(c.title, c.conferred_at is not None) for c in campaigns] == [
        ("孝亲敬老之家", True),
        ("好家庭", False),
    ]
    assert [(item["title"], len(item["winners"])) for item in roll] == [("孝亲敬老之家", 1)]
    assert villager_nominated is not None
    board = fresh_app.test_client().get(f"/board/{village_id}").get_data(as_text=True)
    assert 'id="honour-roll"' in board
