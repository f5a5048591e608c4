"""Roster import: checking a roster's rows (read by ``roster_files``) and importing them.

Every row is checked first (missing fields, numbers repeated in the file or already in the
village, unknown grids, bad phones, control, invisible or text-direction characters, a
member's bracket left open); nothing is imported unless every row is clean, and then all rows
are imported in the caller's one transaction with bulk inserts (households, members, then
their ledger accounts through ``ledger.open_household_accounts``), in chunks so a progress
bar can follow.

Problems are worded in the caller's language (Chinese by default, also on the command line).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ..accounts.auth import Principal
from ..audit import service as audit
from ..extensions import db
from ..ledger import service as ledger
from ..text import MOBILE, UNSAFE_TEXT, clean_number, hidden_character
from ..villages.models import Grid
from ..villages.service import get_village
from .models import Household, Member
from .roster_files import HEADERS, RosterInvalid, RosterRow, RowProblem

MAX_LENGTHS = {"number": 32, "head_name": 50, "member_name": 50, "relation": 20}
CHUNK = 1000  # rows per bulk insert; the progress bar moves once per chunk


def check_roster(village_id: int, rows: list[RosterRow]) -> list[RowProblem]:
    """Every problem of every row; an empty list means the roster can be imported."""
    grids = _grid_ids(village_id)
    numbers_in_file: dict[str, int] = {}
    taken = {
        clean_number(number)  # as a number is written now, however it was stored
        for number in db.session.execute(
            sa.select(Household.number).where(Household.village_id == village_id)
        ).scalars()
    }
    problems = []
    for row in rows:
        messages = []
        if not row.number:
            messages.append(_("户号 is missing."))
        elif len(row.number) > MAX_LENGTHS["number"]:
            messages.append(_("户号 is longer than %(n)s characters.", n=MAX_LENGTHS["number"]))
        elif row.number in numbers_in_file:
            messages.append(
                _(
                    "户号 %(number)s repeats row %(line)s.",
                    number=row.number,
                    line=numbers_in_file[row.number],
                )
            )
        elif row.number in taken:
            messages.append(_("户号 %(number)s already exists in the village.", number=row.number))
        if row.number:
            numbers_in_file.setdefault(row.number, row.line)
        if not row.head_name:
            messages.append(_("户主 is missing."))
        elif len(row.head_name) > MAX_LENGTHS["head_name"]:
            messages.append(_("户主 is longer than %(n)s characters.", n=MAX_LENGTHS["head_name"]))
        if row.grid and row.grid not in grids:
            messages.append(_("The village has no grid named %(grid)s.", grid=row.grid))
        if row.phone and not MOBILE.match(row.phone):
            messages.append(
                _(
                    "电话 %(phone)s is not an 11-digit mobile number starting with 1.",
                    phone=row.phone,
                )
            )
        if any(len(m["name"]) > MAX_LENGTHS["member_name"] for m in row.members) or any(
            len(m["relation"]) > MAX_LENGTHS["relation"] for m in row.members
        ):
            messages.append(
                _(
                    "A member's name is longer than %(name)s characters or the relation "
                    "longer than %(relation)s.",
                    name=MAX_LENGTHS["member_name"],
                    relation=MAX_LENGTHS["relation"],
                )
            )
        if any(UNSAFE_TEXT.search(text) for _column, text in _texts_of(row)):
            messages.append(
                _("A cell holds a character that cannot be stored (NUL or a broken character).")
            )
        else:
            messages += _hidden_character_problems(row)
        for member in row.unclear_members:
            messages.append(
                _(
                    "家庭成员 %(member)s has a bracket that does not close: write it as "
                    "王秀英(配偶).",
                    member=member,
                )
            )
        if messages:
            problems.append(RowProblem(row.line, messages))
    return problems


def _texts_of(row: RosterRow) -> Iterable[tuple[str, str]]:
    """Each text of the row with the key of its column."""
    yield from (
        ("number", row.number),
        ("head_name", row.head_name),
        ("grid", row.grid),
        ("phone", row.phone),
    )
    for member in row.members:
        yield from (("members", member["name"]), ("members", member["relation"]))
    for text in row.unclear_members:
        yield ("members", text)


def _hidden_character_problems(row: RosterRow) -> list[str]:
    """A message for each column that holds a control, invisible or text-direction character
    (see ``pointsmart.text``): no one could tell such a name or number from another."""
    messages: list[str] = []
    named: set[str] = set()
    for column, text in _texts_of(row):
        char = hidden_character(text)
        if char is None or column in named:
            continue
        named.add(column)
        code = f"U+{ord(char):04X}"
        if unicodedata.category(char) == "Cc":
            messages.append(
                _(
                    "%(column)s has a control character (%(code)s).",
                    column=HEADERS[column][0],
                    code=code,
                )
            )
        else:
            messages.append(
                _(
                    "%(column)s has an invisible or text-direction character (%(code)s): "
                    "delete it and save the file again.",
                    column=HEADERS[column][0],
                    code=code,
                )
            )
    return messages


def import_roster(
    actor: Principal,
    village_id: int,
    rows: list[RosterRow],
    progress: Callable[[int], None] | None = None,
) -> int:
    """Import every row, or raise ``RosterInvalid`` naming each bad row and import nothing.

    Only an admin of the village may. Households, their members and their ledger accounts are
    bulk-inserted ``CHUNK`` rows at a time; ``progress(n)`` is called after each chunk with
    the number of rows it held. An audit entry ``household.import`` records the count. Adds
    and flushes only: the caller commits once (or rolls back). A household number that a
    concurrent writer committed meanwhile raises ``sqlalchemy.exc.IntegrityError``.
    """
    get_village(actor, village_id)
    actor.require_admin(village_id)
    problems = check_roster(village_id, rows)
    if problems:
        raise RosterInvalid(problems)
    grids = _grid_ids(village_id)
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        _insert_chunk(village_id, chunk, grids)
        if progress is not None:
            progress(len(chunk))
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="household.import",
        target_type="village",
        target_id=village_id,
        changes={"count": len(rows)},
    )
    return len(rows)


def _insert_chunk(village_id: int, chunk: list[RosterRow], grids: dict[str, int]) -> None:
    ids = dict(
        db.session.execute(
            sa.insert(Household).returning(Household.number, Household.id),
            [
                {
                    "village_id": village_id,
                    "number": row.number,
                    "head_name": row.head_name,
                    "grid_id": grids.get(row.grid) if row.grid else None,
                    "phone": row.phone or None,
                }
                for row in chunk
            ],
        ).all()
    )
    members = [
        {"household_id": ids[row.number], "name": member["name"], "relation": member["relation"]}
        for row in chunk
        for member in row.members
    ]
    if members:
        db.session.execute(sa.insert(Member), members)
    ledger.open_household_accounts(village_id, [ids[row.number] for row in chunk])


def recent_households(actor: Principal, village_id: int, limit: int = 20) -> list[Household]:
    """The village's newest households first (what an import just added), for its admins."""
    get_village(actor, village_id)
    actor.require_admin(village_id)
    return list(
        db.session.execute(
            sa.select(Household)
            .options(selectinload(Household.grid))
            .where(Household.village_id == village_id)
            .order_by(Household.id.desc())
            .limit(limit)
        ).scalars()
    )


def count_households(village_id: int) -> int:
    return db.session.execute(
        sa.select(sa.func.count()).select_from(Household).where(Household.village_id == village_id)
    ).scalar_one()


def _grid_ids(village_id: int) -> dict[str, int]:
    return dict(
        db.session.execute(sa.select(Grid.name, Grid.id).where(Grid.village_id == village_id)).all()
    )
