"""``flask cards print --village ID [--grid ID] -o cards.pdf``: the printable card sheet."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..accounts.auth import COMMAND_LINE
from ..commands import pdf_output
from ..errors import Problem, exit_refused
from ..extensions import db
from . import card_sheet

cards_cli = AppGroup("cards", help="Household cards.")


@cards_cli.command("print")
@click.option("--village", "village_id", type=int, required=True, help="The village.")
@click.option("--grid", "grid_id", type=int, help="Only this grid's households.")
@pdf_output
@click.option(
    "--issue-missing/--existing-only",
    default=True,
    show_default=True,
    help="First issue a card to households that have none (never replaces a card).",
)
def print_command(village_id, grid_id, output, issue_missing):
    """Write an A4 PDF of the village's household cards, ten a page, by household number."""
    try:
        sheet = card_sheet.collect_cards(
            COMMAND_LINE, village_id, grid_id=grid_id, issue_missing=issue_missing
        )
        name = card_sheet.village_name(village_id)
    except Problem as problem:
        exit_refused(problem)
    # The first cards are issued before the sheet is drawn, which takes seconds for a
    # village: issuing holds the households' rows, and a sign-in or a sale with a PIN of
    # those households waits for them (its attempt is counted on the same row,
    # ``refusals``). A card issued but not printed is harmless: it is a first card, and the
    # next sheet prints it.
    db.session.commit()
    output.write_bytes(card_sheet.render_pdf(sheet.entries, title=name))
    click.echo(
        f"{output}: {len(sheet.entries)} cards on {sheet.pages} pages"
        f" ({sheet.issued} newly issued, {sheet.without_card} households without a card)"
    )
