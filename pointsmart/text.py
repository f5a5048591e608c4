"""Names and household numbers as people type and paste them: one spelling for one thing.

A name (of a person, a household head, a member, a village, a grid, a shop, goods, a rule, an
activity) is refused at the edge (422 with field errors; a row problem in a roster import) when
it holds a character no one can see or that changes what others see:

* control characters (``张\\x07三``), which also break spreadsheets;
* format characters: zero-width spaces and joiners, the byte order mark, soft hyphens, and
  the bidirectional embeddings, overrides and isolates that make text read backwards;
* line and paragraph separators, unassigned and private-use code points, surrogates;
* letters that print as nothing (the Hangul fillers, the blank Braille pattern, the
  combining grapheme joiner).

Otherwise a name is put in Unicode's composed form (NFC) and its spaces tidied (any run of
spaces, including the ideographic space, becomes one ASCII space; none at either end).
Variation selectors stay: rare characters of Chinese names are written with them.

Free text people write to be read by others (a reason on the red and black board, an
objection, a memo, a note) is held to the same rule, but may break lines: a tab is a space,
every line break ``\n``, and the text is composed (NFC) with no blank at either end.

A phone number is written as its digits: ``+86 137-0000-0002``, ``137 0000 0002`` and
``１３７０００００００２`` are all ``13700000002``.

A household number is a code, so it is also folded to its compatibility form (NFKC: a
full-width ``１`` is ``1``) and every dash is the ASCII hyphen-minus, so ``XF-00１`` and
``XF‐001`` are the number ``XF-001``.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields

from .errors import ValidationFailed

# NUL cannot be stored by PostgreSQL and lone surrogates cannot be encoded as UTF-8: text
# carrying either is refused at the door (``request_cycle``), before it can reach a
# fingerprint or the database, and in a roster's cells.
UNSAFE_TEXT = re.compile("[\x00\ud800-\udfff]")

REFUSED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")
# Characters that turn text around: refused in names, blanked in exports.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_SPACES = re.compile(r"\s+")  # Unicode's white space: NBSP and the ideographic space too


def hidden_character(text: str) -> str | None:
    """The first character of ``text`` that a name may not hold, or None."""
    for char in text:
        if unicodedata.category(char) in REFUSED_CATEGORIES or char in BLANK_LETTERS:
            return char
    return None


def name_problem(text: str) -> str | None:
    """Why ``text`` cannot be a name (in the request's language), or None when it can."""
    char = hidden_character(text)
    if char is None:
        return None
    code = f"U+{ord(char):04X}"
    if unicodedata.category(char) == "Cc":
        return str(_l("Contains a control character (%(code)s).", code=code))
    return str(
        _l(
            "Contains an invisible or text-direction character (%(code)s): type it again.",
            code=code,
        )
    )


def clean_name(text: str) -> str:
    """A name in NFC with its spaces tidied (see the module's docstring)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


MINUS = "\u2212"


def signed_points(value: int) -> str:
    """Points with their sign, the same on every page: +10, −10 (a real minus sign) or 0."""
    if value > 0:
        return f"+{value}"
    if value < 0:
        return f"{MINUS}{-value}"
    return "0"


def figure(value: Any) -> str:
    """A figure as a person reads it: below zero with a real minus sign (−30, −15.00), as
    :func:`signed_points` writes it, anything else as it is (no plus sign)."""
    text = str(value)
    return MINUS + text[1:] if text.startswith("-") else text


def clean_username(text: str) -> str:
    """A username in NFKC, trimmed: typed in a Chinese input method's full-width mode
    (ｘｉａｏｌｉ), it is the name typed in half-width."""
    return unicodedata.normalize("NFKC", text).strip()


# Read as a dash in a household number though Unicode files them as symbols: the minus signs
# that Word and Excel put where a hyphen was typed, and that look the same.
_MINUS_SIGNS = frozenset("\u2212\u02d7\u2796")


def clean_number(text: str) -> str:
    """A household number in NFKC, dashes (and minus signs) as ``-``, spaces tidied."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(
        "-" if unicodedata.category(c) == "Pd" or c in _MINUS_SIGNS else c for c in folded
    )
    return _SPACES.sub(" ", folded).strip()


class Name(fields.Str):
    """A marshmallow string field for a name: refused with hidden characters, else cleaned.

    Validators (``Length``) see the cleaned name.
    """

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = name_problem(text)
        if problem:
            raise ValidationError(problem)
        return self.clean(text)

    def clean(self, text: str) -> str:
        return clean_name(text)


# Every way a text breaks its lines, as ``\n``: CR LF, CR, NEL, the line and paragraph
# separators.
_LINE_BREAKS = re.compile("\r\n|[\r\x85\u2028\u2029]")
ZERO_WIDTH_JOINER = "\u200d"
SOFT_HYPHEN = "\u00ad"


