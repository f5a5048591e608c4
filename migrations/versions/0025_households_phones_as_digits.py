"""households: phones kept as their digits

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-04

A household added on the admin's page kept its phone as typed (``138 0000 0002``,
``+86 138-0000-0002``), while a villager's sign-in looks for the digits alone, so that household
could not sign in. Every phone that, written as its digits, is a mobile number is stored so;
any other phone stays as it is for the committee to correct. The rule is
``pointsmart.text.clean_phone``'s, written out here so that this migration keeps meaning what
it meant when that function changes. Nothing to undo: the digits are the same number.
"""

import re
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

MOBILE = re.compile(r"^1[3-9][0-9]{9}\Z")


def _digits(phone: str) -> str:
    folded = unicodedata.normalize("NFKC", phone)
    digits = "".join(
        c
        for c in folded
        if not (c.isspace() or c == "." or unicodedata.category(c) in ("Pd", "Ps", "Pe"))
    )
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def upgrade():
    households = sa.table("households", sa.column("id", sa.Integer), sa.column("phone", sa.String))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(households.c.id, households.c.phone).where(households.c.phone.is_not(None))
    ).all()
    for household_id, phone in rows:
        digits = _digits(phone)
        if digits != phone and MOBILE.match(digits):
            connection.execute(
                households.update().where(households.c.id == household_id).values(phone=digits)
            )


def downgrade():
    pass
