"""评选 campaigns: the campaign, its council (道德评议会), nominations, votes, 豆选, objections.

* A ``Campaign`` belongs to one village (``village_id``, paying by ``rule_id``, a rule of the
  village) or to one region, a township or a county (``region_id``, paying a fixed ``points``
  to each winner in the winner's own village: see ``conferral``), open to every village under
  it; exactly one of the two is set (``regional``). Its windows are local dates, inclusive:
  nominations ``nominate_from`` .. ``nominate_until``, review (council votes and 豆选)
  ``nominate_until`` .. ``review_until``, and, from the day it is published, ``notice_days``
  days of 公示.
* A ``CouncilMember`` is a staff user or a villager (a household), optionally living in a
  household (``household_id``) on whose nomination they may not vote.
* A ``Nomination`` is one household per campaign, with the reason and an optional photo.
  Publishing writes each nominee's tallies, rank and whether it won; conferral writes the
  transfer that paid the winner (once: ``transfer_id`` is unique).
* A ``CouncilVote`` is one member's vote on one nominee, kept; a ``BeanBallot`` is one
  household's set of 豆选 votes (``BeanVote`` rows), one per household and campaign.
* A ``NominationObjection`` (异议) is a household's objection to a published winner during
  the notice period; upheld, it removes the nominee.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..awards.models import TRANSFER_ID
from ..board.models import OBJECTION_STATUSES, ObjectionRecord
from ..database import UTCDateTime, one_of, utcnow
from ..extensions import db

# How a tie in council approvals is broken: more 豆选 beans first, then the earlier
# nomination; or the earlier nomination alone.
BEANS, NOMINATION_ORDER = "beans", "nomination_order"
TIE_BREAKS = (BEANS, NOMINATION_ORDER)

# A nomination stands until the household declines it or an upheld objection removes it.
STANDING, DECLINED, REMOVED = "standing", "declined", "removed"
NOMINATION_STATUSES = (STANDING, DECLINED, REMOVED)


class Campaign(db.Model):
    __tablename__ = "campaigns"
    __table_args__ = (
        sa.CheckConstraint("seats > 0", name="seats_positive"),
        sa.CheckConstraint("quorum > 0", name="quorum_positive"),
        sa.CheckConstraint("notice_days BETWEEN 0 AND 60", name="notice_days_range"),
        sa.CheckConstraint("majority_percent BETWEEN 50 AND 99", name="majority_percent_range"),
        sa.CheckConstraint("bean_votes >= 0", name="bean_votes_not_negative"),
        sa.CheckConstraint(
            "nominate_from <= nominate_until AND nominate_until <= review_until",
            name="windows_in_order",
        ),
        sa.CheckConstraint(one_of("tie_break", TIE_BREAKS), name="tie_break_known"),
        sa.CheckConstraint(
            "conferred_at IS NULL OR published_at IS NOT NULL", name="conferred_after_published"
        ),
        # A village's campaign pays by a rule of the village, a region's a fixed amount.
        sa.CheckConstraint(
            "(village_id IS NOT NULL AND region_id IS NULL AND rule_id IS NOT NULL"
            " AND points IS NULL) OR (village_id IS NULL AND region_id IS NOT NULL"
            " AND rule_id IS NULL AND points > 0)",
            name="village_or_region",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    village_id: Mapped[int | None] = mapped_column(sa.ForeignKey("villages.id"), index=True)
    # A township's or county's campaign, open to the villages under it (village_id is None).
    region_id: Mapped[int | None] = mapped_column(sa.ForeignKey("regions.id"), index=True)
    # 好家庭, 孝亲敬老之家, 道德模范 ...: the title the winners hold.
    title: Mapped[str] = mapped_column(sa.String(50))
    # The award rule whose points each winner gets at conferral (a village's campaign).
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("rules.id"))
    # What each winner gets at conferral (a region's campaign).
    points: Mapped[int | None] = mapped_column()
    seats: Mapped[int] = mapped_column()
    nominate_from: Mapped[dt.date] = mapped_column(sa.Date)
    nominate_until: Mapped[dt.date] = mapped_column(sa.Date)
    review_until: Mapped[dt.date] = mapped_column(sa.Date)
    notice_days: Mapped[int] = mapped_column()
    # Council votes a nominee needs before the council's result counts.
    quorum: Mapped[int] = mapped_column()
    # A nominee passes when more than this share (percent) of the votes cast approve.
    majority_percent: Mapped[int] = mapped_column(default=50)
    tie_break: Mapped[str] = mapped_column(sa.String(20), default=BEANS)
    # Villagers may nominate from /me.
    villagers_nominate: Mapped[bool] = mapped_column(default=False)
    # 豆选: how many beans each household gives to nominees; 0: no public vote.
    bean_votes: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The last village-local day of 公示 (the day before publication when notice_days is 0).
    notice_until: Mapped[dt.date | None] = mapped_column(sa.Date)
    conferred_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    conferred_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    @property
    def regional(self) -> bool:
        return self.region_id is not None


class CouncilMember(db.Model):
    __tablename__ = "campaign_council_members"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "user_id"),
        sa.CheckConstraint("user_id IS NOT NULL OR household_id IS NOT NULL", name="someone"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    # A staff member; None for a villager member, who votes from /me as the household.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    # The member's own household (a villager member's always): no vote on its nomination.
    household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"))


class Nomination(db.Model):
    __tablename__ = "campaign_nominations"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "household_id"),
        sa.CheckConstraint(one_of("status", NOMINATION_STATUSES), name="status_known"),
        sa.CheckConstraint(
            "transfer_id IS NULL OR (won AND status = 'standing')", name="paid_only_if_won"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    village_id: Mapped[int] = mapped_column(sa.ForeignKey("villages.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"), index=True)
    reason: Mapped[str] = mapped_column(sa.String(500))
    # File name under <instance>/campaign-photos/, or None.
    photo: Mapped[str | None] = mapped_column(sa.String(80))
    # Who nominated: a staff user, or a household from /me.
    nominated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    nominated_by_household_id: Mapped[int | None] = mapped_column(sa.ForeignKey("households.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[str] = mapped_column(sa.String(10), default=STANDING)
    # Written once, at publication.
    approvals: Mapped[int | None] = mapped_column()
    rejections: Mapped[int | None] = mapped_column()
    beans: Mapped[int | None] = mapped_column()
    rank: Mapped[int | None] = mapped_column()
    won: Mapped[bool] = mapped_column(default=False)
    # The conferral's award (issued -> household).
    transfer_id: Mapped[int | None] = mapped_column(
        TRANSFER_ID, sa.ForeignKey("transfers.id"), unique=True
    )


class CouncilVote(db.Model):
    __tablename__ = "campaign_council_votes"
    __table_args__ = (sa.UniqueConstraint("nomination_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_nominations.id"), index=True)
    member_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_council_members.id"))
    approve: Mapped[bool] = mapped_column()
    note: Mapped[str] = mapped_column(sa.String(500), default="")
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BeanBallot(db.Model):
    """One household's 豆选: the set of its beans, given once."""

    __tablename__ = "campaign_bean_ballots"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "household_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"))
    household_id: Mapped[int] = mapped_column(sa.ForeignKey("households.id"))
    cast_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class BeanVote(db.Model):
    __tablename__ = "campaign_bean_votes"
    __table_args__ = (
        sa.UniqueConstraint("ballot_id", "nomination_id"),
        sa.CheckConstraint("beans > 0", name="beans_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_bean_ballots.id"), index=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_nominations.id"), index=True)
    beans: Mapped[int] = mapped_column()


class NominationObjection(ObjectionRecord, db.Model):
    """A household's objection (异议) to a published nominee, and the admin's decision."""

    __tablename__ = "campaign_objections"
    __table_args__ = (
        sa.UniqueConstraint("nomination_id", "household_id"),
        sa.CheckConstraint(one_of("status", OBJECTION_STATUSES), name="status_known"),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)", name="decided_unless_pending"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    nomination_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_nominations.id"), index=True)
