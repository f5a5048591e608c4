"""Asking one URL rule as one role, for the authorization matrix (see test_authorization.py).

Every request runs inside a savepoint that is rolled back afterwards, so what one request
changes (a sale voided, a PIN changed, a session ended) never changes what the next one sees:
each cell of the matrix is independent of every other.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import orm

from pointsmart import clock
from pointsmart.accounts.auth import SESSION_TOKEN_KEY, VILLAGER_TOKEN_KEY
from pointsmart.extensions import db
from tests.security.seed import PIN, World, png, roster_with_a_taken_number

ROLES = (
    "anon",
    "hh",
    "nbr",
    "hh*",
    "lead",
    "lead*",
    "shop",
    "shop*",
    "adm",
    "adm*",
    "twp",
    "twp*",
    "cty",
)
VILLAGER_ROLES = frozenset({"hh", "nbr", "hh*"})
PARAMETER = re.compile(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>")
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_keys = itertools.count(1)
# ``send``'s default: the valid body of the write.
VALID = object()

Params = dict[str, str]

# A valid request body for each API write, so that the answer shows whether the caller may do
# it (and not merely that an empty body is invalid). Keyed by (method, URL rule).
API_BODIES: dict[tuple[str, str], Callable[[Params], Any]] = {
    ("POST", "/api/v1/villages/<int:village_id>/campaigns"): lambda p: {
        "title": "孝亲敬老之家",
        "rule_id": int(p["board_rule_id"]),
        "seats": 1,
        "nominate_from": p["today"],
        "nominate_until": p["today"],
        "review_until": p["today"],
        "notice_days": 0,
        "quorum": 1,
        "council": [int(p["user_id"])],
    },
    ("POST", "/api/v1/regions/<int:region_id>/campaigns"): lambda p: {
        "title": "十星级文明户",
        "points": 50,
        "seats": 1,
        "nominate_from": p["today"],
        "nominate_until": p["today"],
        "review_until": p["today"],
        "notice_days": 0,
        "quorum": 1,
        "council": [int(p["user_id"])],
    },
    ("POST", "/api/v1/campaigns/<int:campaign_id>/nominations"): lambda p: {
        "household_id": int(p["household_id"]),
        "reason": "照顾老人",
    },
    ("POST", "/api/v1/nominations/<int:nomination_id>/votes"): lambda p: {"approve": True},
    ("POST", "/api/v1/campaigns/<int:campaign_id>/beans"): lambda p: {
        "beans": {p["nomination_id"]: 1}
    },
    ("POST", "/api/v1/nominations/<int:nomination_id>/objections"): lambda p: {"reason": "不服"},
    ("POST", "/api/v1/campaign-objections/<int:campaign_objection_id>/decision"): lambda p: {
        "uphold": False,
        "reason": "不成立",
    },
    ("POST", "/api/v1/villages"): lambda p: {"name": "新建村"},
    ("POST", "/api/v1/regions/<int:region_id>/rule-templates"): lambda p: {"title": "矩阵细则"},
    ("PATCH", "/api/v1/rule-templates/<int:template_id>/draft"): lambda p: {"title": "改名细则"},
    ("POST", "/api/v1/rule-templates/<int:template_id>/publish"): lambda p: {},
    ("POST", "/api/v1/villages/<int:village_id>/rule-template-adoptions"): lambda p: {
        "template_id": int(p["template_id"]),
        "version": int(p["template_version"]),
    },
    ("POST", "/api/v1/villages/<int:village_id>/rule-template-adoptions/preview"): lambda p: {
        "template_id": int(p["template_id"]),
        "version": int(p["template_version"]),
    },
    ("PATCH", "/api/v1/regions/<int:region_id>"): lambda p: {"top3_share_limit": 60},
    ("POST", "/api/v1/regions"): lambda p: {
        "name": "新建镇",
        "level": "township",
        "parent_id": int(p["county_id"]),
    },
    ("POST", "/api/v1/villages/<int:village_id>/grids"): lambda p: {"name": "新网格"},
    ("POST", "/api/v1/villages/<int:village_id>/households"): lambda p: {
        "number": "NEW-1",
        "head_name": "新户主",
    },
    ("POST", "/api/v1/households/<int:household_id>/pin"): lambda p: {"pin": "135790"},
    ("POST", "/api/v1/auth/pin"): lambda p: {"pin": PIN, "new_pin": "135790"},
    ("POST", "/api/v1/villages/<int:village_id>/rules"): lambda p: {
        "code": "newrule",
        "name": "新规则",
        "category": "other",
        "points": 5,
    },
    ("PATCH", "/api/v1/rules/<int:rule_id>"): lambda p: {"name": "改名"},
    ("POST", "/api/v1/transfers"): lambda p: {
        "household_id": int(p["household_id"]),
        "kind": "award",
        "points": 1,
        "category": "other",
        "memo": "matrix",
    },
    ("POST", "/api/v1/transfers/batch"): lambda p: {
        "period": p["this_period"],
        "rule_id": int(p["rule_id"]),
        "entries": [{"household_id": int(p["household_id"]), "quantity": 1}],
    },
    ("POST", "/api/v1/transfers/<int:transfer_id>/reversal"): lambda p: {"reason": "matrix"},
    ("POST", "/api/v1/villages/<int:village_id>/approvals"): lambda p: {
        "household_id": int(p["household_id"]),
        "points": 1,
        "category": "other",
        "memo": "matrix",
    },
    ("POST", "/api/v1/approvals/<int:approval_id>/decision"): lambda p: {
        "approve": False,
        "reason": "matrix",
    },
    ("PATCH", "/api/v1/villages/<int:village_id>/award-settings"): lambda p: {},
    ("POST", "/api/v1/villages/<int:village_id>/activities"): lambda p: {
        "title": "清扫",
        "date": p["today"],
        "rule_id": int(p["volunteer_rule_id"]),
    },
    ("POST", "/api/v1/activities/<int:activity_id>/checkins"): lambda p: {
        "household_id": int(p["household_id"]),
        "member_name": "矩阵成员",  # a member of the household (seed.py): no invented names
    },
    ("POST", "/api/v1/attendances/<int:attendance_id>/checkout"): lambda p: None,
    ("PATCH", "/api/v1/attendances/<int:attendance_id>"): lambda p: {"hours": "2"},
    ("POST", "/api/v1/activities/<int:activity_id>/attendance"): lambda p: [
        {"household_id": int(p["household_id"]), "member_name": "矩阵成员", "hours": "1"}
    ],
    ("POST", "/api/v1/villages/<int:village_id>/board-entries"): lambda p: {
        "household_id": int(p["household_id"]),
        "rule_id": int(p["board_rule_id"]),
        "reason": "矩阵测试",
    },
    ("POST", "/api/v1/board-entries/<int:entry_id>/objections"): lambda p: {
        "reason": "不是我家",
        "household_id": int(p["household_id"]),
    },
    ("POST", "/api/v1/objections/<int:objection_id>/decision"): lambda p: {
        "uphold": False,
        "reason": "核实无误",
    },
    ("POST", "/api/v1/villages/<int:village_id>/shops"): lambda p: {"name": "新商店"},
    ("PUT", "/api/v1/villages/<int:village_id>/sms-settings"): lambda p: {"monthly_cap": 50},
    ("PUT", "/api/v1/households/<int:household_id>/sms-consent"): lambda p: {
        "phone": "13912345678"
    },
    ("PUT", "/api/v1/villages/<int:village_id>/counter-settings"): lambda p: {
        "pin_required_above": None
    },
    ("POST", "/api/v1/shops/<int:shop_id>/products"): lambda p: {
        "name": "新商品",
        "points_price": 5,
    },
    ("PATCH", "/api/v1/products/<int:product_id>"): lambda p: {"name": "改名商品"},
    ("POST", "/api/v1/products/<int:product_id>/stock"): lambda p: {"delta": 1, "memo": "x"},
    ("POST", "/api/v1/redemptions"): lambda p: {
        "household_id": int(p["household_id"]),
        "shop_id": int(p["shop_id"]),
        "items": [{"product_id": int(p["cheapest_product_id"]), "quantity": 1}],
    },
    ("POST", "/api/v1/redemptions/<int:redemption_id>/void"): lambda p: {"reason": "matrix"},
    ("POST", "/api/v1/offline-sales/<int:offline_sale_id>/resolve"): lambda p: {
        "resolution": "write_off"
    },
    ("POST", "/api/v1/auth/token"): lambda p: {"username": "nobody", "password": "wrong-pass"},
}
# Query strings that GET endpoints need.
QUERIES: dict[tuple[str, str], Callable[[Params], str]] = {
    ("GET", "/api/v1/villages/<int:village_id>/ledger/verify-head"): lambda p: (
        f"?hash={p['head_hash']}"
    ),
    ("GET", "/api/v1/transfers/preview"): lambda p: (
        f"?household_id={p['household_id']}&rule_id={p['rule_id']}&quantity=1"
    ),
}
# Form fields (beyond a fresh one-time form key) that pages need to reach their permission check.
FORM_FIELDS: dict[tuple[str, str], Callable[[Params], dict]] = {
    ("POST", "/offline-sales/<int:offline_sale_id>/resolve"): lambda p: {"resolution": "write_off"},
    ("POST", "/regions/<int:region_id>/campaigns"): lambda p: {
        "title": "十星级文明户",
        "points": "50",
        "seats": "1",
        "nominate_from": p["today"],
        "nominate_until": p["today"],
        "review_until": p["today"],
        "notice_days": "0",
        "quorum": "1",
        "council": p["user_id"],
    },
    ("POST", "/leader/<int:village_id>/campaigns"): lambda p: {
        "title": "好婆婆",
        "rule_id": p["board_rule_id"],
        "seats": "1",
        "nominate_from": p["today"],
        "nominate_until": p["today"],
        "review_until": p["today"],
        "notice_days": "0",
        "quorum": "1",
        "council": p["user_id"],
    },
    ("POST", "/leader/campaigns/<int:campaign_id>/nominations"): lambda p: {
        "household_number": p["number"],
        "reason": "照顾老人",
    },
    ("POST", "/leader/nominations/<int:nomination_id>/vote"): lambda p: {"decision": "approve"},
    ("POST", "/leader/campaign-objections/<int:campaign_objection_id>"): lambda p: {
        "decision": "dismiss",
        "reason": "不成立",
    },
    ("POST", "/me/campaigns/<int:campaign_id>/nominations"): lambda p: {
        "household_number": p["number"],
        "reason": "照顾老人",
    },
    ("POST", "/me/campaigns/<int:campaign_id>/beans"): lambda p: {
        f"beans-{p['nomination_id']}": "1"
    },
    ("POST", "/me/nominations/<int:nomination_id>/vote"): lambda p: {"decision": "approve"},
    ("POST", "/me/nominations/<int:nomination_id>/objection"): lambda p: {"reason": "不服"},
    ("POST", "/admin/villages/<int:village_id>"): lambda p: {
        "name": "幸福村",
        "timezone": "Asia/Shanghai",
        "yuan_per_point": "1",
        "approval_threshold": "50",
        "black_board_days": "30",
        "red_board_days": "30",
    },
    ("POST", "/admin/villages/<int:village_id>/grids"): lambda p: {"name": "矩阵网格"},
    ("POST", "/admin/grids/<int:grid_id>"): lambda p: {"name": "改名网格"},
    ("POST", "/admin/villages/<int:village_id>/households"): lambda p: {
        "number": "NEW-1",
        "head_name": "新户主",
    },
    ("POST", "/admin/households/<int:household_id>/edit"): lambda p: {
        "number": p["number"],
        "head_name": p["head_name"],
    },
    ("POST", "/admin/households/<int:household_id>/move"): lambda p: {"grid_id": p["grid_id"]},
    ("POST", "/admin/households/<int:household_id>/members"): lambda p: {
        "name": "新成员",
        "relation": "子女",
    },
    ("POST", "/admin/members/<int:member_id>"): lambda p: {"name": "改名成员", "relation": "配偶"},
    ("POST", "/admin/households/<int:household_id>/pin"): lambda p: {"pin": "135790"},
    ("POST", "/admin/villages/<int:village_id>/rules"): lambda p: {
        "code": "newrule",
        "name": "新规则",
        "category": "other",
        "points": "5",
    },
    ("POST", "/admin/rules/<int:rule_id>/version"): lambda p: {"points": "7"},
    ("POST", "/admin/rules/<int:rule_id>/active"): lambda p: {"active": "0"},
    ("POST", "/admin/villages/<int:village_id>/staff"): lambda p: {
        "username": "matrix-new-leader",
        "password": "another-horse-battery",
        "role": "leader",
    },
    ("POST", "/admin/villages/<int:village_id>/users/<int:user_id>/active"): lambda p: {
        "active": "0"
    },
    ("POST", "/admin/villages/<int:village_id>/users/<int:user_id>/password"): lambda p: {
        "password": "another-horse-battery"
    },
    ("POST", "/admin/villages/<int:village_id>/users/<int:user_id>/roles"): lambda p: {
        "role": "shopkeeper",
        "shop_id": p["shop_id"],
    },
    ("POST", "/admin/villages/<int:village_id>/import"): lambda p: {
        "file": (io.BytesIO(roster_with_a_taken_number(p["number"])), "roster.csv")
    },
    ("POST", "/me/objections/<int:entry_id>"): lambda p: {"reason": "不是我家"},
    ("POST", "/regions/<int:region_id>/townships"): lambda p: {"name": "矩阵镇"},
    ("POST", "/regions/<int:region_id>/rule-templates"): lambda p: {"title": "矩阵细则"},
    ("POST", "/rule-templates/<int:template_id>/draft/title"): lambda p: {"title": "改名细则"},
    ("POST", "/rule-templates/<int:template_id>/draft/entries"): lambda p: {
        "code": "matrix-new",
        "name": "新细则",
        "category": "other",
        "points": "5",
    },
    ("POST", "/rule-templates/<int:template_id>/draft/entries/<int:entry_id>"): lambda p: {
        "code": "matrix-mqsb",
        "name": "改名门前三包",
        "category": "rule",
        "points": "10",
    },
    (
        "POST",
        "/admin/villages/<int:village_id>/rule-templates/<int:template_id>/versions/<int:number>",
    ): lambda p: {f"include-{p['template_entry_id']}": "1"},
    ("POST", "/regions/<int:region_id>/levels"): lambda p: {
        "top3_share_limit": "60",
        "reversal_rate_limit": "10",
    },
    ("POST", "/regions/<int:region_id>/villages"): lambda p: {
        "name": "矩阵村",
        "region_id": p["region_id"],
    },
    ("POST", "/regions/<int:region_id>/village-admins"): lambda p: {
        "village_id": p["village_id"],
        "username": "matrix-new-admin",
        "password": "another-horse-battery",
    },
    ("POST", "/products/<int:product_id>/photo"): lambda p: {"remove": "1"},
    ("POST", "/villages/<int:village_id>/cards/reissue"): lambda p: {"number": p["number"]},
    ("POST", "/admin/villages/<int:village_id>/sms/cap"): lambda p: {"monthly_cap": "50"},
    ("POST", "/admin/villages/<int:village_id>/sms/consents"): lambda p: {
        "number": p["number"],
        "phone": "13912345678",
    },
    ("POST", "/leader/<int:village_id>/approvals/<int:approval_id>"): lambda p: {
        "decision": "reject",
        "reason": "matrix",
    },
    ("POST", "/leader/<int:village_id>/objections/<int:objection_id>"): lambda p: {
        "decision": "dismiss",
        "reason": "核实无误",
    },
    ("POST", "/leader/<int:village_id>/transfers/<int:transfer_id>/reverse"): lambda p: {
        "reason": "matrix"
    },
}


# URL parameters whose value depends on the rule: a name that means something else elsewhere
# (``token`` is a card's token, ``kind`` an image's) or a choice of an ``any(...)`` converter.
RULE_PARAMS: dict[str, Callable[[Params], Params]] = {
    # The county's forms are on the county's page; everything else names the own township.
    "/regions/<int:region_id>/townships": lambda p: {"region_id": p["county_id"]},
    "/regions/<int:region_id>/villages": lambda p: {"region_id": p["county_id"]},
    "/regions/<int:region_id>/village-admins": lambda p: {"region_id": p["county_id"]},
    "/regions/<int:region_id>/levels": lambda p: {"region_id": p["county_id"]},
    # A county's rule templates; ``entry_id`` of a template is a rule of its draft.
    "/regions/<int:region_id>/rule-templates": lambda p: {"region_id": p["county_id"]},
    "/api/v1/regions/<int:region_id>/rule-templates": lambda p: {"region_id": p["county_id"]},
    "/rule-templates/<int:template_id>/versions/<int:number>": lambda p: {
        "number": p["template_version"]
    },
    "/api/v1/rule-templates/<int:template_id>/versions/<int:number>": lambda p: {
        "number": p["template_version"]
    },
    "/admin/villages/<int:village_id>/rule-templates/<int:template_id>/versions/<int:number>": (
        lambda p: {"number": p["template_version"]}
    ),
    "/rule-templates/<int:template_id>/draft/entries/<int:entry_id>": lambda p: {
        "entry_id": p["entry_id_of_draft"]
    },
    "/rule-templates/<int:template_id>/draft/entries/<int:entry_id>/remove": lambda p: {
        "entry_id": p["entry_id_of_draft"]
    },
    "/me/nominations/<int:nomination_id>/objection": lambda p: {
        "nomination_id": p["won_nomination_id"]
    },
    "/leader/campaigns/<int:campaign_id>/notice.pdf": lambda p: {
        "campaign_id": p["published_campaign_id"]
    },
    # Objections are raised against a published winner, in the campaign that is in its notice.
    "/api/v1/nominations/<int:nomination_id>/objections": lambda p: {
        "nomination_id": p["won_nomination_id"]
    },
    "/notify/aliyun/<token>/report": lambda p: {"token": "not-the-callback-token"},
    "/notify/aliyun/<token>/up": lambda p: {"token": "not-the-callback-token"},
    "/admin/villages/<int:village_id>/import/<token>": lambda p: {"token": p["import_token"]},
    "/manifest/<any(counter, me):kind>.webmanifest": lambda p: {"kind": "counter"},
    "/admin/villages/<int:village_id>/import/template.<any(xlsx, csv):kind>": lambda p: {
        "kind": "xlsx"
    },
    "/villages/<int:village_id>/reports/"
    "<any(summary, leaders, leaders12, months):name>.<any(csv, xlsx):fmt>": lambda p: {
        "name": "leaders",
        "fmt": "csv",
    },
    "/villages/<int:village_id>/exports/"
    "<any(households, transfers, redemptions, settlements):name>.<any(csv, xlsx):fmt>": lambda p: {
        "name": "transfers",
        "fmt": "xlsx",
    },
}


def concrete(rule: str, params: Params) -> str:
    """The rule with each ``<converter:name>`` replaced by the seeded object's value."""
    values = {**params, **RULE_PARAMS.get(rule, lambda p: {})(params)}
    return PARAMETER.sub(lambda match: values[match[1]], rule)


