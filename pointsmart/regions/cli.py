"""``flask regions rebuild``: recompute the regions' rollups from the ledger (for ledgers
posted before the rollups existed, or after a restore)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

regions_cli = AppGroup("regions", help="Townships, counties and their rollups.")


@regions_cli.command("rebuild")
@click.option("--village", "village_id", type=int, help="Only this village.")
def rebuild_command(village_id):
    """Recompute village_months and leader_months from the transfers."""
    from ..extensions import db
    from ..ledger.verify import village_ids
    from .rollups import rebuild_village

    for vid in [village_id] if village_id else village_ids():
        months = rebuild_village(vid)
        db.session.commit()
        click.echo(f"village {vid}: {months} months rebuilt")
