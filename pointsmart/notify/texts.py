"""The words of a text message: always Chinese, in the two templates registered with the
provider (their codes come from ``SMS_TEMPLATE_CHANGE`` and ``SMS_TEMPLATE_SUMMARY``).

Register these template texts with the provider exactly as written here:

* change: ``${household}户${date}${event}${points}分，余额${balance}分。回TD退订``
* summary:
  ``${household}户${month}月得${earned}分，扣${deducted}分，兑换${redeemed}分，余额${balance}分。回TD退订``

A message must fit one SMS, 70 characters, with the provider's sign (``【幸福村积分超市】``,
which the provider puts before it; a sign has at most 12 characters, so the body keeps to
``MAX_BODY`` = 70 - 14): what the points were for is shortened first, then the household
number, so every message fits whatever the rule's name. Lengths are counted as the phone
network counts them, in UCS-2 (UTF-16) units: a rare character outside the Basic
Multilingual Plane (𠮷, many of CJK Extension B) takes two, and a text one unit too long is
sent, and paid for, as two messages.
"""

from __future__ import annotations

import datetime as dt

from ..ledger.models import AWARD, DEDUCT, REDEEM, SHORTFALL

SMS_LENGTH = 70
MAX_SIGN = 12
MAX_BODY = SMS_LENGTH - MAX_SIGN - 2  # the sign's 【】
TEMPLATES = {
    "change": "${household}户${date}${event}${points}分，余额${balance}分。回TD退订",
    "summary": "${household}户${month}月得${earned}分，扣${deducted}分，兑换${redeemed}分，"
    "余额${balance}分。回TD退订",
}
CATEGORY_WORDS = {
    "volunteer": "志愿服务",
    "red": "红榜",
    "black": "黑榜",
    "rule": "村规民约",
    "other": "积分",
}


def sms_length(text: str) -> int:
    """The length of ``text`` in an SMS: UTF-16 code units (two for a character beyond
    U+FFFF)."""
    return len(text.encode("utf-16-le")) // 2


def _body_length(kind: str, params: dict[str, str]) -> int:
    return sms_length(render(kind, params))


def _shortened_number(kind: str, params: dict[str, str], number: str) -> None:
    """Shorten the household number (an ellipsis, then its end) until the body fits."""
    cut = 0
    while _body_length(kind, params) > MAX_BODY and cut < len(number):
        cut += 1
        params["household"] = "…" + number[cut + 1 :]


def render(kind: str, params: dict[str, str]) -> str:
    text = TEMPLATES[kind]
    for name, value in params.items():
        text = text.replace("${" + name + "}", value)
    return text


def _event(kind: str, reversal: bool, what: str) -> str:
    if kind == REDEEM:
        return "退货退回" if reversal else "兑换商品用"
    if kind == AWARD:
        return "更正扣回" if reversal else f"{what}得"
    if kind == DEDUCT:
        return "更正退回" if reversal else f"{what}扣"
    if kind == SHORTFALL:  # an offline sale the household could not pay, charged afterwards
        return "更正退回" if reversal else "离线兑换补扣"
    return what


def change_params(
    *,
    number: str,
    day: dt.date,
    kind: str,
    reversal: bool,
    what: str,
    points: int,
    balance: int,
) -> dict[str, str]:
    """The parameters of a balance-change message, shortened until the text fits."""
    params = {
        "household": number,
        "date": f"{day.month}月{day.day}日",
        "event": _event(kind, reversal, what),
        "points": str(points),
        "balance": str(balance),
    }
    while _body_length("change", params) > MAX_BODY and what:
        what = what[:-1]
        params["event"] = _event(kind, reversal, what + "…" if what else "")
    _shortened_number("change", params, number)  # a very long household number
    return params


def summary_params(
    *, number: str, month: int, earned: int, deducted: int, redeemed: int, balance: int
) -> dict[str, str]:
    params = {
        "household": number,
        "month": str(month),
        "earned": str(earned),
        "deducted": str(deducted),
        "redeemed": str(redeemed),
        "balance": str(balance),
    }
    _shortened_number("summary", params, number)
    return params


def category_words(category: str | None) -> str:
    return CATEGORY_WORDS.get(category or "", "积分")