def outcome(response) -> str:
    """What the matrix compares: the status, or ``login`` / ``me`` for a redirect to the staff
    or the villager sign-in page."""
    if response.status_code in (301, 302, 303, 307, 308):
        target = urlsplit(response.headers["Location"]).path
        if target == "/login":
            return "login"
        if target == "/me/login":
            return "me"
    return str(response.status_code)


def matches(expected: str, actual: str) -> bool:
    """``2xx`` and ``3xx`` match any status of the class; every other cell matches exactly."""
    if expected in ("2xx", "3xx"):
        return actual.isdigit() and actual[0] == expected[0]
    return expected == actual


class _Session(orm.scoped_session):
    def remove(self):
        """Requests do not close the matrix's session; ``isolated`` does."""


@contextmanager
def isolated(app) -> Iterator[Callable[[], Any]]:
    """Route the app's session through one connection; yield a function that opens a savepoint
    for one request and returns the function that rolls it back."""
    with app.app_context():
        connection = db.engine.connect()
        outer = connection.begin()
        original = db.session
        db.session = _Session(
            orm.sessionmaker(
                bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
            )
        )

        def begin():
            savepoint = connection.begin_nested()

            def undo():
                orm.scoped_session.remove(db.session)
                savepoint.rollback()

            return undo

        try:
            yield begin
        finally:
            orm.scoped_session.remove(db.session)
            db.session = original
            outer.rollback()
            connection.close()


