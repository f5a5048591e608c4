"""``/api/v1/regions/<id>/rule-templates`` and ``/api/v1/rule-templates/<id>``: a county's
templates, their draft and their published versions."""

from __future__ import annotations

from ...accounts.auth import current_principal
from .. import drafting, reading
from ..schemas import (
    DraftIn,
    PublishIn,
    TemplateIn,
    TemplateList,
    TemplateOut,
    VersionList,
    VersionOut,
)
from .blueprint import blp


@blp.route("/regions/<int:region_id>/rule-templates", methods=["GET"])
@blp.response(200, TemplateList)
def list_templates(region_id):
    """The county's templates with their published versions (the county's admins, its
    township admins and its villages' admins); the draft for the county's admins only."""
    return {"items": reading.list_templates(current_principal(), region_id), "next_after": None}


@blp.route("/regions/<int:region_id>/rule-templates", methods=["POST"])
@blp.arguments(TemplateIn)
@blp.response(201, TemplateOut)
def create_template(data, region_id):
    """A new template of the county, as a draft with its entries (the county's admins)."""
    return drafting.create_template(current_principal(), region_id, **data)


@blp.route("/rule-templates/<int:template_id>", methods=["GET"])
@blp.response(200, TemplateOut)
def get_template(template_id):
    """A template with its published versions (and its draft, for the county's admins)."""
    return reading.get_template(current_principal(), template_id)


@blp.route("/rule-templates/<int:template_id>/draft", methods=["GET"])
@blp.response(200, VersionOut)
def get_draft(template_id):
    """The draft (the county's admins); 409 ``no_draft`` when there is none."""
    return reading.get_draft(current_principal(), template_id)


@blp.route("/rule-templates/<int:template_id>/draft", methods=["POST"])
@blp.response(201, VersionOut)
def start_draft(template_id):
    """A new draft copied from the latest version; 409 ``draft_exists`` while one is open."""
    return drafting.start_draft(current_principal(), template_id)


@blp.route("/rule-templates/<int:template_id>/draft", methods=["PATCH"])
@blp.arguments(DraftIn)
@blp.response(200, VersionOut)
def save_draft(data, template_id):
    """Change the draft's title, note or whole list of entries (the county's admins)."""
    return drafting.save_draft(current_principal(), template_id, **data)


@blp.route("/rule-templates/<int:template_id>/publish", methods=["POST"])
@blp.arguments(PublishIn)
@blp.response(201, VersionOut)
def publish(data, template_id):
    """Freeze the draft as the next version, v1, v2 ... (the county's admins); 409
    ``no_draft``, 409 ``template_empty``."""
    return drafting.publish(current_principal(), template_id, **data)


@blp.route("/rule-templates/<int:template_id>/versions", methods=["GET"])
@blp.response(200, VersionList)
def list_versions(template_id):
    """The published versions, oldest first, without their entries (the template's readers)."""
    versions = reading.get_template(current_principal(), template_id).versions
    return {"items": versions, "next_after": None}


@blp.route("/rule-templates/<int:template_id>/versions/<int:number>", methods=["GET"])
@blp.response(200, VersionOut)
def get_version(template_id, number):
    """A published version with its entries (the template's readers)."""
    return reading.get_version(current_principal(), template_id, number)
