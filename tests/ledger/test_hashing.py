"""The canonical content of a transfer and its hash are pinned: a faster encoder (or a new
Python) must give the very same bytes, or every printed head hash would stop matching."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pointsmart.ledger.hashing import CORE_FIELDS, OPTIONAL_FIELDS, transfer_hash, values_hash

FIELDS = {
    "village_id": 3,
    "seq": 17,
    "kind": "award",
    "category": "rule",
    "debit_account_id": 11,
    "credit_account_id": 42,
    "amount": 25,
    "period": "2026-11",
    "memo": '帮助邻居 "x"',
    "household_id": 9,
    "debit_balance_after": -25,
    "credit_balance_after": 125,
    "reverses_id": None,
    "posted_by_id": 5,
    "created_at": dt.datetime(2026, 11, 22, 4, 5, 6, 7, tzinfo=dt.UTC),
}
BEIJING = dt.timezone(dt.timedelta(hours=8))

# Computed with the first implementation (strftime and a per-field conversion).
CASES = [
    (FIELDS, "0" * 64, "97b82f67714d7b94d5a4d9b20163564a386aeb3bfda7d2892f7815163d9c6666"),
    (
        FIELDS | {"rule_version_id": 4, "quantity": Decimal("1.5")},
        "ab" * 32,
        "2b0c0bbd4b79c47317d1b1d37b81b0a661035224961f385d33c6fe07adf75a2e",
    ),
    (
        FIELDS
        | {
            "created_at": dt.datetime(2026, 11, 22, 12, 5, 6, tzinfo=BEIJING),
            "memo": None,
            "category": None,
        },
        "cd" * 32,
        "fa65303f5fd5c4e4194da8ce1272f9efbab9691632f4329b8d47bc9fcce636e6",
    ),
]


@pytest.mark.parametrize(("fields", "prev_hash", "expected"), CASES)
def test_the_hash_of_known_content_never_changes(fields, prev_hash, expected):
    assert transfer_hash(fields, prev_hash) == expected


@pytest.mark.parametrize(("fields", "prev_hash", "expected"), CASES)
def test_hashing_row_values_gives_the_same_hash(fields, prev_hash, expected):
    core = [fields[name] for name in CORE_FIELDS]
    optional = [fields.get(name) for name in OPTIONAL_FIELDS]

    assert values_hash(core, optional, prev_hash) == expected


def test_a_quantity_is_hashed_to_the_hundredth():
    a = transfer_hash(FIELDS | {"quantity": Decimal("1.5")}, "0" * 64)
    b = transfer_hash(FIELDS | {"quantity": Decimal("1.50")}, "0" * 64)

    assert a == b


def test_a_value_of_no_known_type_is_refused():
    with pytest.raises(TypeError):
        transfer_hash(FIELDS | {"memo": object()}, "0" * 64)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), st.integers(-(2**62), 2**62), st.text(max_size=40)),
        min_size=len(CORE_FIELDS),
        max_size=len(CORE_FIELDS),
    )
)
def test_the_fast_encoder_writes_what_json_dumps_writes(values):
    """Any text (quotes, backslashes, control characters, any script) and any whole number."""
    expected_payload = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    expected = hashlib.sha256(expected_payload.encode() + b"|" + b"0" * 64).hexdigest()

    assert values_hash(values, [None] * len(OPTIONAL_FIELDS), "0" * 64) == expected


@pytest.mark.parametrize(
    "stored",
    [
        "2026-11-22 04:05:06.000007",  # SQLite, as SQLAlchemy writes it
        "2026-11-22T04:05:06.000007",  # the same instant written by hand in ISO form
        dt.datetime(2026, 11, 22, 4, 5, 6, 7),  # PostgreSQL: a naive UTC datetime
        dt.datetime(2026, 11, 22, 12, 5, 6, 7, tzinfo=BEIJING),
    ],
)
def test_verify_reads_a_stored_timestamp_as_the_hash_wrote_it(stored):
    from pointsmart.ledger.verify import _created_at_text

    assert _created_at_text(stored) == "2026-11-22T04:05:06.000007Z"
    assert _created_at_text("2026-11-22 04:05:06") == "2026-11-22T04:05:06.000000Z"
