"""What the provider pushes to us: delivery receipts and replies (Alibaba Cloud SMS's
"HTTP 批量推送" of ``SmsReport`` and ``SmsUp``, JSON arrays).

Authentication: Alibaba Cloud documents no signature on these pushes; the console only holds
the receiving URL. So the URL itself carries the secret ``SMS_CALLBACK_TOKEN`` (give the
console ``https://<host>/notify/aliyun/<token>/report`` and ``.../up``), compared in constant
time; without a token set, or with a wrong one, the endpoints answer 404 as if they did not
exist. A push changes nothing but receipts and stops (it never sends or spends anything), and
the worker also learns each message's fate by asking the provider (``QuerySendDetails``,
signed by the SDK) whenever an answer was lost.

Answers are what the provider expects: ``{"code": 0, "msg": "接收成功"}`` (it retries on
anything else, so a push is handled the same however often it comes). Refusals (a wrong
token, a body that is no list of receipts) are problem+json, as everywhere a machine calls.
"""

from __future__ import annotations

import hmac

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, jsonify, request

from ..database import utcnow
from ..errors import speaks_json
from ..extensions import csrf, db
from .models import DELIVERED, SENDING, SENT, UNDELIVERED, UNKNOWN, OutboxMessage
from .provider import provider_settings
from .service import is_stop_reply, stop_by_reply

bp = speaks_json(Blueprint("notify_callbacks", __name__))
csrf.exempt(bp)  # the provider posts JSON and cannot hold a CSRF token


def _check_token(token: str) -> None:
    expected = provider_settings(current_app.config)["SMS_CALLBACK_TOKEN"]
    if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
        abort(404)


def _items() -> list[dict]:
    body = request.get_json(silent=True)
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        abort(400)
    return body


def _biz_id(item: dict) -> str | None:
    """The provider's id of the message (``BizId``), or None: one longer than the column
    holds is no id the provider gives (they are some twenty characters), and storing it would
    fail on PostgreSQL, after which the provider would push the receipt again forever."""
    biz_id = str(item.get("biz_id") or "")
    if not biz_id or len(biz_id) > OutboxMessage.__table__.c.provider_id.type.length:
        return None
    return biz_id


def _received():
    return jsonify({"code": 0, "msg": "接收成功"})


@bp.route("/notify/aliyun/<token>/report", methods=["POST"])
def delivery_report(token: str):
    """SmsReport: the carrier's receipt for each message (by our key, ``out_id``)."""
    _check_token(token)
    table = OutboxMessage.__table__
    for item in _items():
        key = str(item.get("out_id") or "")
        if not key:
            continue
        delivered = item.get("success") is True
        db.session.execute(
            table.update()
            .where(
                table.c.message_key == key,
                table.c.status.in_((SENT, UNKNOWN, SENDING, DELIVERED, UNDELIVERED)),
            )
            .values(
                status=DELIVERED if delivered else UNDELIVERED,
                provider_id=sa.func.coalesce(table.c.provider_id, _biz_id(item)),
                sent_at=sa.func.coalesce(table.c.sent_at, utcnow()),
                receipt_code=str(item.get("err_code") or "")[:40],
                receipt_at=utcnow(),
            )
        )
    return _received()


@bp.route("/notify/aliyun/<token>/up", methods=["POST"])
def reply(token: str):
    """SmsUp: a reply from a phone; a stop word (TD, 退订, ...) stops its texts."""
    _check_token(token)
    for item in _items():
        phone = str(item.get("phone_number") or "")
        if phone and is_stop_reply(str(item.get("content") or "")):
            stop_by_reply(phone)
    return _received()
