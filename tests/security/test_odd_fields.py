"""Odd values in every field of every write and in every page's address: a clear refusal,
never a server error.

Each write of the authorization matrix that carries a body (``API_BODIES``, ``FORM_FIELDS``
in ``tests/security/matrix.py``) is sent by someone who may make it, with its valid body
changed in one place at a time: one field (nested ones too, in the first of a list) left out
or given each of the odd values below, the kind that broke requests before (a number longer
than any id or than the database's integer, a digit that ``str.isdigit`` takes and ``int``
refuses, a day in year 1, hidden characters, a number too large for a float). Every answer must
be below 500; a refusal of the API is problem+json with a stable ``code``, and neither the
API's nor a page's (its flash included: redirects are followed) speaks English to a Chinese
request. Every page that the matrix lets someone read is asked likewise with each name its
view reads from the address (``?period=``, ``?grid_id=`` ...). Each request runs in a savepoint
rolled back afterwards (``matrix.isolated``), so each change meets the seeded world as it is.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from tests.security.matrix import API_BODIES, FORM_FIELDS, ROLES, Params, fetch
from tests.security.seed import PIN
from tests.security.test_authorization import MATRIX

_PASSWORD = "another-horse-battery"
# Valid bodies of the page forms the matrix asks bare (their permission check comes first),
# the counter's and the leaders' above all.
FULL_FORMS = {
    ("POST", "/shops/<int:shop_id>/counter/card"): lambda p: {"card": p["token"]},
    ("POST", "/shops/<int:shop_id>/counter/sale"): lambda p: {
        "card": p["token"],
        "pin": PIN,
        f"qty-{p['cheapest_product_id']}": "1",
    },
    ("POST", "/redemptions/<int:redemption_id>/void"): lambda p: {"reason": "退货"},
    ("POST", "/leader/<int:village_id>/households/<int:household_id>/award"): lambda p: {
        "rule_id": p["rule_id"],
        "quantity": "1",
        "memo": "扫雪",
    },
    ("POST", "/leader/<int:village_id>/households/<int:household_id>/preview"): lambda p: {
        "rule_id": p["rule_id"],
        "quantity": "1",
        "memo": "扫雪",
    },
    ("POST", "/leader/<int:village_id>/households/<int:household_id>/board-entry"): lambda p: {
        "rule_id": p["board_rule_id"],
        "quantity": "1",
        "reason": "照顾邻居老人",
    },
    ("POST", "/leader/<int:village_id>/scoring"): lambda p: {
        "period": p["this_period"],
        "grid_id": p["grid_id"],
        f"q-{p['household_id']}-{p['rule_id']}": "1",
    },
    ("POST", "/leader/<int:village_id>/activities"): lambda p: {
        "title": "清扫村道",
        "date": p["today"],
        "place": "村口",
        "rule_id": p["volunteer_rule_id"],
    },
    ("POST", "/leader/<int:village_id>/activities/<int:activity_id>/checkin"): lambda p: {
        "household_id": p["household_id"],
        "member_name": "矩阵成员",
        "q": p["number"],
    },
    (
        "POST",
        "/leader/<int:village_id>/activities/<int:activity_id>/attendances/<int:attendance_id>",
    ): lambda p: {"action": "hours", "hours": "2"},
    ("POST", "/shops/<int:shop_id>/goods"): lambda p: {
        "name": "新商品",
        "points_price": "5",
        "low_stock_at": "5",
        "stock": "10",
    },
    ("POST", "/products/<int:product_id>"): lambda p: {
        "name": "改名商品",
        "points_price": "5",
        "low_stock_at": "5",
        "active": "1",
    },
    ("POST", "/products/<int:product_id>/stock"): lambda p: {
        "quantity": "1",
        "direction": "in",
        "memo": "进货",
    },
    ("POST", "/villages/<int:village_id>/counter-settings"): lambda p: {"pin_required_above": "50"},
    ("POST", "/villages/<int:village_id>/pins"): lambda p: {"number": p["number"], "pin": "135790"},
    ("POST", "/villages/<int:village_id>/shops"): lambda p: {"name": "新商店"},
    ("POST", "/account/password"): lambda p: {
        "password": "not-the-password",
        "new_password": _PASSWORD,
        "new_password_again": _PASSWORD,
    },
    ("POST", "/me/pin"): lambda p: {"pin": PIN, "new_pin": "135790", "new_pin_again": "135790"},
}
FORMS: dict[tuple[str, str], Callable[[Params], dict]] = {**FORM_FIELDS, **FULL_FORMS}

# The odd values that broke requests before, one of a kind each (the guard runs on every
# change: kinds, not variations).
TEXTS = (
    "",
    "-1",
    "9" * 40,  # beyond any id and the database's integer
    "²",  # a digit to str.isdigit, not to int()
    "１２",
    "1e309",  # infinity as a float
    "0001-01-01",
    "\u202e\u200b",  # hidden characters only
    "x" * 3000,
)
JSON_VALUES = (
    None,
    "",
    -1,
    10**40,
    1.5,
    True,
    [],
    "9" * 40,
    "0001-01-01",
    "\u0000",
    "x" * 3000,
)
LEFT_OUT = object()
ZH = {"Accept-Language": "zh-CN"}
# Who sends each write: the first of these the matrix lets past the permission check.
SENDERS = ("adm", "cty", "twp", "lead", "shop", "hh")
# What marshmallow, Flask-WTF's and our own English messages begin with: none may reach a
# Chinese request.
ENGLISH = re.compile(
    r"Not a valid|Missing data|Field may not|Unknown field|Length must|Must be (?:greater|less|"
    r"one of|at)|Invalid (?:input|value)|String does not|must be|is not|not allowed|too long",
)
TEXT = ("text/", "application/json", "application/problem+json")
STABLE_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_form_keys = itertools.count(1)


def sender(method: str, rule: str) -> str | None:
    cells = dict(zip(ROLES, MATRIX[(method, rule)], strict=True))
    for role in SENDERS:
        if cells[role][0] in "23" or cells[role] in ("409", "422"):
            return role
    return None


def writes_with_bodies() -> list[tuple[str, str]]:
    return sorted(
        key for key in {*API_BODIES, *FORMS} if key in MATRIX and sender(*key) is not None
    )


def changed(body: Any, where: tuple, value: Any) -> Any:
    """``body`` with the value at ``where`` (keys and list indexes) replaced, or removed."""
    if not where:
        return value
    head, rest = where[0], where[1:]
    if isinstance(body, dict):
        copy = dict(body)
        if value is LEFT_OUT and not rest:
            copy.pop(head, None)
        else:
            copy[head] = changed(body[head], rest, value)
        return copy
    copy = list(body)
    copy[head] = changed(body[head], rest, value)
    return copy


def places(body: Any, where: tuple = ()) -> Iterator[tuple]:
    """Every key of ``body``'s objects, nested ones included (in a list, its first item's)."""
    if isinstance(body, dict):
        for key, value in body.items():
            if isinstance(value, tuple):  # a file to upload: its own tests vary it
                continue
            yield (*where, key)
            yield from places(value, (*where, key))
    elif isinstance(body, list) and body:
        yield from places(body[0], (*where, 0))


def what_is_wrong(response, api: bool) -> str | None:
    status = response.status_code
    if status >= 500:
        return f"answered {status}"
    text = response.get_data(as_text=True) if response.mimetype.startswith(TEXT) else ""
    if api and status >= 400:
        if response.mimetype != "application/problem+json":
            return f"answered {status} as {response.mimetype}"
        code = (response.get_json() or {}).get("code", "")
        if not STABLE_CODE.match(code):
            return f"answered {status} without a stable code ({code!r})"
    if status >= 400 or not api:
        english = ENGLISH.search(text)
        if english:
            start, end = max(english.start() - 60, 0), english.end() + 60
            return f"answered {status} in English: ...{text[start:end]!r}..."
    return None


@pytest.mark.parametrize(
    ("method", "rule"), writes_with_bodies(), ids=[f"{m} {r}" for m, r in writes_with_bodies()]
)
def test_every_field_refuses_odd_values_clearly(world_app, method, rule):
    app, world, begin = world_app
    role = sender(method, rule)
    api = rule.startswith("/api/")
    # Made anew for each request: a form's file to upload is read by the request.
    valid = (API_BODIES if api else FORMS)[(method, rule)]
    odd_values = JSON_VALUES if api else TEXTS
    findings = []

    for where in places(valid(world.params)):
        for value in (LEFT_OUT, *odd_values):
            body = changed(valid(world.params), where, value)
            if not api:
                body = {"form_key": f"odd-{next(_form_keys)}", **body}
            response = fetch(
                app,
                begin,
                world,
                method,
                rule,
                role,
                body=body,
                headers=ZH,
                follow_redirects=not api,
            )
            wrong = what_is_wrong(response, api)
            if wrong:
                shown = "left out" if value is LEFT_OUT else repr(value)[:40]
                findings.append(f"{'.'.join(map(str, where))} = {shown}: {wrong}")

    assert not findings, f"{method} {rule} as {role}:\n  " + "\n  ".join(findings)


# The API's query parameters are documented and fuzzed from the OpenAPI document
# (``tests/load/test_api_fuzz.py``); a page's are whatever its view reads from ``request.args``.
QUERY_TEXTS = ("", "9" * 40, "²", "1e309", "2026-13", "0001-01-01", "x" * 3000)
READ_FROM_THE_ADDRESS: set[str] = set()
# Pages that read their whole query as a form (``request.args.to_dict()``), and its fields.
QUERY_FORMS = {"/admin/villages/<int:village_id>/households": {"q", "after"}}


class _NoticedArgs(ImmutableMultiDict):
    """A request's query parameters that note the names a view asks for."""

    def get(self, key, *args, **kwargs):
        READ_FROM_THE_ADDRESS.add(key)
        return super().get(key, *args, **kwargs)

    def __getitem__(self, key):
        READ_FROM_THE_ADDRESS.add(key)
        return super().__getitem__(key)


