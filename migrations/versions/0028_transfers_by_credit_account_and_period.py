"""transfers: the index on credit_account_id becomes one on (credit_account_id, period)

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-05

The regions' dashboard counts the months a village owes a shop from the shop's oldest sale
after its last settlement: the first period of the transfers crediting the shop's account
after a given month, one seek in this index. Its prefix serves what the old index did (the
foreign key, an account's credits), so a transfer still updates as many indexes.
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_transfers_credit_account_id_period",
        "transfers",
        ["credit_account_id", "period"],
        unique=False,
    )
    op.drop_index("ix_transfers_credit_account_id", table_name="transfers")


def downgrade():
    op.create_index(
        "ix_transfers_credit_account_id", "transfers", ["credit_account_id"], unique=False
    )
    op.drop_index("ix_transfers_credit_account_id_period", table_name="transfers")
