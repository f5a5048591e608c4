"""What each audit entry was about, by name: "户 XF-001 王建国", "志愿活动 清扫河道", not
"household 1" or "activity 8". One query per kind of target on the page, and only targets of
the page's village are named (an entry naming another village's row keeps its bare id)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sqlalchemy as sa

from ..accounts.models import User
from ..activities.models import Activity
from ..audit.models import AuditEntry
from ..board.models import BoardEntry, Objection
from ..campaigns.models import Campaign, Nomination, NominationObjection
from ..counter.models import Product, Shop
from ..extensions import db
from ..households.models import Household
from ..rule_templates.models import RuleTemplate
from ..rules.models import Rule
from ..villages.models import Grid, Village

Names = Callable[[set[int], int], dict[int, str]]


def _named(table, *columns, joins=()) -> Names:
    """Names of the rows of a table with a ``village_id``: its ``columns`` (reached through
    ``joins``, pairs of a table and how it joins) separated by spaces."""

    def names(ids: set[int], village_id: int) -> dict[int, str]:
        statement = sa.select(table.id, *columns)
        for other, on in joins:
            statement = statement.join(other, on)
        rows = db.session.execute(
            statement.where(table.id.in_(ids), table.village_id == village_id)
        )
        return {row[0]: " ".join(str(value) for value in row[1:]) for row in rows}

    return names


def _villages(ids: set[int], village_id: int) -> dict[int, str]:
    rows = db.session.execute(sa.select(Village.id, Village.name).where(Village.id == village_id))
    return {row.id: row.name for row in rows if row.id in ids}


def _users(ids: set[int], village_id: int) -> dict[int, str]:
    rows = db.session.execute(sa.select(User.id, User.username).where(User.id.in_(ids)))
    return {row.id: row.username for row in rows}


def _products(ids: set[int], village_id: int) -> dict[int, str]:
    rows = db.session.execute(
        sa.select(Product.id, Product.name)
        .join(Shop, Shop.id == Product.shop_id)
        .where(Product.id.in_(ids), Shop.village_id == village_id)
    )
    return {row.id: row.name for row in rows}


def _rule_templates(ids: set[int], village_id: int) -> dict[int, str]:
    """A county's template is no village's row; a village's page names the one it adopted."""
    rows = db.session.execute(
        sa.select(RuleTemplate.id, RuleTemplate.title).where(RuleTemplate.id.in_(ids))
    )
    return {row.id: row.title for row in rows}


NAMES: dict[str, Names] = {
    "village": _villages,
    "grid": _named(Grid, Grid.name),
    "household": _named(Household, Household.number, Household.head_name),
    "user": _users,
    "rule": _named(Rule, Rule.name),
    "shop": _named(Shop, Shop.name),
    "product": _products,
    "activity": _named(Activity, Activity.title),
    "board_entry": _named(
        BoardEntry,
        Household.number,
        Rule.name,
        joins=[
            (Household, Household.id == BoardEntry.household_id),
            (Rule, Rule.id == BoardEntry.rule_id),
        ],
    ),
    "objection": _named(
        Objection, Household.number, joins=[(Household, Household.id == Objection.household_id)]
    ),
    "campaign": _named(Campaign, Campaign.title),
    "nomination": _named(
        Nomination,
        Campaign.title,
        Household.number,
        Household.head_name,
        joins=[
            (Household, Household.id == Nomination.household_id),
            (Campaign, Campaign.id == Nomination.campaign_id),
        ],
    ),
    "campaign_objection": _named(
        NominationObjection,
        Household.number,
        joins=[(Household, Household.id == NominationObjection.household_id)],
    ),
    "rule_template": _rule_templates,
}


def target_names(entries: Sequence[AuditEntry], village_id: int) -> dict[tuple[str, int], str]:
    """``{(target type, target id): name}`` of the entries' targets that exist in the village."""
    wanted: dict[str, set[int]] = {}
    for entry in entries:
        if entry.target_id is not None and entry.target_type in NAMES:
            wanted.setdefault(entry.target_type, set()).add(entry.target_id)
    return {
        (kind, target_id): name
        for kind, ids in wanted.items()
        for target_id, name in NAMES[kind](ids, village_id).items()
    }
