"""transfers are append-only: triggers refuse UPDATE, DELETE (and TRUNCATE on PostgreSQL)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22

A mistake in the ledger is corrected by a reversal, never by editing a row. These triggers
make that hold for every client of the database, not only for the application.
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

MESSAGE = "transfers are append-only; post a reversal instead"


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            f"""
            CREATE FUNCTION transfers_append_only() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE} (% refused)', TG_OP
                    USING ERRCODE = 'integrity_constraint_violation';
            END
            $$
            """
        )
        op.execute(
            "CREATE TRIGGER transfers_refuse_update_delete BEFORE UPDATE OR DELETE ON transfers "
            "FOR EACH ROW EXECUTE FUNCTION transfers_append_only()"
        )
        op.execute(
            "CREATE TRIGGER transfers_refuse_truncate BEFORE TRUNCATE ON transfers "
            "FOR EACH STATEMENT EXECUTE FUNCTION transfers_append_only()"
        )
    else:
        for operation in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER transfers_refuse_{operation.lower()} BEFORE {operation} "
                f"ON transfers BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER transfers_refuse_truncate ON transfers")
        op.execute("DROP TRIGGER transfers_refuse_update_delete ON transfers")
        op.execute("DROP FUNCTION transfers_append_only()")
    else:
        op.execute("DROP TRIGGER transfers_refuse_update")
        op.execute("DROP TRIGGER transfers_refuse_delete")
