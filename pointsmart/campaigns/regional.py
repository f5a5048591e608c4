"""Campaigns of a township or a county, open to every village under it.

Set up by the region's admins (``scope.may_run``: the admin of every village, the county's
admins, and for a township its township admins) with the same body as a village's campaign,
save that it names ``points`` (what each winner gets) instead of a village's ``rule_id``: a
region has no rule catalogue, and one village's rule (its points, its versions) cannot be
made to pay a household of another village.

**Paying a region's winners** (``plan_payment``, called by ``conferral.confer``): each winner
is paid in the ledger of its own village, as an award under a rule of that village made for
this campaign at conferral: code ``campaign-<id>``, named after the title, category
``other``, unit ``each``, inactive (nobody can award by it by hand), with one version worth
the campaign's ``points`` from the day of conferral on. Every village's rule catalogue and
its rules' versions are left as they were, and the transfer names its rule version and
quantity 1 as every award by rule does.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..accounts.auth import Principal
from ..audit import service as audit
from ..awards.planning import Plan, check_period
from ..errors import Forbidden, ValidationFailed
from ..extensions import db
from ..ledger import service as ledger
from ..ledger.models import AWARD
from ..periods import local_today
from ..regions import access as region_access
from ..rules.models import Rule, RuleVersion
from ..villages.models import Village
from . import scope
from .models import Campaign
from .service import build_campaign


def _require_runner(actor: Principal, region_id: int):
    region = region_access.find_region(region_id)
    if not region_access.may_read(actor, region):
        raise Forbidden(_l("Only an administrator of this township or county may do this."))
    return region


def create_region_campaign(actor: Principal, region_id: int, **data: Any) -> Campaign:
    """Set up a campaign of the township or county (its admins)."""
    region = _require_runner(actor, region_id)
    points = data.get("points")
    if not isinstance(points, int) or not 0 < points <= ledger.MAX_AMOUNT:
        raise ValidationFailed(errors={"points": [str(_l("Give the points each winner gets."))]})
    village_ids = scope.region_village_ids(region)
    if not village_ids:
        raise ValidationFailed(errors={"region_id": [str(_l("This region has no villages yet."))]})
    timezone = db.session.get(Village, village_ids[0]).timezone
    return build_campaign(
        actor,
        local_today(timezone),
        data,
        owner={"region_id": region.id, "points": points},
        village_ids=village_ids,
        region_ids=scope.related_regions(region),
    )


def campaigns_of_region(actor: Principal, region_id: int) -> list[Campaign]:
    """The region's own campaigns, newest first (its admins)."""
    region = _require_runner(actor, region_id)
    return list(
        db.session.execute(
            sa.select(Campaign)
            .where(Campaign.region_id == region.id)
            .order_by(Campaign.id.desc())
            .limit(200)
        ).scalars()
    )


CATEGORY = "other"


def _campaign_rule(actor: Principal, campaign: Campaign, village: Village) -> RuleVersion:
    """The village's rule for the campaign's award, made on first use (see the docstring)."""
    code = f"campaign-{campaign.id}"
    taken = set(
        db.session.execute(
            sa.select(Rule.code).where(Rule.village_id == village.id, Rule.code.like(f"{code}%"))
        ).scalars()
    )
    suffix = 1
    while code in taken:  # a rule an admin happened to name so: leave it alone
        suffix += 1
        code = f"campaign-{campaign.id}-{suffix}"
    name = str(_l("Campaign award: %(title)s", title=campaign.title))[:100]
    rule = Rule(
        village_id=village.id,
        code=code,
        name=name,
        category=CATEGORY,
        unit="each",
        active=False,
        created_by_id=actor.user_id,
    )
    db.session.add(rule)
    db.session.flush()
    version = RuleVersion(
        rule_id=rule.id,
        version=1,
        points=campaign.points,
        monthly_cap=None,
        valid_from=local_today(village.timezone),
        created_by_id=actor.user_id,
    )
    db.session.add(version)
    db.session.flush()
    audit.record(
        actor_id=actor.user_id,
        village_id=village.id,
        action="rule.create",
        target_type="rule",
        target_id=rule.id,
        changes={"code": code, "name": name, "points": campaign.points, "campaign": campaign.id},
    )
    return version


def payment_plans(actor: Principal, campaign: Campaign, winners: list[Any]) -> list[Plan]:
    """One award plan per winner of a region's campaign, in its own village's ledger."""
    plans = []
    versions: dict[int, RuleVersion] = {}
    for nomination in winners:
        village = db.session.get(Village, nomination.village_id)
        if village.id not in versions:
            versions[village.id] = _campaign_rule(actor, campaign, village)
        version = versions[village.id]
        plans.append(
            Plan(
                village_id=village.id,
                household_id=nomination.household_id,
                kind=AWARD,
                points=campaign.points,
                category=CATEGORY,
                period=check_period(village.timezone, None),
                memo=campaign.title,
                rule=db.session.get(Rule, version.rule_id),
                version=version,
                quantity=Decimal("1.00"),
            )
        )
    return plans
