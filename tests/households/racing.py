"""Another clerk's household landing between a check that its number is free and the insert
after it, on the same connection: the race two clerks at once run, made to happen every time."""

from __future__ import annotations

import contextlib

import sqlalchemy as sa


@contextlib.contextmanager
def another_clerk_adds(engine, village_id: int, number: str):
    """While the block runs, the first ``INSERT INTO households`` of a connection finds the
    household ``number`` of ``village_id`` added just before it (by 别人)."""

    def adds_it_first(conn, cursor, statement, parameters, context, executemany):
        if statement.startswith("INSERT INTO households") and not conn.info.get("raced"):
            conn.info["raced"] = True
            cursor.execute(
                "INSERT INTO households (village_id, number, head_name, card_version, status, "
                f"created_at, pin_failed_attempts) VALUES ({int(village_id)}, '{number}', "
                "'别人', 0, 'active', '2026-01-01 00:00:00', 0)"
            )

    sa.event.listen(engine, "before_cursor_execute", adds_it_first)
    try:
        yield
    finally:
        sa.event.remove(engine, "before_cursor_execute", adds_it_first)
