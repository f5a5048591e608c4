"""One word for undoing an entry: 撤销, everywhere a person reads it.

The pages used 冲正 (the bank clerk's word), 撤销 and 作废 for the same thing: an entry that
takes back an earlier one. 撤销 is the word a villager, a shopkeeper and a clerk all say and
understand ("撤销这笔兑换"), while 冲正 is accounting jargon few in a village know; so every
message, template and script says 撤销.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po

import pointsmart

PACKAGE = Path(pointsmart.__file__).resolve().parent
CHINESE_PO = PACKAGE / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
OTHER_WORDS = ("冲正", "作废", "红冲")


def test_every_chinese_message_about_a_reversal_or_a_void_says_che_xiao():
    with CHINESE_PO.open("rb") as po:
        catalogue = read_po(po)
    about_undoing = [
        message
        for message in catalogue
        if message.id and any(w in str(message.id).lower() for w in ("revers", "void"))
    ]
    assert len(about_undoing) > 10  # the walk found them
    other = [m.id for m in catalogue if m.id and any(w in str(m.string) for w in OTHER_WORDS)]

    assert other == []
    assert [m.id for m in about_undoing if "撤销" not in str(m.string)] == []


def test_no_template_script_or_code_uses_another_word():
    found = [
        f"{path.relative_to(PACKAGE)}: {word}"
        for pattern in ("*.py", "*.html", "*.js")
        for path in PACKAGE.rglob(pattern)
        if "vendor" not in path.parts
        for word in OTHER_WORDS
        if word in path.read_text(encoding="utf-8")
    ]

    assert found == []
