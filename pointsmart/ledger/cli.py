"""``flask ledger``: check and repair the ledger's caches."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup
from flask_babel import lazy_gettext as _l

from ..errors import NotFound, exit_refused
from ..extensions import db
from .rebuild import rebuild_village
from .verify import verify_head, verify_village, village_ids

ledger_cli = AppGroup("ledger", help="Check and repair the ledger's caches.")


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
    if head_hash is not None or count is not None:
        _verify_head(village_id, head_hash, count)
    ok = True
    for vid in _villages(village_id):
        report = verify_village(vid)
        ok &= report.ok
        print_report(report)
    db.session.rollback()
    sys.exit(0 if ok else 1)


@ledger_cli.command("rebuild")
@click.option("--village", "village_id", type=int, help="Only this village.")
def rebuild_command(village_id):
    """Recompute cached balances and monthly totals from the transfers."""
    ok = True
    for vid in _villages(village_id):
        report = rebuild_village(vid)
        ok &= report.ok
        print_report(report, prefix="rebuilt; ")
    db.session.commit()
    sys.exit(0 if ok else 1)


def _villages(village_id: int | None) -> list[int]:
    """The village asked for, or every village without ``--village``; an id that names no
    village (0 too) is refused rather than read as every village or checked as an empty one."""
    every = village_ids()
    if village_id is None:
        return every
    if village_id not in every:
        exit_refused(NotFound(_l("No such village.")))
    return [village_id]


def _verify_head(village_id, head_hash, count) -> None:
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


def print_report(report, prefix: str = "") -> None:
    status = "ok" if report.ok else "FAILED"
    click.echo(
        f"{prefix}village {report.village_id}: {status}, "
        f"{report.transfers_checked} transfers, head {report.head_hash}"
    )
    if report.first_bad_transfer_id is not None:
        click.echo(f"  first bad transfer: {report.first_bad_transfer_id}")
    for problem in report.problems:
        click.echo(f"  - {problem}")
