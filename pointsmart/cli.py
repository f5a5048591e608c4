"""The app's own commands: ``flask demo``, ``flask backup`` and ``flask restore``. Each
package registers its own (``flask users``, ``flask ledger`` ...) from its ``setup``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext

from .backup import register_backup_commands
from .extensions import db


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


def register_cli(app: Flask) -> None:
    app.cli.add_command(demo_command)
    register_backup_commands(app)
