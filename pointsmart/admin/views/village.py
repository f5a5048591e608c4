"""Admin pages: home, village settings, grids and the audit log (households, staff and rules
are their own modules of this package; all on ``bp``, under ``/admin``).

Routes are thin: parse the form, call one service function, redirect (303) with a notice, or
show the page again with the field errors in Chinese (422). A refusal for want of rights is
the 403 page; every page checks that the signed-in user administers the village first.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ...accounts.auth import login_required, page_principal
from ...audit import service as audit
from ...errors import Forbidden
from ...forms import done, submit
from ...lookups import get_or_refuse, is_key
from ...periods import local_day
from ...villages import service as villages
from ...villages.models import Grid
from ...villages.service import administered_village
from .. import settings
from ..audit_targets import target_names
from ..forms import NameForm, SettingsForm
from .blueprint import bp

AUDIT_PAGE_SIZE = 50

ACTION_LABELS = {
    "village.create": _l("Village created"),
    "village.update": _l("Village settings changed"),
    "grid.create": _l("Grid added"),
    "grid.rename": _l("Grid renamed"),
    "household.create": _l("Household added"),
    "household.update": _l("Household changed"),
    "household.move": _l("Household moved to another grid"),
    "household.move_away": _l("Household moved away"),
    "household.pin_reset": _l("Household PIN set or reset"),
    "member.add": _l("Member added"),
    "member.update": _l("Member changed"),
    "member.remove": _l("Member removed"),
    "card.issue": _l("Card issued"),
    "user.create": _l("User created"),
    "user.disable": _l("User disabled"),
    "user.enable": _l("User enabled"),
    "user.password_reset": _l("Password reset"),
    "role.grant": _l("Role granted"),
    "role.revoke": _l("Role revoked"),
    "rule.create": _l("Rule added"),
    "rule.update": _l("Rule changed"),
    "rule_template.adopt": _l("County rule template adopted"),
    "rule_template.create": _l("County rule template started"),
    "rule_template.update": _l("County rule template's draft changed"),
    "rule_template.publish": _l("County rule template published"),
    "shop.create": _l("Shop opened"),
    "product.create": _l("Goods added"),
    "product.update": _l("Goods changed"),
    "product.photo_set": _l("Goods photo changed"),
    "product.photo_remove": _l("Goods photo removed"),
    "activity.create": _l("Volunteer activity added"),
    "attendance.correct": _l("Volunteer hours corrected"),
    "attendance.remove": _l("Attendee removed from an activity"),
    "attendance.reopen": _l("Volunteer hours opened again after their award was reversed"),
    "board_entry.create": _l("Red or black list entry made"),
    "objection.uphold": _l("Objection upheld"),
    "objection.dismiss": _l("Objection dismissed"),
    "household.import": _l("Households imported from the roster"),
    "points.clear": _l("Year-end clearing"),
    "region.create": _l("Township or county added"),
    "region.update": _l("County's flag levels changed"),
    "campaign.create": _l("Campaign set up"),
    "campaign.nominate": _l("Household nominated"),
    "campaign.decline": _l("Nomination declined"),
    "campaign.vote": _l("Council member voted"),
    "campaign.publish": _l("Campaign result published"),
    "campaign.confer": _l("Campaign title conferred"),
    "campaign_objection.uphold": _l("Objection to a nominee upheld"),
    "campaign_objection.dismiss": _l("Objection to a nominee dismissed"),
}


FIELD_LABELS = {
    "name": _l("Name"),
    "timezone": _l("Time zone"),
    "yuan_per_point": _l("Yuan per point"),
    "approval_threshold": _l("Approval above (points)"),
    "leader_monthly_quota": _l("A leader's monthly quota (points)"),
    "black_board_days": _l("Days on the black board"),
    "red_board_days": _l("Days on the red board"),
    "mask_names": _l("Mask names on public pages"),
    "year_end_clearing": _l("Year-end clearing"),
    "pin_required_above": _l("Ask for the household PIN above this many points"),
    "offline_limit": _l("Offline limit (points per household per day)"),
    "number": _l("Household number"),
    "head_name": _l("Head of household"),
    "phone": _l("Phone"),
    "grid": _l("Grid"),
    "relation": _l("Relation"),
    "status": _l("Status"),
    "active": _l("Active"),
    "points": _l("Points"),
    "monthly_cap": _l("Monthly cap"),
    "valid_from": _l("Valid from"),
    "points_range": _l("Points the county allows"),
    "username": _l("Username"),
    "role": _l("Role"),
    "shop_id": _l("Shop"),
    "shop": _l("Shop"),
    "members": _l("Members"),
    "version": _l("Version"),
    "code": _l("Code"),
    "low_stock_at": _l("Low stock warning at"),
    "village_id": _l("Village"),
    "kind": _l("Kind"),
    "household_id": _l("Household"),
    "rule_id": _l("Rule"),
    "transfer_id": _l("Transfer"),
    "reversal_id": _l("Reversal"),
    "entry_id": _l("Entry"),
    "reason": _l("Reason"),
    "photo": _l("Photo"),
    "title": _l("Title"),
    "date": _l("Date"),
    "hours": _l("Hours"),
    "member_name": _l("Member"),
    "admin": _l("Administrator"),
    "count": _l("How many"),
    "grid_id": _l("Grid"),
    "households": _l("Households"),
    "moved_away": _l("Moved away"),
    "points_price": _l("Points price"),
    "year": _l("Year"),
    "region_id": _l("Township"),
    "level": _l("Level"),
    "parent_id": _l("County"),
    "top3_share_limit": _l("Top three households' share above (percent)"),
    "reversal_rate_limit": _l("Reversals above (percent)"),
}

TARGET_LABELS = {
    "village": _l("Village"),
    "grid": _l("Grid"),
    "household": _l("Household"),
    "user": _l("User"),
    "rule": _l("Rule"),
    "shop": _l("Shop"),
    "product": _l("Goods"),
    "activity": _l("Volunteer activity"),
    "board_entry": _l("Red or black list entry"),
    "objection": _l("Objection"),
    "region": _l("Township or county"),
    "campaign": _l("Campaign"),
    "nomination": _l("Nomination"),
    "campaign_objection": _l("Objection to a nominee"),
    "rule_template": _l("County rule template"),
}


@bp.app_template_filter("audit_value")
def audit_value(value) -> str:
    """One recorded value for people: yes or no, a dash for nothing."""
    if value is None:
        return "—"
    if value is True:
        return str(_l("Yes"))
    if value is False:
        return str(_l("No"))
    return str(value)


@bp.app_template_filter("admin_time")
def admin_time(moment: dt.datetime, timezone: str) -> str:
    """A UTC moment as the village's local date and time, to the minute."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("admin_day")
