"""Villages and grids: the rules about creating and finding them."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..errors import ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..lookups import get_or_refuse
from ..ordering import natural_sorted
from ..periods import is_valid_timezone
from .models import Grid, Village
from .rates import DEFAULT_YUAN_PER_POINT, kept_rate, rate_problem

# --- villages --------------------------------------------------------------------------------


def list_villages(
    actor: Principal, *, limit: int | None = None, after: int | None = None
) -> list[Village]:
    """Villages the actor may see, by id; with ``limit``, up to ``limit + 1`` (see page_of)."""
    statement = sa.select(Village).order_by(Village.id)
    visible = actor.visible_village_ids()
    if visible is not None:
        statement = statement.where(Village.id.in_(visible))
    return list(db.session.execute(page_rows(statement, Village.id, limit, after)).scalars())


def page_rows(statement, key, limit: int | None, after: int | None):
    if after is not None:
        statement = statement.where(key > after)
    if limit is not None:
        statement = statement.limit(limit + 1)
    return statement


# Which regions take villages, and who may put one there, is the regions package's to say:
# it registers its check when the app is built, so villages imports nothing of regions.
PLACING = "pointsmart.villages.placing_village"
PlacingCheck = Callable[[Principal, int], object]


def on_placing_village(app: Flask, check: PlacingCheck) -> None:
    """Have ``check(actor, region_id)`` refuse (by raising) a new village in a region the
    actor may not put one in, or a region that takes no villages."""
    app.extensions[PLACING] = check


def create_village(
    actor: Principal,
    *,
    name: str,
    timezone: str = "Asia/Shanghai",
    yuan_per_point: Decimal | None = None,
    approval_threshold: int = 50,
    region_id: int | None = None,
) -> Village:
    """Create a village with its ledger accounts.

    In a township (``region_id``): an admin of every village or of the township's county may,
    as the regions package's check says (``on_placing_village``). In none: only an admin of
    every village.
    """
    if region_id is None:
        actor.require_global_admin()
    else:
        place = current_app.extensions.get(PLACING)
        if place is None:  # no package says what a region is: no village goes into one
            raise ValidationFailed(errors={"region_id": [str(_l("No such township."))]})
        place(actor, region_id)
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = [str(_l("Give the village a name."))]
    elif db.session.execute(sa.select(Village.id).where(Village.name == name)).first():
        errors["name"] = [str(_l("A village with this name exists."))]
    if not is_valid_timezone(timezone):
        errors["timezone"] = [str(_l("Unknown time zone."))]
    yuan_per_point = DEFAULT_YUAN_PER_POINT if yuan_per_point is None else yuan_per_point
    if rate_problem(yuan_per_point):
        errors["yuan_per_point"] = [rate_problem(yuan_per_point)]
    if errors:
        raise ValidationFailed(errors=errors)
    village = Village(
        name=name,
        timezone=timezone,
        yuan_per_point=kept_rate(yuan_per_point),
        approval_threshold=approval_threshold,
        region_id=region_id,
    )
    db.session.add(village)
    db.session.flush()
    ledger.open_village_ledger(village.id)
    audit.record(
        actor_id=actor.user_id,
        village_id=village.id,
        action="village.create",
        target_type="village",
        target_id=village.id,
        changes={"name": name, "timezone": timezone, "region_id": region_id},
    )
    return village


def find_village(village_id: int) -> Village:
    """The village with this id; a 404 refusal ("No such village.") otherwise. The one
    lookup: the functions below check who asks as well."""
    return get_or_refuse(Village, village_id, _l("No such village."))


def get_village(actor: Principal, village_id: int) -> Village:
    """The village, for its staff; 404 or 403 otherwise."""
    village = find_village(village_id)
    actor.require_staff(village_id)
    return village


def readable_village(actor: Principal, village_id: int) -> Village:
    """The village, for those who may read its figures (its staff, its region's); 404 or
    403 otherwise."""
    village = find_village(village_id)
    actor.require_reader(village_id)
    return village


def administered_village(actor: Principal, village_id: int) -> Village:
    """The village, for one of its admins; 404 or 403 otherwise."""
    village = find_village(village_id)
    actor.require_admin(village_id)
    return village


def administered_villages(actor: Principal) -> list[Village]:
    """The villages ``actor`` is an administrator of (every village for an admin of all)."""
    statement = sa.select(Village).order_by(Village.id)
    if not actor.global_admin:
        statement = statement.where(Village.id.in_(actor.admin_villages))
    return list(db.session.execute(statement).scalars())


# --- grids -----------------------------------------------------------------------------------


def list_grids(
    actor: Principal, village_id: int, *, limit: int | None = None, after: int | None = None
) -> list[Grid]:
    """A village's grids in the natural order of their names (一组, 二组, ... 十组; see
    ``ordering``); with ``limit`` (the API's keyset pages), by id, up to ``limit + 1`` (see
    page_of)."""
    get_village(actor, village_id)
    statement = sa.select(Grid).where(Grid.village_id == village_id).order_by(Grid.id)
    grids = list(db.session.execute(page_rows(statement, Grid.id, limit, after)).scalars())
    return grids if limit is not None else natural_sorted(grids, lambda grid: grid.name)


def create_grid(actor: Principal, village_id: int, *, name: str) -> Grid:
    get_village(actor, village_id)
    actor.require_admin(village_id)
    name = name.strip()
    exists = db.session.execute(
        sa.select(Grid.id).where(Grid.village_id == village_id, Grid.name == name)
    ).first()
    if not name or exists:
        message = _l("A grid with this name exists.") if name else _l("Give the grid a name.")
        raise ValidationFailed(errors={"name": [str(message)]})
    grid = Grid(village_id=village_id, name=name)
    db.session.add(grid)
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=village_id,
        action="grid.create",
        target_type="grid",
        target_id=grid.id,
        changes={"name": name},
    )
    return grid
