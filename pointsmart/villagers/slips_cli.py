"""``flask statements print --village ID [--grid ID] --month YYYY-MM -o slips.pdf``."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..accounts.auth import COMMAND_LINE
from ..commands import pdf_output
from ..errors import Problem, exit_refused
from ..extensions import db
from .slips import statement_slips
from .slips_pdf import PER_PAGE, render_slips

statements_cli = AppGroup("statements", help="Printed statement slips for households.")


@statements_cli.command("print")
@click.option("--village", "village_id", type=int, required=True, help="The village.")
@click.option("--grid", "grid_id", type=int, help="Only this grid's households.")
@click.option("--month", "period", required=True, help="The month, YYYY-MM (village time).")
@pdf_output
def print_command(village_id, grid_id, period, output):
    """Write an A4 PDF of statement slips, six a page, one per active household, by number."""
    try:
        batch = statement_slips(COMMAND_LINE, village_id, period, grid_id=grid_id)
        pdf = render_slips(batch)
    except Problem as problem:
        exit_refused(problem)
    db.session.rollback()  # nothing was written; end the read transaction
    output.write_bytes(pdf)
    pages = max(1, -(-len(batch.slips) // PER_PAGE))
    click.echo(f"{output}: {len(batch.slips)} slips on {pages} pages, {batch.period}")
