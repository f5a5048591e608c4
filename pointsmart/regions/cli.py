"""``flask regions rebuild``: recompute the regions' rollups from the ledger (for ledgers
posted before the rollups existed, or after a restore)."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

regions_cli = AppGroup("regions", help="Townships, counties and their rollups.")


@regions_cli.command("rebuild")
@click.option("--village", "village_id", type=int, help="Only this village.")
def rebuild_command(village_id):
    """Recompute village_months and leader_months from the transfers."""
    from ..errors import NotFound, exit_refused
    from ..extensions import db
    from ..ledger.verify import village_ids
    from ..lookups import is_key
    from ..villages.models import Village
    from .rollups import rebuild_village

    if village_id is not None and not (is_key(village_id) and db.session.get(Village, village_id)):
        exit_refused(NotFound(_l("No such village.")))
    for vid in [village_id] if village_id is not None else village_ids():
        months = rebuild_village(vid)
        db.session.commit()
        click.echo(f"village {vid}: {months} months rebuilt")
