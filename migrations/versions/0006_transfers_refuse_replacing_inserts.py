"""transfers: refuse INSERT OR REPLACE on SQLite

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22

SQLite's REPLACE conflict resolution deletes the conflicting row without firing DELETE
triggers, so ``INSERT OR REPLACE INTO transfers`` could rewrite history past the append-only
triggers of 0002. This trigger refuses any insert that collides with an existing transfer's
id, chain position or reversal. (On PostgreSQL, ``INSERT ... ON CONFLICT DO UPDATE`` is an
UPDATE and the 0002 trigger already refuses it.)
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute(
        """
        CREATE TRIGGER transfers_refuse_replace BEFORE INSERT ON transfers
        WHEN EXISTS (
            SELECT 1 FROM transfers
            WHERE id = NEW.id
               OR (village_id = NEW.village_id AND seq = NEW.seq)
               OR (NEW.reverses_id IS NOT NULL AND reverses_id = NEW.reverses_id)
        )
        BEGIN
            SELECT RAISE(ABORT, 'transfers are append-only; post a reversal instead');
        END
        """
    )


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER transfers_refuse_replace")
