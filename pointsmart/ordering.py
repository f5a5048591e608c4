"""The order people expect for names: 一组, 二组, 三组, ... 十组, 十一组; 大米 before 酱油.

A name is read as a run of parts: numbers (Arabic digits, or Chinese numerals such as 十二 or
二〇二六) compare by their value, and text compares by its pinyin (pypinyin, with the tone
number, so 妈 má comes before 马 mǎ), letters without regard to case. A number comes before
text at the same place, as in a dictionary ("3号楼" before "东楼"). Two names that read the same
(一组 and 1组) keep a stable order by their characters.

Sorting by the database's collation instead gives character-code order (一组, 三组, 二组), and
PostgreSQL and SQLite would not even agree on it; the lists sorted here are short (a village's
grids, a shop's goods), so they are sorted in Python after the query.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")

DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6,
          "七": 7, "八": 8, "九": 9}  # fmt: skip
UNITS = {"十": 10, "百": 100, "千": 1000}
_PARTS = re.compile(r"(\d+|[零〇一二两三四五六七八九十百千]+)")

# A part of a key: (0, number) for a number, (1, syllables) for text, so they never meet in a
# comparison of unlike values.
Part = tuple[int, int | tuple[str, ...]]


def chinese_number(text: str) -> int | None:
    """The value of Chinese numerals below 10,000 (十二 -> 12, 一百零五 -> 105, 二〇二六 ->
    2026), or None when the characters do not form a number (十十, 零一百).

    Written here rather than taken from a library (cn2an) because the names we order need only
    these few characters, and the library would bring two more dependencies with it.
    """
    if not text:
        return None
    if not any(char in UNITS for char in text):
        return int("".join(str(DIGITS[char]) for char in text))  # read digit by digit
    total, digit, last_unit, after_zero = 0, None, 10_000, False
    for char in text:
        if char in DIGITS:
            if digit is not None:
                return None  # two digits in a row: 一二十
            digit = DIGITS[char]
            if digit == 0:
                if not total:
                    return None  # 零一百
                after_zero, digit = True, None
        else:
            unit = UNITS[char]
            if unit >= last_unit:
                return None  # units must fall: 十百
            if digit is None:
                if total or after_zero:
                    return None  # 一百十 is not written; 一百一十 is
                digit = 1  # 十二: a leading 十 is 一十
            total += digit * unit
            digit, last_unit, after_zero = None, unit, False
    if digit is not None:
        total += digit
    return total


@lru_cache(maxsize=4096)
def natural_key(name: str) -> tuple[tuple[Part, ...], str]:
    """The sort key of ``name`` (see the module's docstring)."""
    parts: list[Part] = []
    for index, piece in enumerate(_PARTS.split(name or "")):
        if not piece:
            continue
        if index % 2:  # a run of digits or of Chinese numerals
            value = int(piece) if piece.isdigit() else chinese_number(piece)
            if value is not None:
                parts.append((0, value))
                continue
        syllables = lazy_pinyin(piece, style=Style.TONE3, errors="default")
        parts.append((1, tuple(s.casefold() for s in syllables if s.strip())))
    return tuple(parts), name or ""


def natural_sorted(items: Iterable[T], name: Callable[[T], str] = str) -> list[T]:
    """``items`` in the natural order of ``name(item)``."""
    return sorted(items, key=lambda item: natural_key(name(item)))
