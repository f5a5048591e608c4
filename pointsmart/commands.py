"""What the packages' commands share: the option that names the PDF a command writes (the card
sheet, the statement slips, the monthly notice sheet). A refusal ends a command through
``errors.exit_refused``."""

from __future__ import annotations

from pathlib import Path

import click

pdf_output = click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="Where to write the PDF.",
)