def ask(app, begin, world: World, method: str, rule: str, role: str) -> str:
    """Send ``method rule`` as ``role`` with a valid body; return its outcome. Nothing it
    changes outlives the call."""
    return outcome(fetch(app, begin, world, method, rule, role))


def fetch(app, begin, world: World, method: str, rule: str, role: str, **options: Any):
    """Send ``method rule`` as ``role`` with a valid body (or as ``options`` tell
    :func:`send`); return the (read) response."""
    undo = begin()
    try:
        with clock.historical(world.seeded_at):
            return send(app, world, method, rule, role, **options)
    finally:
        undo()


def valid_body(method: str, rule: str, params: Params) -> Any:
    """The body that reaches the permission check: the JSON of an API write (None: no body),
    or the fields of a page form with a fresh one-time form key."""
    if rule.startswith("/api/"):
        return API_BODIES.get((method, rule), lambda p: {})(params)
    return {
        "form_key": f"matrix-{next(_keys)}",
        **FORM_FIELDS.get((method, rule), lambda p: {})(params),
    }


def send(
    app,
    world: World,
    method: str,
    rule: str,
    role: str,
    *,
    body: Any = VALID,
    headers: dict[str, str] | None = None,
    follow_redirects: bool = False,
    query: dict[str, str] | None = None,
):
    """Send ``method rule`` as ``role``, with ``headers`` besides the caller's; a write carries
    ``body`` (JSON for the API, form fields for a page), the valid one unless given. With
    ``follow_redirects`` the answer is the page redirected to (where a flash is shown);
    ``query`` replaces the rule's own query string."""
    headers = dict(headers or {})
    client = app.test_client()
    token = world.token(role)
    params = world.params
    path = concrete(rule, params)
    if query is None:
        path += QUERIES.get((method, rule), lambda p: "")(params)
    kwargs: dict[str, Any] = {"query_string": query} if query is not None else {}
    if method in WRITES and body is VALID:
        body = valid_body(method, rule, params)
    if path.startswith("/api/"):
        if token:
            headers["Authorization"] = f"Bearer {token}"
        headers["Idempotency-Key"] = f"matrix-{next(_keys)}"
        if (method, rule) == ("PUT", "/api/v1/products/<int:product_id>/photo"):
            kwargs["data"] = {"photo": (_png_file(), "photo.png")}
        elif method in WRITES and body is not None:
            kwargs["json"] = body
    else:
        if token:
            key = VILLAGER_TOKEN_KEY if role in VILLAGER_ROLES else SESSION_TOKEN_KEY
            with client.session_transaction() as session:
                session[key] = token
        if method in WRITES:
            kwargs["data"] = body
    # ``buffered``: a streamed body (the CSV downloads) is read inside the request's own context,
    # before the request's savepoint is rolled back.
    return client.open(
        path,
        method=method,
        headers=headers,
        buffered=True,
        follow_redirects=follow_redirects,
        **kwargs,
    )


def _png_file():
    return io.BytesIO(png())
