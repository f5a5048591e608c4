"""transfers: an index on (household_id, seq), for a household's last transfer up to a chain
position

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03

A sale's transfer takes its id from the table's sequence when the household is charged and
its seq when the transaction commits (0023, ``pointsmart.ledger.chain``), so within a village
an id no longer tells the chain's order. The 公示 sheet's closing balances (each household's
last transfer up to the month's last chain position) therefore seek by seq.
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(
        "ix_transfers_household_id_seq", "transfers", ["household_id", "seq"], unique=False
    )


def downgrade():
    op.drop_index("ix_transfers_household_id_seq", table_name="transfers")
