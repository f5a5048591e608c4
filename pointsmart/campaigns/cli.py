"""``flask campaign confer ID``: confer a campaign from the command line (as the button does)."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from ..accounts.auth import COMMAND_LINE
from ..errors import Problem
from ..extensions import db
from .conferral import confer

campaign_cli = AppGroup("campaign", help="评选 campaigns.")


@campaign_cli.command("confer")
@click.argument("campaign_id", type=int)
def confer_command(campaign_id):
    """Confer the titles and post each winner's points, once (a repeat posts nothing)."""
    try:
        campaign, posted = confer(COMMAND_LINE, campaign_id)
    except Problem as problem:
        db.session.rollback()
        click.echo(f"error: {problem.code}: {problem.detail or problem.title}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"campaign {campaign.id} ({campaign.title}): winners paid now: {posted}")
