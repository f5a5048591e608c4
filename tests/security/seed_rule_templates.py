"""The county rule template of the matrix's world: version 1 published, and a draft of
version 2 open (so the draft's pages and endpoints have something to change)."""

from __future__ import annotations

from pointsmart.rule_templates import drafting
from tests.factories import ROOT

ENTRY = {
    "code": "matrix-mqsb",
    "name": "矩阵门前三包",
    "category": "rule",
    "points": 10,
    "points_min": 8,
    "points_max": 12,
}


def seed_rule_templates(county_id: int) -> dict[str, str]:
    """Build the template; return the matrix's parameters naming it."""
    made = drafting.create_template(ROOT, county_id, title="矩阵积分细则", entries=[ENTRY])
    published = drafting.publish(ROOT, made.id)
    draft = drafting.start_draft(ROOT, made.id)
    return {
        "template_id": str(made.id),
        "template_version": str(published.number),
        "template_entry_id": str(published.entries[0].id),
        "entry_id_of_draft": str(draft.entries[0].id),
    }
