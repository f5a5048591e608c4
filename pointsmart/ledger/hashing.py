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
from collections.abc import Mapping, Sequence
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


def canonical_value(value: Any) -> Any:
    """The JSON form of a value that JSON has no type for (the encoder's ``default``)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not dt.UTC:
            value = value.astimezone(dt.UTC)
        # Same text as strftime("%Y-%m-%dT%H:%M:%S.%fZ"), several times faster.
        return value.isoformat(timespec="microseconds")[:26] + "Z"
    if isinstance(value, Decimal):
        # Quantities are kept to the hundredth; the database may give back 1.5 or 1.50.
        return format(value.quantize(HUNDREDTH), "f")
    raise TypeError(f"cannot hash a {type(value).__name__}")


# The C encoder handles ints, strings and None itself and calls ``default`` only for the
# timestamp and a quantity, so hashing a transfer costs no Python call per field.
_encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=canonical_value)
_sha256 = hashlib.sha256


def _make_encode():
    """``_encoder.encode``, without building a new C encoder object on every call.

    ``JSONEncoder.encode`` makes one per call; the replay of ``ledger verify`` hashes
    millions of rows, so it makes the same C encoder once (no circular-reference markers:
    a transfer's content is a flat list). Without the C extension, the plain ``encode``.
    """
    make = json.encoder.c_make_encoder
    if make is None:  # pragma: no cover - CPython always has the C encoder
        return _encoder.encode
    iterencode = make(
        None,
        canonical_value,
        json.encoder.encode_basestring,
        None,
        ":",
        ",",
        False,
        False,
        True,
    )
    join = "".join

    def encode(content: list[Any]) -> str:
        return join(iterencode(content, 0))

    return encode


_encode = _make_encode()


def transfer_hash(fields: Mapping[str, Any], prev_hash: str) -> str:
    """The chain hash of a transfer with these field values, following ``prev_hash``."""
    return values_hash(
        [fields[name] for name in CORE_FIELDS],
        [fields.get(name) for name in OPTIONAL_FIELDS],
        prev_hash,
    )


def values_hash(core: Sequence[Any], optional: Sequence[Any], prev_hash: str) -> str:
    """``transfer_hash`` from the values of CORE_FIELDS and of OPTIONAL_FIELDS, in order.

    The replay of ``ledger verify`` reads rows in that column order and calls this directly.
    """
    content = list(core)
    for name, value in zip(OPTIONAL_FIELDS, optional, strict=True):
        if value is not None:
            content.append([name, value])
    payload = _encode(content)
    return _sha256(f"{payload}|{prev_hash}".encode()).hexdigest()
