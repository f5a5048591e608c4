"""users: wrong passwords in a row, and until when the account's sign-ins wait

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03

Staff sign-ins get a per-account limit, as household PINs have (0005): ``failed_sign_ins``
counts wrong passwords in a row, and past a few each further one makes the account wait
longer (``sign_in_locked_until``), whichever address the guesses come from.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ADD COLUMNs (no table rebuild on SQLite, whose users table other tables reference).
    op.add_column(
        "users",
        sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0"),
    )
    op.add_column("users", sa.Column("sign_in_locked_until", sa.DateTime(), nullable=True))


def downgrade():
    op.drop_column("users", "sign_in_locked_until")
    op.drop_column("users", "failed_sign_ins")
