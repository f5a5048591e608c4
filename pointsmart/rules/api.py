"""JSON API: the village's rule catalogue (积分细则)."""

from __future__ import annotations

from ..accounts.auth import current_principal
from ..api import Blueprint
from . import catalogue as rules
from .schemas import RuleChangeIn, RuleIn, RuleList, RuleOut, RuleQuery

blp = Blueprint("rules", __name__, description="The rule catalogue (积分细则)")


@blp.route("/villages/<int:village_id>/rules", methods=["GET"])
@blp.arguments(RuleQuery, location="query")
@blp.response(200, RuleList)
def list_rules(query, village_id):
    """The village's rule catalogue, with the points and cap in force today (staff)."""
    return {"items": rules.list_rules(current_principal(), village_id, **query), "next_after": None}


@blp.route("/villages/<int:village_id>/rules", methods=["POST"])
@blp.arguments(RuleIn)
@blp.response(201, RuleOut)
def create_rule(data, village_id):
    """Add a rule with its first version (admin)."""
    return rules.create_rule(current_principal(), village_id, **data)


@blp.route("/rules/<int:rule_id>", methods=["GET"])
@blp.response(200, RuleOut)
def get_rule(rule_id):
    """A rule with every version."""
    return rules.get_rule(current_principal(), rule_id)


@blp.route("/rules/<int:rule_id>", methods=["PATCH"])
@blp.arguments(RuleChangeIn)
@blp.response(200, RuleOut)
def change_rule(data, rule_id):
    """Rename or (de)activate a rule; new points or cap make a new version from ``valid_from``
    (today or later), so no earlier entry changes meaning (admin)."""
    if "monthly_cap" in data and data["monthly_cap"] is None:
        data.pop("monthly_cap")
        data["clear_cap"] = True
    return rules.change_rule(current_principal(), rule_id, **data)
