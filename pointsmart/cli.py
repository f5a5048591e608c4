"""Command-line entry points: ``flask --app pointsmart ...``."""

from __future__ import annotations

import sys

import click
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from .backup import register_backup_commands
from .errors import Problem
from .extensions import db
from .ledger.clearing_cli import points_cli
from .villages.card_cli import cards_cli
from .villages.roster_cli import households_cli

users_cli = AppGroup("users", help="Staff users.")
ledger_cli = AppGroup("ledger", help="Check and repair the ledger's caches.")


@users_cli.command("create")
@click.argument("username")
@click.option(
    "--role",
    type=click.Choice(["admin", "leader", "shopkeeper", "county_admin", "township_admin"]),
    required=True,
)
@click.option("--village", "village_id", type=int, help="The village (none: admin of all).")
@click.option("--shop", "shop_id", type=int, help="The shop of a shopkeeper.")
@click.option("--region", "region_id", type=int, help="The county or township of its admin.")
@click.option("--name", "display_name", default="", help="Name shown on pages.")
@click.option("--password", help="Asked for when not given.")
def create_user_command(username, role, village_id, shop_id, region_id, display_name, password):
    """Create a staff user with a role in a village (or an admin of every village), or a
    county or township admin of a region (--region)."""
    from .accounts.service import create_user

    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        user = create_user(
            username,
            password,
            role=role,
            village_id=village_id,
            shop_id=shop_id,
            region_id=region_id,
            display_name=display_name,
        )
    except Problem as problem:
        db.session.rollback()
        _fail(problem)
    db.session.commit()
    if region_id is not None:
        scope = f"region {region_id}"
    else:
        scope = f"village {village_id}" if village_id else "every village"
    click.echo(f"created {role} {user.username} (id {user.id}) for {scope}")


@ledger_cli.command("verify")
@click.option("--village", "village_id", type=int, help="Only this village.")
@click.option(
    "--head",
    "head_hash",
    help="A head hash printed on a monthly sheet: prove the chain up to it is unchanged "
    "(needs --village).",
)
@click.option("--count", type=int, help="With --head: the transfer count printed beside it.")
def verify_command(village_id, head_hash, count):
    """Recompute hash chains and cached balances; name the first bad transfer."""
    from .ledger.verify import verify_village, village_ids

    if head_hash is not None or count is not None:
        _verify_head(village_id, head_hash, count)
    ok = True
    for vid in [village_id] if village_id else village_ids():
        report = verify_village(vid)
        ok &= report.ok
        _print_report(report)
    db.session.rollback()
    sys.exit(0 if ok else 1)


@ledger_cli.command("rebuild")
@click.option("--village", "village_id", type=int, help="Only this village.")
def rebuild_command(village_id):
    """Recompute cached balances and monthly totals from the transfers."""
    from .ledger.verify import rebuild_village, village_ids

    ok = True
    for vid in [village_id] if village_id else village_ids():
        report = rebuild_village(vid)
        ok &= report.ok
        _print_report(report, prefix="rebuilt; ")
    db.session.commit()
    sys.exit(0 if ok else 1)


@click.command("demo")
@with_appcontext  # a plain click command gets no app context from app.cli.add_command
def demo_command():
    """Load the demo village 幸福村 (does nothing if any village exists); print its logins."""
    from .demo import load_demo, working_demo_logins

    logins = load_demo()
    if logins is None:
        db.session.rollback()
        click.echo("data exists; demo not loaded")
        # `make run` calls this on every start: show the demo logins that still work.
        logins = working_demo_logins()
        db.session.rollback()
        if not logins:
            return
        click.echo("demo logins:")
    else:
        db.session.commit()
        click.echo("demo village loaded; logins:")
    for role, username, password in logins:
        click.echo(f"  {role:<11} {username} / {password}")


def _verify_head(village_id, head_hash, count) -> None:
    from .ledger.verify import verify_head

    if village_id is None or head_hash is None:
        raise click.UsageError("--head needs --village (and --count needs --head)")
    report = verify_head(village_id, head_hash, count)
    db.session.rollback()
    if report.ok:
        click.echo(
            f"village {village_id}: ok, head {report.head_hash} is transfer {report.transfer_id}, "
            f"number {report.seq} of the chain; the {report.seq} transfers up to it are unchanged"
        )
        sys.exit(0)
    click.echo(f"village {village_id}: FAILED, head {report.head_hash}")
    for problem in report.problems:
        click.echo(f"  - {problem}")
    sys.exit(1)


def _print_report(report, prefix: str = "") -> None:
    status = "ok" if report.ok else "FAILED"
    click.echo(
        f"{prefix}village {report.village_id}: {status}, "
        f"{report.transfers_checked} transfers, head {report.head_hash}"
    )
    if report.first_bad_transfer_id is not None:
        click.echo(f"  first bad transfer: {report.first_bad_transfer_id}")
    for problem in report.problems:
        click.echo(f"  - {problem}")


def _fail(problem: Problem):
    click.echo(f"error: {problem.title}", err=True)
    for field, messages in (problem.errors or {}).items():
        click.echo(f"  {field}: {'; '.join(messages)}", err=True)
    sys.exit(2)


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(cards_cli)
    register_backup_commands(app)
    app.cli.add_command(households_cli)
    app.cli.add_command(points_cli)
