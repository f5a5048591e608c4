"""Fuzzing the JSON API with schemathesis: every operation of /api/v1/openapi.json, with an
admin of every village, in-process (WSGI) on a database of its own.

Each operation gets a few generated requests, valid and not; the answers must never be a server
error and must conform to what the document promises: a documented status code, the documented
content type and a body that validates against the documented schema. Failures of all
operations are gathered, so one run names every finding.
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from pointsmart.campaigns import service as campaigns
from pointsmart.counter import goods, sales
from pointsmart.extensions import db, limiter
from pointsmart.households import cards
from pointsmart.periods import local_today
from pointsmart.regions import service as regions
from pointsmart.rule_templates import drafting as rule_templates
from tests.awards.conftest import add_rule
from tests.conftest import app_on_fresh_database
from tests.factories import ROOT, Factories

EXAMPLES_PER_OPERATION = 8
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def fuzzed_app(tmp_path_factory):
    """A small village (ids 1, 2, 3 exist for most things) and an admin of every village."""
    with app_on_fresh_database(tmp_path_factory.mktemp("fuzz")) as app:
        with app.app_context():
            make = Factories()
            village = make.village()
            households = [make.household(village, phone=f"1380000000{i}") for i in range(3)]
            for household in households:
                make.award(household, 100)
            shop = make.shop(village)
            for name, price in (("火柴", 1), ("肥皂", 3), ("香油", 10)):
                goods.create_product(ROOT, shop.id, name=name, points_price=price, stock=50)
            add_rule(village, "T1", "门前三包", "rule", 10)
            add_rule(village, "V1", "志愿服务", "volunteer", 5, unit="hour")
            add_rule(village, "B1", "乱堆乱放", "black", -10)
            for _ in range(3):
                make.grid(village)
            keeper = make.staff("shopkeeper", village, shop)
            for household in households:
                cards.issue_card(household.id)
                sales.redeem_items(
                    keeper.principal,
                    shop_id=shop.id,
                    household_id=household.id,
                    items=[{"product_id": 1, "quantity": 2}],
                )
            admin = make.staff("admin")
            open_campaign(village, admin, households)
            county_template(village)
            db.session.commit()
            app.fuzz_auth = admin.auth
        yield app
        with app.app_context():
            limiter.reset()  # the rate-limited card URL was called a lot: leave no count behind


def open_campaign(village, admin, households) -> None:
    """A one-day campaign (评选) with the admin on its council and a nominee (ids 1)."""
    rule = add_rule(village, "R1", "好家庭", "red", 50)
    today = local_today(village.timezone)
    campaign = campaigns.create_campaign(
        ROOT, village.id, title="好家庭", rule_id=rule.id, seats=1, nominate_from=today,
        nominate_until=today, review_until=today, notice_days=0, quorum=1,
        council=[admin.user_id], villagers_nominate=True, bean_votes=3,
    )  # fmt: skip
    campaigns.nominate(ROOT, campaign.id, household_id=households[0].id, reason="好")


def county_template(village) -> None:
    """The village in a township of a county (ids 1, 2) whose rule template has version 1."""
    county = regions.create_region(ROOT, name="安平县", level="county", parent_id=None)
    township = regions.create_region(ROOT, name="城关镇", level="township", parent_id=county.id)
    village.region_id = township.id
    entry = {"code": "mqsb", "name": "门前三包", "category": "rule", "points": 10}
    made = rule_templates.create_template(ROOT, county.id, title="积分细则", entries=[entry])
    rule_templates.publish(ROOT, made.id)


def with_known_ids(drawn) -> object:
    """Random ids mostly name nothing (404): half the cases get ids that exist (1 to 3)."""
    case, known, pin = drawn
    if pin and case.path_parameters:
        case.path_parameters = {
            name: known if isinstance(value, int) and not isinstance(value, bool) else value
            for name, value in case.path_parameters.items()
        }
    return case


def fuzz_operation(operation, auth: dict[str, str]) -> None:
    cases = st.tuples(operation.as_strategy(), st.integers(1, 3), st.booleans())

    @given(case=cases.map(with_known_ids))
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        case.call_and_validate(headers=auth, checks=CHECKS)

    run()


def describe(failure: BaseException) -> str:
    if isinstance(failure, BaseExceptionGroup):
        return "\n".join(describe(each) for each in failure.exceptions)
    return f"{type(failure).__name__}: {failure}"[:1500]


@pytest.mark.slow
def test_every_api_operation_answers_within_its_documented_schemas(fuzzed_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 50

    findings = []
    for operation in operations:
        try:
            fuzz_operation(operation, fuzzed_app.fuzz_auth)
        except (Exception, BaseExceptionGroup) as failure:  # gather all, then fail once
            findings.append(f"{operation.label}: {describe(failure)}")

    assert findings == [], "\n\n".join(findings)