@contextlib.contextmanager
def noticing_what_pages_read(app) -> Iterator[set[str]]:
    original = app.request_class
    app.request_class = type(
        "NoticingRequest", (original,), {"parameter_storage_class": _NoticedArgs}
    )
    READ_FROM_THE_ADDRESS.clear()
    try:
        yield READ_FROM_THE_ADDRESS
    finally:
        app.request_class = original


def pages_to_read() -> list[tuple[str, str]]:
    return sorted(
        (method, rule)
        for method, rule in MATRIX
        if method == "GET" and not rule.startswith(("/api/", "/static/")) and sender(method, rule)
    )


@pytest.mark.parametrize(
    ("method", "rule"), pages_to_read(), ids=[f"{m} {r}" for m, r in pages_to_read()]
)
def test_every_page_refuses_odd_addresses_clearly(world_app, method, rule):
    """Each name the page reads from its address (asked with none), given each odd value."""
    app, world, begin = world_app
    role = sender(method, rule)
    with noticing_what_pages_read(app) as names:
        fetch(app, begin, world, method, rule, role, query={})
    findings = []

    for name in sorted(names | QUERY_FORMS.get(rule, set())):
        for value in QUERY_TEXTS:
            response = fetch(app, begin, world, method, rule, role, query={name: value}, headers=ZH)
            wrong = what_is_wrong(response, api=False)
            if wrong:
                findings.append(f"?{name}={value[:40]!r}: {wrong}")

    assert not findings, f"{method} {rule} as {role}:\n  " + "\n  ".join(findings)
