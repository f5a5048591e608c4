"""Admin pages: the rule catalogue (积分细则): list, add, new points from a date, retire and
bring back (routes on ``views.bp``; the rules are the awards package's service)."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _

from ...accounts.auth import login_required, page_principal
from ...forms import done, submit
from ...ledger.labels import CATEGORY_LABELS
from ...rule_templates import offers as template_offers
from ...rules import catalogue as rules
from ...villages.service import administered_village
from ..forms import ConfirmForm, RuleForm, RuleVersionForm
from .blueprint import bp


def _rules_page(village_id: int, *, values=None, errors=None):
    """The catalogue with its forms; with ``errors``, 422."""
    actor = page_principal()
    village = administered_village(actor, village_id)
    return (
        render_template(
            "admin/rules.html",
            village=village,
            rules=rules.list_rules(actor, village_id),
            # The county's templates with a version this village has not adopted (a notice).
            template_notices=template_offers.notices(actor, village_id),
            in_county=template_offers.in_county(village_id),
            categories=CATEGORY_LABELS,
            values=values or {},
            errors=errors or {},
        ),
        422 if errors else 200,
    )


@bp.route("/villages/<int:village_id>/rules")
@login_required
def rules_list(village_id: int):
    return _rules_page(village_id)


@bp.route("/villages/<int:village_id>/rules", methods=["POST"])
@login_required
def add_rule(village_id: int):
    def make(values):
        rules.create_rule(page_principal(), village_id, **values)
        return done(
            _("Rule %(name)s added.", name=values["name"]),
            "admin.rules_list",
            village_id=village_id,
        )

    def page(errors):
        return _rules_page(village_id, values=request.form.to_dict(), errors=errors)

    return submit(RuleForm(), make, page)


def _rule_form(rule_id: int, schema, action, success: str):
    rule = rules.find_rule(rule_id)
    administered_village(page_principal(), rule.village_id)

    def make(values):
        action(page_principal(), values)
        return done(success, "admin.rules_list", village_id=rule.village_id)

    def page(errors):
        # Every rule of the list has these forms: each field's error names its rule.
        errors = {f"rule-{rule_id}-{field}": messages for field, messages in errors.items()}
        return _rules_page(rule.village_id, errors=errors)

    return submit(schema, make, page)


@bp.route("/rules/<int:rule_id>/version", methods=["POST"])
@login_required
def new_rule_version(rule_id: int):
    def change(actor, values):
        rules.change_rule(
            actor,
            rule_id,
            points=values["points"],
            monthly_cap=values["monthly_cap"],
            clear_cap=values["monthly_cap"] is None,
            valid_from=values["valid_from"],
        )

    return _rule_form(rule_id, RuleVersionForm(), change, _("The new points are saved."))


@bp.route("/rules/<int:rule_id>/active", methods=["POST"])
@login_required
def rule_active(rule_id: int):
    active = request.form.get("active") == "1"
    return _rule_form(
        rule_id,
        ConfirmForm(),
        lambda actor, values: rules.change_rule(actor, rule_id, active=active),
        _("The rule is in use again.") if active else _("The rule is retired."),
    )
