"""The village's pages: the county's templates with a notice of versions not adopted yet, and
the adoption form of a version (which rules, the village's points inside the county's range,
from which day). The village's admins only."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ...accounts.auth import login_required, page_principal
from ...errors import Problem
from ...extensions import db
from ...forms import done, parse_form, whole_number
from ...ledger.labels import CATEGORY_LABELS
from ...periods import local_today
from ...villages.service import administered_village
from .. import adoption, offers, reading
from ..schemas import AdoptForm
from .blueprint import bp


@bp.route("/admin/villages/<int:village_id>/rule-templates")
@login_required
def village_templates(village_id: int):
    actor = page_principal()
    village = administered_village(actor, village_id)
    return render_template(
        "rule_templates/village.html",
        village=village,
        offers=offers.offers(actor, village_id),
        adoptions=offers.adoptions(actor, village_id),
    )


def _chosen(entries) -> tuple[list[dict], dict[str, list[str]]]:
    """The ticked entries with the points typed for each (the county's when left empty)."""
    chosen, errors = [], {}
    for entry in entries:
        if not request.form.get(f"include-{entry.id}"):
            continue
        raw = (request.form.get(f"points-{entry.id}") or "").strip()
        points = whole_number(raw) if raw else None
        if raw and points is None:
            errors[f"points-{entry.id}"] = [_("Give a whole number.")]
            continue
        chosen.append({"code": entry.code, "points": points})
    return chosen, errors


@bp.route(
    "/admin/villages/<int:village_id>/rule-templates/<int:template_id>/versions/<int:number>",
    methods=["GET", "POST"],
)
@login_required
def adopt_page(village_id: int, template_id: int, number: int):
    """The version's rules, each with a box to take it and its points; what each will do (a
    new rule, or new points of the rule adopted before) as the preview computes it."""
    actor = page_principal()
    village = administered_village(actor, village_id)
    version = reading.get_version(actor, template_id, number)
    if request.method == "GET":
        return _adoption_form(actor, village, version, template_id, number)
    values, errors = parse_form(AdoptForm())
    chosen, more = _chosen(version.entries)
    errors.update(more)
    if not chosen and not errors:
        errors["form"] = [_("Tick at least one rule to adopt.")]
    if not errors:
        try:
            adopted = adoption.adopt(
                actor, village_id, template_id, number,
                valid_from=values.get("valid_from"), entries=chosen,
            )  # fmt: skip
        except Problem as problem:
            errors = _refusal(problem, version.entries)
        else:
            return done(_adopted(version, adopted), "admin.rules_list", village_id=village_id)
    return _adoption_form(actor, village, version, template_id, number, errors=errors)


def _adopted(version, adopted) -> str:
    return _(
        "Adopted %(title)s v%(number)s from %(day)s: %(count)s rules.",
        title=version.title,
        number=version.number,
        day=adopted.valid_from.isoformat(),
        count=len(adopted.entries),
    )


def _adoption_form(actor, village, version, template_id: int, number: int, *, errors=None):
    """The adoption form with the preview; after a POST (``errors`` given) as it was sent,
    with its errors (422). A preview the service refuses is said at the top of a fresh form."""
    posted = errors is not None
    plan = None
    try:
        plan = adoption.preview(actor, village.id, template_id, number)
    except Problem as problem:
        refused = _refusal(problem, [])
        errors = errors if posted else refused
    page = render_template(
        "rule_templates/adopt.html",
        village=village,
        version=version,
        planned={p.entry.id: p for p in plan.entries} if plan else {},
        dropped=plan.dropped if plan else [],
        categories=CATEGORY_LABELS,
        today=local_today(village.timezone),
        posted=posted,
        values=request.form.to_dict() if posted else {},
        errors=errors or {},
    )
    return page, 422 if posted else 200


def _refusal(problem: Problem, entries) -> dict[str, list[str]]:
    """A refusal as form errors: ``errors.entries`` (by code) on each rule's points field,
    the rest at the top; a 403 or 404 stays the error page (as ``refusal_errors``)."""
    if problem.status in (401, 403, 404):
        raise problem
    db.session.rollback()
    errors = dict(problem.errors or {})
    by_code = errors.pop("entries", None)
    shown = {field: [str(m) for m in messages] for field, messages in errors.items()}
    if isinstance(by_code, dict):
        ids = {entry.code: entry.id for entry in entries}
        for code, messages in by_code.items():
            shown[f"points-{ids.get(code, code)}"] = [str(m) for m in messages]
    elif by_code:
        shown["form"] = [str(m) for m in by_code]
    shown.setdefault("form", [str(problem.detail or problem.title)])
    return shown
