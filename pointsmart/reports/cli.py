"""``flask reports sheet --village ID --month YYYY-MM -o FILE``: the monthly 公示 sheet PDF."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..accounts.auth import COMMAND_LINE
from ..commands import pdf_output
from ..errors import Problem, exit_refused
from ..extensions import db
from .sheet import sheet_to_print
from .sheet_pdf import render_sheet

reports_cli = AppGroup("reports", help="Reports: the monthly notice sheet.")


@reports_cli.command("sheet")
@click.option("--village", "village_id", type=int, required=True, help="The village.")
@click.option("--month", "period", required=True, help="The month, YYYY-MM (village time).")
@pdf_output
def sheet_command(village_id, period, output):
    """Write the month's notice sheet: leaderboard, red and black lists, every household's
    month, and the ledger's head hash and transfer count at the month's close."""
    try:
        sheet = sheet_to_print(COMMAND_LINE, village_id, period)
        pdf = render_sheet(sheet)
    except Problem as problem:
        exit_refused(problem)
    output.write_bytes(pdf)
    # A printed sheet of an ended month closes it to late offline sales (see mark_printed).
    if sheet.ledger.month_over:
        db.session.commit()
    else:
        db.session.rollback()  # nothing was written; end the read transaction
    close = sheet.ledger
    chain = f"head {close.head_hash}" if close.transfer_count else "no head yet"
    click.echo(
        f"{output}: village {village_id}, {sheet.period}, {len(sheet.households)} households,"
        f" {close.transfer_count} transfers, {chain}"
    )
