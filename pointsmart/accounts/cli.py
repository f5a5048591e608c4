"""``flask users``: staff users from the command line."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from ..errors import Problem, exit_refused
from ..extensions import db
from .service import create_user

users_cli = AppGroup("users", help="Staff users.")


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
        exit_refused(problem)  # create_user refuses with field errors only (no detail)
    db.session.commit()
    if region_id is not None:
        scope = f"region {region_id}"
    else:
        scope = f"village {village_id}" if village_id else "every village"
    click.echo(f"created {role} {user.username} (id {user.id}) for {scope}")
