"""``flask notify run`` (the worker) and ``flask notify summaries`` (the month's summaries)."""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup

from ..accounts.auth import COMMAND_LINE
from ..errors import Problem
from ..extensions import db
from .models import PENDING, UNKNOWN, OutboxMessage
from .outbox import queue_summaries
from .provider import AliyunSms, provider_settings
from .settings import problems
from .worker import run

notify_cli = AppGroup("notify", help="Text messages to households.")


@notify_cli.command("run")
@click.option("--once", is_flag=True, help="Stop when nothing is due now.")
@click.option("--idle", default=5.0, show_default=True, help="Seconds between looks when idle.")
def run_command(once, idle):
    """Send the outbox through the provider, with retries and backoff, until stopped."""
    settings = provider_settings(current_app.config)
    if not settings.configured:
        waiting = db.session.execute(
            sa.select(sa.func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.status.in_((PENDING, UNKNOWN)))
        ).scalar_one()
        db.session.rollback()
        click.echo(
            f"text messages are not configured (missing {', '.join(settings.missing)}); "
            f"{waiting} messages wait in the outbox",
            err=True,
        )
        sys.exit(2)
    bad = problems(current_app.config)
    if bad:
        click.echo("the worker's settings cannot be read: " + "; ".join(bad), err=True)
        sys.exit(2)
    run(AliyunSms(settings), current_app.config, once=once, idle_seconds=idle, log=click.echo)


@notify_cli.command("summaries")
@click.option("--village", "village_id", type=int, required=True, help="The village.")
@click.option(
    "--month",
    "period",
    help="The month, YYYY-MM, once it has ended (default: last month on the village's clock).",
)
def summaries_command(village_id, period):
    """Queue the month's summary text for every consenting household (once per month)."""
    try:
        queued = queue_summaries(COMMAND_LINE, village_id, period)
    except Problem as problem:
        db.session.rollback()
        click.echo(f"error: {problem.detail or problem.title}", err=True)
        sys.exit(2)
    db.session.commit()
    click.echo(f"village {village_id}, {period or 'last month'}: {queued} summaries queued")
