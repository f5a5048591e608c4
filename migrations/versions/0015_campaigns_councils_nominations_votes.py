"""campaigns (评选): campaigns, councils, nominations, council votes, 豆选, objections

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03

New tables only (see ``pointsmart/campaigns/models.py``). A campaign belongs to a village;
when townships and counties arrive it may gain a nullable ``region_id``.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=50), nullable=False),
        sa.Column("rule_id", sa.Integer(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("nominate_from", sa.Date(), nullable=False),
        sa.Column("nominate_until", sa.Date(), nullable=False),
        sa.Column("review_until", sa.Date(), nullable=False),
        sa.Column("notice_days", sa.Integer(), nullable=False),
        sa.Column("quorum", sa.Integer(), nullable=False),
        sa.Column("majority_percent", sa.Integer(), nullable=False),
        sa.Column("tie_break", sa.String(length=20), nullable=False),
        sa.Column("villagers_nominate", sa.Boolean(), nullable=False),
        sa.Column("bean_votes", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("published_by_id", sa.Integer(), nullable=True),
        sa.Column("notice_until", sa.Date(), nullable=True),
        sa.Column("conferred_at", sa.DateTime(), nullable=True),
        sa.Column("conferred_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "tie_break IN ('beans', 'nomination_order')", name=op.f("ck_campaigns_tie_break_known")
        ),
        sa.CheckConstraint("bean_votes >= 0", name=op.f("ck_campaigns_bean_votes_not_negative")),
        sa.CheckConstraint(
            "conferred_at IS NULL OR published_at IS NOT NULL",
            name=op.f("ck_campaigns_conferred_after_published"),
        ),
        sa.CheckConstraint(
            "majority_percent BETWEEN 50 AND 99", name=op.f("ck_campaigns_majority_percent_range")
        ),
        sa.CheckConstraint(
            "nominate_from <= nominate_until AND nominate_until <= review_until",
            name=op.f("ck_campaigns_windows_in_order"),
        ),
        sa.CheckConstraint(
            "notice_days BETWEEN 0 AND 60", name=op.f("ck_campaigns_notice_days_range")
        ),
        sa.CheckConstraint("quorum > 0", name=op.f("ck_campaigns_quorum_positive")),
        sa.CheckConstraint("seats > 0", name=op.f("ck_campaigns_seats_positive")),
        sa.ForeignKeyConstraint(
            ["conferred_by_id"], ["users.id"], name=op.f("fk_campaigns_conferred_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_campaigns_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["published_by_id"], ["users.id"], name=op.f("fk_campaigns_published_by_id_users")
        ),
        sa.ForeignKeyConstraint(["rule_id"], ["rules.id"], name=op.f("fk_campaigns_rule_id_rules")),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_campaigns_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_village_id"), ["village_id"], unique=False)

    op.create_table(
        "campaign_bean_ballots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_bean_ballots_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_campaign_bean_ballots_household_id_households"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_bean_ballots")),
        sa.UniqueConstraint(
            "campaign_id",
            "household_id",
            name=op.f("uq_campaign_bean_ballots_campaign_id_household_id"),
        ),
    )
    op.create_table(
        "campaign_council_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("household_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "user_id IS NOT NULL OR household_id IS NOT NULL",
            name=op.f("ck_campaign_council_members_someone"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_council_members_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_campaign_council_members_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_campaign_council_members_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_council_members")),
        sa.UniqueConstraint(
            "campaign_id", "user_id", name=op.f("uq_campaign_council_members_campaign_id_user_id")
        ),
    )
    with op.batch_alter_table("campaign_council_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_council_members_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "campaign_nominations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("photo", sa.String(length=80), nullable=True),
        sa.Column("nominated_by_id", sa.Integer(), nullable=True),
        sa.Column("nominated_by_household_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("approvals", sa.Integer(), nullable=True),
        sa.Column("rejections", sa.Integer(), nullable=True),
        sa.Column("beans", sa.Integer(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("won", sa.Boolean(), nullable=False),
        sa.Column(
            "transfer_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint(
            "status IN ('standing', 'declined', 'removed')",
            name=op.f("ck_campaign_nominations_status_known"),
        ),
        sa.CheckConstraint(
            "transfer_id IS NULL OR (won AND status = 'standing')",
            name=op.f("ck_campaign_nominations_paid_only_if_won"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_nominations_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_campaign_nominations_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_household_id"],
            ["households.id"],
            name=op.f("fk_campaign_nominations_nominated_by_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["nominated_by_id"],
            ["users.id"],
            name=op.f("fk_campaign_nominations_nominated_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["transfers.id"],
            name=op.f("fk_campaign_nominations_transfer_id_transfers"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"],
            ["villages.id"],
            name=op.f("fk_campaign_nominations_village_id_villages"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_nominations")),
        sa.UniqueConstraint(
            "campaign_id",
            "household_id",
            name=op.f("uq_campaign_nominations_campaign_id_household_id"),
        ),
        sa.UniqueConstraint("transfer_id", name=op.f("uq_campaign_nominations_transfer_id")),
    )
    with op.batch_alter_table("campaign_nominations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_nominations_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_nominations_household_id"), ["household_id"], unique=False
        )

    op.create_table(
        "campaign_bean_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ballot_id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("beans", sa.Integer(), nullable=False),
        sa.CheckConstraint("beans > 0", name=op.f("ck_campaign_bean_votes_beans_positive")),
        sa.ForeignKeyConstraint(
            ["ballot_id"],
            ["campaign_bean_ballots.id"],
            name=op.f("fk_campaign_bean_votes_ballot_id_campaign_bean_ballots"),
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["campaign_nominations.id"],
            name=op.f("fk_campaign_bean_votes_nomination_id_campaign_nominations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_bean_votes")),
        sa.UniqueConstraint(
            "ballot_id",
            "nomination_id",
            name=op.f("uq_campaign_bean_votes_ballot_id_nomination_id"),
        ),
    )
    with op.batch_alter_table("campaign_bean_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_bean_votes_ballot_id"), ["ballot_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_bean_votes_nomination_id"), ["nomination_id"], unique=False
        )

    op.create_table(
        "campaign_council_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.Column("approve", sa.Boolean(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("cast_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["member_id"],
            ["campaign_council_members.id"],
            name=op.f("fk_campaign_council_votes_member_id_campaign_council_members"),
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["campaign_nominations.id"],
            name=op.f("fk_campaign_council_votes_nomination_id_campaign_nominations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_council_votes")),
        sa.UniqueConstraint(
            "nomination_id",
            "member_id",
            name=op.f("uq_campaign_council_votes_nomination_id_member_id"),
        ),
    )
    with op.batch_alter_table("campaign_council_votes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_council_votes_nomination_id"), ["nomination_id"], unique=False
        )

    op.create_table(
        "campaign_objections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("nomination_id", sa.Integer(), nullable=False),
        sa.Column("village_id", sa.Integer(), nullable=False),
        sa.Column("household_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("filed_by_id", sa.Integer(), nullable=True),
        sa.Column("raised_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=True),
        sa.CheckConstraint(
            "(status = 'pending') = (decided_at IS NULL)",
            name=op.f("ck_campaign_objections_decided_unless_pending"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'upheld', 'dismissed')",
            name=op.f("ck_campaign_objections_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_campaign_objections_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["filed_by_id"], ["users.id"], name=op.f("fk_campaign_objections_filed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["households.id"],
            name=op.f("fk_campaign_objections_household_id_households"),
        ),
        sa.ForeignKeyConstraint(
            ["nomination_id"],
            ["campaign_nominations.id"],
            name=op.f("fk_campaign_objections_nomination_id_campaign_nominations"),
        ),
        sa.ForeignKeyConstraint(
            ["village_id"], ["villages.id"], name=op.f("fk_campaign_objections_village_id_villages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_objections")),
        sa.UniqueConstraint(
            "nomination_id",
            "household_id",
            name=op.f("uq_campaign_objections_nomination_id_household_id"),
        ),
    )
    with op.batch_alter_table("campaign_objections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_objections_nomination_id"), ["nomination_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_campaign_objections_village_id"), ["village_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("campaign_objections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_objections_village_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_objections_nomination_id"))

    op.drop_table("campaign_objections")
    with op.batch_alter_table("campaign_council_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_council_votes_nomination_id"))

    op.drop_table("campaign_council_votes")
    with op.batch_alter_table("campaign_bean_votes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_bean_votes_nomination_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_bean_votes_ballot_id"))

    op.drop_table("campaign_bean_votes")
    with op.batch_alter_table("campaign_nominations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_nominations_household_id"))
        batch_op.drop_index(batch_op.f("ix_campaign_nominations_campaign_id"))

    op.drop_table("campaign_nominations")
    with op.batch_alter_table("campaign_council_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_council_members_campaign_id"))

    op.drop_table("campaign_council_members")
    op.drop_table("campaign_bean_ballots")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_village_id"))

    op.drop_table("campaigns")
