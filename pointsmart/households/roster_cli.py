"""``flask households import FILE --village ID``: a roster from xlsx or CSV, all rows or none.

Messages are the same translated strings as the import page, in the app's default language
(Chinese unless ``BABEL_DEFAULT_LOCALE`` says otherwise). Exit codes: 0 imported, 1 nothing
imported because of the file's rows (or a household number another writer added meanwhile),
2 any other refusal (no such village, ...).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from ..accounts.auth import COMMAND_LINE
from ..errors import Problem
from ..extensions import db
from ..villages.service import get_village
from . import roster, roster_files

households_cli = AppGroup("households", help="Households.")


@households_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--village", "village_id", type=int, required=True, help="The village.")
def import_command(file: Path, village_id: int):
    """Import FILE (.xlsx or .csv: 户号, 户主, 网格, 电话, 家庭成员); all rows or none."""
    try:
        get_village(COMMAND_LINE, village_id)  # a missing village is said first
        rows = roster_files.read_roster(file)
        problems = roster.check_roster(village_id, rows)
        if problems:  # said before any progress bar appears
            raise roster_files.RosterInvalid(problems)
        with click.progressbar(length=len(rows), label=_("Importing")) as bar:
            count = roster.import_roster(COMMAND_LINE, village_id, rows, progress=bar.update)
        db.session.commit()
    except roster_files.RosterInvalid as invalid:
        db.session.rollback()
        count = len(invalid.problems)
        click.echo(
            ngettext(
                "Nothing imported: %(num)s row has problems.",
                "Nothing imported: %(num)s rows have problems.",
                count,
            ),
            err=True,
        )
        for problem in invalid.problems:
            click.echo(f"  {problem}", err=True)
        sys.exit(1)
    except sa.exc.IntegrityError:
        # Between the check and the insert, another writer added one of these numbers.
        db.session.rollback()
        click.echo(
            _(
                "Nothing imported: a household number in the file was added by someone else "
                "meanwhile. Run the import again to see which."
            ),
            err=True,
        )
        sys.exit(1)
    except Problem as problem:
        db.session.rollback()
        click.echo(_("Error: %(message)s", message=problem.detail or problem.title), err=True)
        sys.exit(2)
    click.echo(
        ngettext(
            "Imported %(num)s household into village %(village)s.",
            "Imported %(num)s households into village %(village)s.",
            count,
            village=village_id,
        )
    )