def admin_day(moment: dt.datetime, timezone: str) -> str:
    """A UTC moment's day in the village's calendar (from 00:00 to 08:00 in Shanghai the UTC
    date is still yesterday's)."""
    return local_day(moment, timezone).isoformat()


@bp.route("")
@login_required
def home():
    """The villages the signed-in admin runs, each with its pages."""
    villages_run = settings.admin_villages(page_principal())
    if not villages_run:
        raise Forbidden(_l("Only an administrator of this village may do this."))
    return render_template("admin/home.html", villages=villages_run)


# --- village settings ------------------------------------------------------------------------


def _settings_page(village_id: int, *, values=None, errors=None, status=200):
    village = administered_village(page_principal(), village_id)
    shown = settings.current_settings(village)
    if values:
        shown.update(values)
    return (
        render_template("admin/village.html", village=village, values=shown, errors=errors or {}),
        status,
    )


@bp.route("/villages/<int:village_id>")
@login_required
def village(village_id: int):
    return _settings_page(village_id)


@bp.route("/villages/<int:village_id>", methods=["POST"])
@login_required
def save_settings(village_id: int):
    def make(values):
        settings.update_village_settings(page_principal(), village_id, **values)
        return done(_("Village settings saved."), "admin.village", village_id=village_id)

    def page(errors):
        return _settings_page(village_id, values=request.form.to_dict(), errors=errors, status=422)

    return submit(SettingsForm(), make, page)


# --- grids -----------------------------------------------------------------------------------


def _grids_page(village_id: int, *, errors=None, status=200):
    actor = page_principal()
    village = administered_village(actor, village_id)
    grids = villages.list_grids(actor, village_id)
    return (
        render_template("admin/grids.html", village=village, grids=grids, errors=errors or {}),
        status,
    )


@bp.route("/villages/<int:village_id>/grids")
@login_required
def grids(village_id: int):
    return _grids_page(village_id)


@bp.route("/villages/<int:village_id>/grids", methods=["POST"])
@login_required
def add_grid(village_id: int):
    def make(values):
        villages.create_grid(page_principal(), village_id, name=values["name"])
        return done(
            _("Grid %(name)s added.", name=values["name"]), "admin.grids", village_id=village_id
        )

    return submit(
        NameForm(), make, lambda errors: _grids_page(village_id, errors=errors, status=422)
    )


@bp.route("/grids/<int:grid_id>", methods=["POST"])
@login_required
def rename_grid(grid_id: int):
    grid = get_or_refuse(Grid, grid_id, _l("No such grid."))

    def make(values):
        settings.rename_grid(page_principal(), grid_id, name=values["name"])
        return done(_("Grid renamed."), "admin.grids", village_id=grid.village_id)

    def page(errors):
        return _grids_page(grid.village_id, errors={f"grid-{grid_id}": errors["name"]}, status=422)

    return submit(NameForm(), make, page)


# --- audit log -------------------------------------------------------------------------------


@bp.route("/villages/<int:village_id>/audit")
@login_required
def audit_log(village_id: int):
    """Newest first, 50 a page; ``?before=<id>`` for older entries."""
    village = administered_village(page_principal(), village_id)
    before = request.args.get("before", type=int)
    before = before if is_key(before) else None  # a cursor beyond any id: the newest page
    rows = audit.entries(village_ids=[village_id], limit=AUDIT_PAGE_SIZE + 1, before_id=before)
    more = len(rows) > AUDIT_PAGE_SIZE
    rows = rows[:AUDIT_PAGE_SIZE]
    return render_template(
        "admin/audit.html",
        village=village,
        rows=[(row, audit.changes_of(row)) for row in rows],
        names=audit.actor_names(rows),
        target_names=target_names(rows, village_id),
        labels=ACTION_LABELS,
        fields=FIELD_LABELS,
        targets=TARGET_LABELS,
        older=rows[-1].id if more else None,
        newest=before is not None,
    )
