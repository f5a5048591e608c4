"""How a household's entries read, on its page, on the card page and aloud, in plain words.

One place decides the words, so ``/me`` and the card page say the same thing:

* an entry reads as what happened and what for: "获得：门前三包", "兑换商品：毛巾 ×1";
* a reversal (撤销, the one word for it everywhere) reads as what it undid: "撤销兑换：毛巾 ×1",
  with the reason when someone gave one (a shop's void without a reason records only
  "撤销兑换 54", which says nothing to a villager and is left out);
* points carry their sign the same way everywhere: +10 came in, −10 went out (a real minus
  sign, U+2212);
* read aloud, an entry is a sentence: "12月3日，兑换商品：毛巾 1 件，减 40 分。" with the date
  in the village's time zone as people say it, "1 件" instead of "x1", no code or id.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..counter.models import Redemption, RedemptionItem
from ..extensions import db

KIND_WORDS = {
    "award": _l("Earned"),
    "deduct": _l("Deducted"),
    "redeem": _l("Exchanged for goods"),
    "settle": _l("Settled"),
    "expire": _l("Cleared at the year's end"),
    # An offline exchange the household's points did not cover; the committee charged it.
    "shortfall": _l("Exchanged offline, points short"),
}
UNDONE_WORDS = {
    "award": _l("Award undone"),
    "deduct": _l("Deduction undone"),
    "redeem": _l("Exchange undone"),
    "settle": _l("Settlement undone"),
    "expire": _l("Clearing undone"),
    "shortfall": _l("Offline charge undone"),
}
CATEGORY_WORDS = {
    "volunteer": _l("Volunteering"),
    "red": _l("Red list"),
    "black": _l("Black list"),
    "rule": _l("Village rule"),
    "other": _l("Other"),
}


@lru_cache(maxsize=8)
def _void_reason_pattern(language: str) -> re.Pattern[str]:
    with force_locale(language):
        template = _("Sale %(id)s voided")
    return re.compile(re.escape(template).replace(re.escape("%(id)s"), r"\d+") + r"\Z")


def is_default_void_reason(text: str) -> bool:
    """A void's reason that the shop did not write ("撤销兑换 54", "Sale 54 voided")."""
    return any(_void_reason_pattern(language).match(text) for language in ("zh_Hans_CN", "en"))


def goods_of(transfer_ids: Iterable[int]) -> dict[int, list[tuple[str, int]]]:
    """The goods (name, quantity) of the sales among ``transfer_ids``, by transfer id."""
    ids = list(set(transfer_ids))
    if not ids:
        return {}
    lines: dict[int, list[tuple[str, int]]] = {}
    for row in db.session.execute(
        sa.select(Redemption.transfer_id, RedemptionItem.name, RedemptionItem.quantity)
        .join(RedemptionItem, RedemptionItem.redemption_id == Redemption.id)
        .where(Redemption.transfer_id.in_(ids))
        .order_by(RedemptionItem.id)
    ):
        lines.setdefault(row.transfer_id, []).append((row.name, row.quantity))
    return lines


def made_times(transfer_ids: Iterable[int]) -> dict[int, dt.datetime]:
    """When each offline sale among ``transfer_ids`` was made at the counter, by transfer id
    (a sale made online is not listed: it was made when it was posted)."""
    ids = list(set(transfer_ids))
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Redemption.transfer_id, Redemption.made_at).where(
                Redemption.transfer_id.in_(ids), Redemption.made_at.is_not(None)
            )
        ).all()
    )


def goods_text(lines: list[tuple[str, int]]) -> str:
    return "、".join(f"{name} ×{quantity}" for name, quantity in lines)


def goods_spoken(lines: list[tuple[str, int]]) -> str:
    return _(", ").join(_("%(name)s, quantity %(n)s", name=name, n=n) for name, n in lines)


def spoken_date(moment: dt.datetime) -> str:
    """The day as people say it: 12月3日, December 3."""
    return format_skeleton("MMMMd", moment, locale=get_locale())


def describe(entries: list[dict[str, Any]], timezone: str) -> list[dict[str, Any]]:
    """``entries`` (transfer views of one household, each with ``what`` and, for a reversal,
    ``reverses``: the entry it undid, or None) with the words to show and to say:
    ``local_time``, ``kind_words``, ``what``, ``reason`` (a reversal's, when worth showing),
    ``head`` and ``spoken``."""
    zone = ZoneInfo(timezone)
    sales = [e["id"] for e in entries if e["kind"] == "redeem" and not e["reverses_id"]]
    sales += [e["reverses_id"] for e in entries if e["kind"] == "redeem" and e["reverses_id"]]
    goods = goods_of(sales)
    made = made_times(e["id"] for e in entries if e["kind"] == "redeem" and not e["reverses_id"])
    for entry in entries:
        entry["local_time"] = entry["created_at"].astimezone(zone)
        # An offline sale shows both times: when it was made and when it reached the ledger.
        entry["made_time"] = made[entry["id"]].astimezone(zone) if entry["id"] in made else None
        sold = goods.get(entry["reverses_id"] or entry["id"]) if entry["kind"] == "redeem" else None
        if entry["reverses_id"]:
            original = entry.get("reverses")
            entry["kind_words"] = str(UNDONE_WORDS.get(entry["kind"], entry["kind"]))
            reason = entry["memo"] or ""
            if original is not None:
                entry["what"] = original["what"]
            if entry["kind"] == "redeem" and is_default_void_reason(reason):
                reason = ""
            entry["reason"] = reason if reason and reason != entry["what"] else ""
        else:
            entry["kind_words"] = str(KIND_WORDS.get(entry["kind"], entry["kind"]))
            entry["reason"] = ""
        if sold:
            entry["what"] = goods_text(sold)
        entry["head"] = (
            _("%(kind)s: %(what)s", kind=entry["kind_words"], what=entry["what"])
            if entry["what"]
            else entry["kind_words"]
        )
        entry["spoken"] = spoken_entry(entry, goods_spoken(sold) if sold else entry["what"])
    return entries


def spoken_entry(entry: dict[str, Any], what: str) -> str:
    """One entry as a sentence to read aloud."""
    amount = entry["amount"]
    points = (
        _("plus %(points)s points", points=amount)
        if amount > 0
        else _("minus %(points)s points", points=-amount)
    )
    parts = [spoken_date(entry["local_time"]), entry["kind_words"]]
    if what:
        parts[-1] = _("%(kind)s: %(what)s", kind=entry["kind_words"], what=what)
    if entry.get("reason"):
        parts.append(_("because: %(reason)s", reason=entry["reason"]))
    parts.append(points)
    return _(", ").join(parts) + _(".")
