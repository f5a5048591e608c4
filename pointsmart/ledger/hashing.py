"""The canonical content of a transfer and its SHA-256 link in the village's chain.

``hash = SHA-256(canonical JSON of the content fields, then prev_hash)``. The content is a
JSON array in a fixed order, so the hash is the same on every database and Python version.
Optional reference fields that later features add (a rule version, a redemption, ...) go in
at the end, by name, only when set: transfers written before such a field existed keep
their hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

CORE_FIELDS = (
    "village_id",
    "seq",
    "kind",
    "category",
    "debit_account_id",
    "credit_account_id",
    "amount",
    "period",
    "memo",
    "household_id",
    "debit_balance_after",
    "credit_balance_after",
    "reverses_id",
    "posted_by_id",
    "created_at",
)

# Reference columns added by later features; hashed by name only when not NULL.
# rule_version_id: the rule version an entry by rule used; quantity: its count or hours.
OPTIONAL_FIELDS: tuple[str, ...] = ("rule_version_id", "quantity")

HUNDREDTH = Decimal("0.01")


def _canonical_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, Decimal):
        # Quantities are kept to the hundredth; the database may give back 1.5 or 1.50.
        return format(value.quantize(HUNDREDTH), "f")
    return value


def transfer_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """The chain hash of a transfer with these field values, following ``prev_hash``."""
    content: list[Any] = [_canonical_value(fields[name]) for name in CORE_FIELDS]
    for name in OPTIONAL_FIELDS:
        value = fields.get(name)
        if value is not None:
            content.append([name, _canonical_value(value)])
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode() + b"|" + prev_hash.encode()).hexdigest()