def clean_text(text: str) -> str:
    """Free text with its line breaks as ``\n``, its tabs as spaces and no soft hyphen (text
    pasted from a document carries them, and they print as nothing), composed (NFC), with no
    blank at either end; its hidden characters are for :func:`text_problem`."""
    text = _LINE_BREAKS.sub("\n", text).replace("\t", " ").replace(SOFT_HYPHEN, "")
    return unicodedata.normalize("NFC", text).strip()


def text_problem(text: str) -> str | None:
    """Why free text cannot be taken (as :func:`name_problem`, line breaks allowed, and the
    joiner inside an emoji such as 🧑‍🌾), or None."""
    cleaned = clean_text(text)
    return name_problem(_without_emoji_joiners(cleaned).replace("\n", ""))


def _without_emoji_joiners(text: str) -> str:
    """``text`` without the zero-width joiners that join two pictures into one emoji (between
    symbols, a variation selector or a skin tone before the joiner); a joiner anywhere else
    is kept, to be refused."""
    kept = []
    for index, char in enumerate(text):
        if char == ZERO_WIDTH_JOINER and 0 < index < len(text) - 1:
            before, after = text[index - 1], text[index + 1]
            if (
                unicodedata.category(before) in ("So", "Sk", "Mn")
                and unicodedata.category(after) == "So"
            ):
                continue
        kept.append(char)
    return "".join(kept)


MAX_REASON = 500


def reason_text(text: str | None, field: str = "reason", *, longest: int = MAX_REASON) -> str:
    """A reason a service keeps (an entry's, an objection's, a decision's): given, at most
    ``longest`` characters, no hidden character; cleaned as :func:`clean_text`. Raises
    ``ValidationFailed`` on ``field``."""
    cleaned = clean_text(text or "")
    problem = text_problem(cleaned)
    if problem:
        raise ValidationFailed(errors={field: [problem]})
    if not cleaned:
        raise ValidationFailed(errors={field: [str(_l("Say why, in words."))]})
    if len(cleaned) > longest:
        raise ValidationFailed(
            errors={field: [str(_l("At most %(max)s characters.", max=longest))]}
        )
    return cleaned


class Text(fields.Str):
    """A marshmallow string field for free text (a memo, a note, a reason): refused with
    hidden characters (line breaks apart), else cleaned (:func:`clean_text`). Validators
    (``Length``) see the cleaned text. Blanks alone, where the field's default is None,
    are none given (a memo of spaces is no memo)."""

    def deserialize(self, value: Any, attr=None, data=None, **kwargs):
        if self.load_default is None and isinstance(value, str) and not clean_text(value):
            value = None  # given as None: no validator runs on it
        return super().deserialize(value, attr, data, **kwargs)

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text)
        if problem:
            raise ValidationError(problem)
        return clean_text(text)


def clean_digits(text: str) -> str:
    """A PIN or a code as typed on any keyboard: full-width digits folded (an input method in
    full-width mode types ``１２３``), blanks dropped. What is left is for the caller to check."""
    return "".join(unicodedata.normalize("NFKC", text).split())


class Digits(fields.Str):
    """A marshmallow string field for digits typed by a person (:func:`clean_digits`);
    validators see the folded text."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        return clean_digits(super()._deserialize(value, attr, data, **kwargs))


# A Chinese mobile number, as :func:`clean_phone` writes it.
MOBILE = re.compile(r"^1[3-9][0-9]{9}\Z")
_CHINA = ("+86", "0086")


def clean_phone(text: str) -> str:
    """A phone number as people write it, as its digits: full-width digits folded, blanks,
    dashes, dots and brackets dropped, and China's code (+86, 0086) taken off. Whether what
    is left is a mobile number is for :data:`MOBILE` to say."""
    folded = unicodedata.normalize("NFKC", text)
    digits = "".join(
        c
        for c in folded
        if not (c.isspace() or c == "." or unicodedata.category(c) in ("Pd", "Ps", "Pe"))
    )
    for prefix in _CHINA:
        if digits.startswith(prefix):
            return digits[len(prefix) :]
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def phone_problem(phone: str) -> str | None:
    """Why a cleaned phone number is no mobile number, or None."""
    if MOBILE.match(phone):
        return None
    return str(_l("A mobile number has 11 digits and starts with 1."))


class Phone(fields.Str):
    """A marshmallow string field for a mobile number, cleaned (:func:`clean_phone`) and
    refused unless it is one."""

    def _deserialize(self, value: Any, attr, data, **kwargs) -> str:
        phone = clean_phone(super()._deserialize(value, attr, data, **kwargs))
        problem = phone_problem(phone)
        if problem:
            raise ValidationError(problem)
        return phone


class HouseholdNumber(Name):
    """A household number: as :class:`Name`, folded as :func:`clean_number`."""

    def clean(self, text: str) -> str:
        return clean_number(text)


MASK = "*"


def mask_name(name: str) -> str:
    """Keep the first and last character and mask the middle: 张小明 -> 张*明, 欧阳小明 -> 欧*明,
    张明 -> 张*, 张 -> 张. Surrounding spaces are ignored; an empty name stays empty."""
    name = (name or "").strip()
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + MASK
    return name[0] + MASK + name[-1]
