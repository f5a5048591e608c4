"""What a text says and how long it is: one SMS, counted as the phone network counts."""

from __future__ import annotations

import datetime as dt

import pytest

from pointsmart.ledger.models import AWARD, DEDUCT, REDEEM
from pointsmart.notify import texts

SIGN = "【幸福村积分超市】"
MOST = "【" + "签" * texts.MAX_SIGN + "】"  # the longest sign the provider allows


def units(text: str) -> int:
    """UTF-16 code units: what a UCS-2 SMS holds 70 of."""
    return len(text.encode("utf-16-le")) // 2


@pytest.mark.parametrize(
    "what",
    [
        "𠮷" * 40,  # CJK Extension B: two units each
        "𡈼𠀾𪚥村规民约门前三包",
        "门前三包" * 10,
    ],
)
@pytest.mark.parametrize("kind", [AWARD, DEDUCT])
def test_a_rule_name_of_rare_characters_still_fits_one_message(what, kind):
    params = texts.change_params(
        number="XF-001",
        day=dt.date(2026, 12, 31),
        kind=kind,
        reversal=False,
        what=what,
        points=100,
        balance=-12345,
    )
    body = texts.render("change", params)
    assert units(MOST + body) <= texts.SMS_LENGTH
    assert body.startswith("XF-001户12月31日")
    assert body.endswith("100分，余额-12345分。回TD退订")


def test_a_long_household_number_of_rare_characters_is_shortened_to_fit():
    params = texts.change_params(
        number="𠮷" * 30,
        day=dt.date(2026, 12, 31),
        kind=REDEEM,
        reversal=True,
        what="",
        points=100000,
        balance=-100000,
    )
    body = texts.render("change", params)
    assert units(MOST + body) <= texts.SMS_LENGTH
    assert body.startswith("…𠮷")
    summary = texts.render(
        "summary",
        texts.summary_params(
            number="𠮷" * 30, month=12, earned=100, deducted=5, redeemed=40, balance=55
        ),
    )
    assert units(MOST + summary) <= texts.SMS_LENGTH
    assert summary.startswith("…𠮷")


def test_an_ordinary_text_is_left_whole():
    params = texts.change_params(
        number="XF-001",
        day=dt.date(2026, 3, 5),
        kind=AWARD,
        reversal=False,
        what="门前三包",
        points=10,
        balance=30,
    )
    assert texts.render("change", params) == "XF-001户3月5日门前三包得10分，余额30分。回TD退订"
    assert units(SIGN + texts.render("change", params)) <= texts.SMS_LENGTH
