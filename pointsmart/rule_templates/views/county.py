"""The county's pages: its templates, a template with its draft (edit, publish) and each
published version. Readers (township admins, villages' admins) see the published versions."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from marshmallow import Schema

from ...accounts.auth import login_required, page_principal
from ...forms import done, submit
from ...ledger.labels import CATEGORY_LABELS
from ...regions import access as region_access
from ...villages.models import USUAL_TIMEZONE
from .. import access, drafting, reading
from ..schemas import EntryForm, PublishForm, TitleForm
from .blueprint import bp

# A county keeps no time zone of its own: the day a version was published is told in its
# villages' usual one, as a village's page tells it in the village's.
COUNTY_DAYS = USUAL_TIMEZONE


def _county_crumbs(actor, county_id: int) -> list:
    county = region_access.find_region(county_id)
    return [county] if region_access.may_read(actor, county) else []


@bp.route("/regions/<int:region_id>/rule-templates", methods=["GET", "POST"])
@login_required
def county_templates(region_id: int):
    """The county's templates; its admins start a new one (a title, then its rules)."""
    actor = page_principal()
    templates = reading.list_templates(actor, region_id)  # refuses all but its readers
    county = access.find_county(region_id)

    def make(values):
        made = drafting.create_template(actor, region_id, **values)
        message = _("Template %(title)s started: add its rules, then publish it.", title=made.title)
        return done(message, "rule_templates_pages.template_page", template_id=made.id)

    def page(errors):
        return render_template(
            "rule_templates/county.html",
            county=county,
            crumbs=_county_crumbs(actor, county.id),
            templates=templates,
            may_manage=access.may_manage(actor, county.id),
            values=request.form.to_dict() if errors else {},
            errors=errors,
        ), (422 if errors else 200)

    if request.method == "GET":
        return page({})
    return submit(TitleForm(), make, page)


def _template_page(template_id: int, *, form: str = "", values=None, errors=None, status=200):
    actor = page_principal()
    view = reading.get_template(actor, template_id)
    return (
        render_template(
            "rule_templates/template.html",
            template=view,
            county=region_access.find_region(view.region_id),
            crumbs=_county_crumbs(actor, view.region_id),
            timezone=COUNTY_DAYS,
            may_manage=access.may_manage(actor, view.region_id),
            categories=CATEGORY_LABELS,
            form=form,
            values=values or {},
            # Several forms share field names: each field's id (and error) carries its form's.
            errors={
                key if key == "form" else f"{form}-{key}": messages
                for key, messages in (errors or {}).items()
            },
        ),
        status,
    )


@bp.route("/rule-templates/<int:template_id>")
@login_required
def template_page(template_id: int):
    return _template_page(template_id)


def _submit(template_id: int, form: str, schema, make, success: str):
    def work(values):
        make(page_principal(), values)
        return done(success, "rule_templates_pages.template_page", template_id=template_id)

    def page(errors):
        values = request.form.to_dict()
        return _template_page(template_id, form=form, values=values, errors=errors, status=422)

    # Without a schema the form has nothing to parse: an empty one takes no field.
    return submit(schema if schema is not None else Schema(), work, page)


@bp.route("/rule-templates/<int:template_id>/draft", methods=["POST"])
@login_required
def start_draft(template_id: int):
    return _submit(
        template_id,
        "start",
        None,
        lambda actor, values: drafting.start_draft(actor, template_id),
        _("A new draft is open: change it, then publish it as the next version."),
    )


@bp.route("/rule-templates/<int:template_id>/draft/title", methods=["POST"])
@login_required
def save_title(template_id: int):
    return _submit(
        template_id,
        "title",
        TitleForm(),
        lambda actor, values: drafting.save_draft(actor, template_id, **values),
        _("The draft is saved."),
    )


@bp.route("/rule-templates/<int:template_id>/draft/entries", methods=["POST"])
@login_required
def add_entry(template_id: int):
    return _submit(
        template_id,
        "entry-new",
        EntryForm(),
        lambda actor, values: drafting.put_entry(actor, template_id, values),
        _("The rule is added to the draft."),
    )


@bp.route("/rule-templates/<int:template_id>/draft/entries/<int:entry_id>", methods=["POST"])
@login_required
def change_entry(template_id: int, entry_id: int):
    return _submit(
        template_id,
        f"entry-{entry_id}",
        EntryForm(),
        lambda actor, values: drafting.put_entry(actor, template_id, values, entry_id=entry_id),
        _("The rule is saved."),
    )


@bp.route("/rule-templates/<int:template_id>/draft/entries/<int:entry_id>/remove", methods=["POST"])
@login_required
def remove_entry(template_id: int, entry_id: int):
    return _submit(
        template_id,
        f"entry-{entry_id}",
        None,
        lambda actor, values: drafting.remove_entry(actor, template_id, entry_id),
        _("The rule is taken out of the draft."),
    )


@bp.route("/rule-templates/<int:template_id>/publish", methods=["POST"])
@login_required
def publish(template_id: int):
    return _submit(
        template_id,
        "publish",
        PublishForm(),
        lambda actor, values: drafting.publish(actor, template_id, **values),
        _("Published. The villages of the county see the new version now."),
    )


@bp.route("/rule-templates/<int:template_id>/versions/<int:number>")
@login_required
def version_page(template_id: int, number: int):
    actor = page_principal()
    version = reading.get_version(actor, template_id, number)
    return render_template(
        "rule_templates/version.html",
        version=version,
        crumbs=_county_crumbs(actor, version.region_id),
        timezone=COUNTY_DAYS,
        categories=CATEGORY_LABELS,
    )
