"""``flask points clear --village ID --year YYYY``: year-end clearing (年底清零) of a village."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import gettext as _

from ..accounts.auth import COMMAND_LINE
from ..errors import Problem
from ..extensions import db
from .clearing import clear_year

points_cli = AppGroup("points", help="Points of a village.")


@points_cli.command("clear")
@click.option("--village", "village_id", type=int, required=True, help="The village.")
@click.option("--year", type=int, required=True, help="The year to clear, e.g. 2026.")
def clear_command(village_id: int, year: int):
    """Move each household's positive balance to the expired account, once per year."""
    try:
        result = clear_year(COMMAND_LINE, village_id, year)
    except Problem as problem:
        db.session.rollback()
        click.echo(_("Error: %(message)s", message=problem.detail or problem.title), err=True)
        for messages in (problem.errors or {}).values():
            click.echo(f"  {' '.join(messages)}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(
        _(
            "Year %(year)s of village %(village)s: cleared %(households)s households, "
            "%(points)s points.",
            year=year,
            village=village_id,
            households=result.households,
            points=result.points,
        )
    )
