"""``flask households import FILE --village ID``: a roster from xlsx or CSV, all rows or none."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from ..errors import Problem
from ..extensions import db
from . import roster
from .card_cli import OPERATOR
from .service import get_village

households_cli = AppGroup("households", help="Households.")


@households_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--village", "village_id", type=int, required=True, help="The village.")
def import_command(file: Path, village_id: int):
    """Import FILE (.xlsx or .csv: 户号, 户主, 网格, 电话, 家庭成员); all rows or none."""
    try:
        get_village(OPERATOR, village_id)  # a missing village is said first
        rows = roster.read_roster(file)
        problems = roster.check_roster(village_id, rows)
        if problems:  # said before any progress bar appears
            raise roster.RosterInvalid(problems)
        with click.progressbar(length=len(rows), label="importing") as bar:
            count = roster.import_roster(
                OPERATOR, village_id, rows, progress=lambda row: bar.update(1)
            )
    except roster.RosterInvalid as invalid:
        db.session.rollback()
        count = len(invalid.problems)
        rows_word = "row has" if count == 1 else "rows have"
        click.echo(f"nothing imported: {count} {rows_word} problems", err=True)
        for problem in invalid.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    except Problem as problem:
        db.session.rollback()
        click.echo(f"error: {problem.detail or problem.title}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"imported {count} households into village {village_id}")
