"""The ledger's side of rules: the rule version and quantity a transfer names are in its hash
(only when set, so older hashes hold), verify checks their arithmetic, and posting by rule
stays a handful of statements."""

from decimal import Decimal

import pytest

from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.hashing import CORE_FIELDS, transfer_hash
from pointsmart.ledger.models import Transfer
from pointsmart.ledger.verify import verify_village
from pointsmart.rules import catalogue as rules
from tests.factories import ROOT
from tests.ledger.test_hot_path import reads_of_transfers, recorded_statements


@pytest.fixture
def village(make):
    return make.village()


@pytest.fixture
def household(make, village):
    return make.household(village)


@pytest.fixture
def hourly(village):
    return rules.create_rule(
        ROOT, village.id, code="vol", name="志愿服务", category="volunteer", points=10, unit="hour"
    )


def fields_of(transfer: Transfer) -> dict:
    return {name: getattr(transfer, name) for name in (*CORE_FIELDS, "rule_version_id", "quantity")}


def test_the_rule_version_and_quantity_are_part_of_the_hash(household, hourly):
    transfer = ledger.award(
        household.village_id, household.id, 25, category="volunteer",
        rule_version_id=hourly.version_id, quantity=Decimal("2.5"),
    )  # fmt: skip
    fields = fields_of(transfer)

    assert transfer_hash(fields, transfer.prev_hash) == transfer.hash
    assert (
        transfer_hash({**fields, "quantity": Decimal("2.50")}, transfer.prev_hash) == transfer.hash
    )
    assert (
        transfer_hash({**fields, "quantity": Decimal("2.6")}, transfer.prev_hash) != transfer.hash
    )
    assert transfer_hash({**fields, "rule_version_id": None}, transfer.prev_hash) != transfer.hash


def test_a_transfer_without_a_rule_hashes_as_before_rules_existed(make, household):
    transfer = make.award(household, 7)
    core_only = {name: getattr(transfer, name) for name in CORE_FIELDS}

    assert transfer_hash(core_only, transfer.prev_hash) == transfer.hash


def test_verify_finds_points_that_do_not_match_the_rule_version(household, hourly):
    good = ledger.award(
        household.village_id, household.id, 25, category="volunteer",
        rule_version_id=hourly.version_id, quantity=Decimal("2.5"),
    )  # fmt: skip
    bad = ledger.award(
        household.village_id, household.id, 99, category="volunteer",
        rule_version_id=hourly.version_id, quantity=Decimal("1"),
    )  # fmt: skip

    report = verify_village(household.village_id)

    assert good.id != report.first_bad_transfer_id == bad.id
    assert "its rule version says 10" in report.problems[0]


def test_verify_finds_a_rule_version_of_another_village(make, household):
    other = make.village()
    foreign = rules.create_rule(ROOT, other.id, code="x", name="x", category="rule", points=5)
    transfer = ledger.award(
        household.village_id, household.id, 5, category="rule",
        rule_version_id=foreign.version_id, quantity=Decimal(1),
    )  # fmt: skip

    assert verify_village(household.village_id).first_bad_transfer_id == transfer.id


def test_a_reversal_names_the_rule_version_of_what_it_reverses(household, hourly):
    award = ledger.award(
        household.village_id, household.id, 25, category="volunteer",
        rule_version_id=hourly.version_id, quantity=Decimal("2.5"),
    )  # fmt: skip

    reversal = ledger.reverse(award.id, reason="重复录入")

    assert (reversal.rule_version_id, reversal.quantity) == (hourly.version_id, Decimal("2.50"))
    assert verify_village(household.village_id).ok


def test_posting_by_rule_is_still_a_handful_of_statements(make, household, hourly):
    for _ in range(20):
        make.award(household, 5)

    with recorded_statements() as statements:
        ledger.award(
            household.village_id, household.id, 25, category="volunteer",
            rule_version_id=hourly.version_id, quantity=Decimal("2.5"),
        )  # fmt: skip
        db.session.flush()

    # as a redemption (tests/ledger/test_hot_path.py): 7, and the text-message listener's look
    # up; and the regions' rollup counting the award (one upsert into village_months; a
    # leader's award adds two more, its day and its month: pointsmart/regions/rollups.py)
    assert len(statements) <= 9, statements
    assert reads_of_transfers(statements) == []
