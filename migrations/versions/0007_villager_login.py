"""households: remember the PIN the household chose, so an admin's PIN must be changed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22

A villager signs in with the household's phone number and PIN. A PIN set or reset by an admin
must be changed at the first sign-in: ``pin_chosen_hash`` holds the hash of the PIN the
household chose itself, and while ``pin_hash`` differs from it the household must choose one.
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # A plain ADD COLUMN (no table rebuild on SQLite): nullable, no constraint.
    op.add_column("households", sa.Column("pin_chosen_hash", sa.String(length=255), nullable=True))


def downgrade():
    op.drop_column("households", "pin_chosen_hash")
