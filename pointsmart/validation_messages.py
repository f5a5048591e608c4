"""Validation messages in the reader's language.

marshmallow and webargs word their messages in English and format them before we see them
("Longer than maximum length 50."). :func:`translate_messages` turns a whole messages tree
(field -> messages, nested for lists and nested schemas) into the request's language: a
message that one of marshmallow's templates produced is matched back to its template and
its numbers put into our translation of it; any other message is looked up as it stands
(our schemas' own English messages have their translations in the catalogue too), and a
message already translated is left as it is.

The table below lists marshmallow's templates that our schemas can produce (its fields and
validators); ``tests/test_validation_messages.py`` checks it against the installed
marshmallow, so an upgrade that rewords one fails a test instead of answering in English.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext


def N_(message: str) -> str:
    """Babel's marker: extract the message for translation, translate it later."""
    return message


# marshmallow's template -> our msgid for it (the same words, Babel's placeholders).
TEMPLATES = {
    # fields
    "Missing data for required field.": N_("Missing data for required field."),
    "Field may not be null.": N_("Field may not be null."),
    "Invalid value.": N_("Invalid value."),
    "Invalid type.": N_("Invalid type."),
    "Invalid input type.": N_("Invalid input type."),
    "Unknown field.": N_("Unknown field."),
    "Not a valid string.": N_("Not a valid string."),
    "Not a valid utf-8 string.": N_("Not a valid utf-8 string."),
    "Not a valid integer.": N_("Not a valid integer."),
    "Not a valid number.": N_("Not a valid number."),
    "Number too large.": N_("Number too large."),
    "Special numeric values (nan or infinity) are not permitted.": N_(
        "Special numeric values (nan or infinity) are not permitted."
    ),
    "Not a valid boolean.": N_("Not a valid boolean."),
    "Not a valid list.": N_("Not a valid list."),
    "Not a valid tuple.": N_("Not a valid tuple."),
    "Not a valid mapping type.": N_("Not a valid mapping type."),
    "Not a valid date.": N_("Not a valid date."),
    "Not a valid datetime.": N_("Not a valid datetime."),
    "Not a valid time.": N_("Not a valid time."),
    "Not a valid aware datetime.": N_("Not a valid aware datetime."),
    "Not a valid naive datetime.": N_("Not a valid naive datetime."),
    "Not a valid period of time.": N_("Not a valid period of time."),
    "Not a valid email address.": N_("Not a valid email address."),
    "Not a valid URL.": N_("Not a valid URL."),
    "Not a valid UUID.": N_("Not a valid UUID."),
    "Must be one of: {choices}.": N_("Must be one of: %(choices)s."),
    # validators
    "Length must be between {min} and {max}.": N_("Length must be between %(min)s and %(max)s."),
    "Length must be {equal}.": N_("Length must be %(equal)s."),
    "Longer than maximum length {max}.": N_("Longer than maximum length %(max)s."),
    "Shorter than minimum length {min}.": N_("Shorter than minimum length %(min)s."),
    "Must be greater than or equal to {min} and less than or equal to {max}.": N_(
        "Must be greater than or equal to %(min)s and less than or equal to %(max)s."
    ),
    "Must be greater than {min} and less than {max}.": N_(
        "Must be greater than %(min)s and less than %(max)s."
    ),
    "Must be greater than or equal to {min} and less than {max}.": N_(
        "Must be greater than or equal to %(min)s and less than %(max)s."
    ),
    "Must be greater than {min} and less than or equal to {max}.": N_(
        "Must be greater than %(min)s and less than or equal to %(max)s."
    ),
    "Must be greater than or equal to {min}.": N_("Must be greater than or equal to %(min)s."),
    "Must be greater than {min}.": N_("Must be greater than %(min)s."),
    "Must be less than or equal to {max}.": N_("Must be less than or equal to %(max)s."),
    "Must be less than {max}.": N_("Must be less than %(max)s."),
    "String does not match expected pattern.": N_("String does not match expected pattern."),
    "Invalid input.": N_("Invalid input."),
    "Must be equal to {other}.": N_("Must be equal to %(other)s."),
}

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _pattern(template: str) -> re.Pattern[str]:
    parts, position = [], 0
    for match in _PLACEHOLDER.finditer(template):
        parts.append(re.escape(template[position : match.start()]))
        parts.append(f"(?P<{match[1]}>.+?)")
        position = match.end()
    parts.append(re.escape(template[position:]))
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


# Templates with placeholders, longest first: "Must be greater than or equal to 1." must not
# be read as "Must be greater than {min}." with min = "or equal to 1".
_FORMATTED = sorted(
    ((_pattern(template), msgid) for template, msgid in TEMPLATES.items() if "{" in template),
    key=lambda item: -len(item[0].pattern),
)


def translate_message(message: Any) -> str:
    """One message in the request's language (see the module's docstring)."""
    text = str(message)
    exact = TEMPLATES.get(text)
    if exact is not None:
        return gettext(exact)
    for pattern, msgid in _FORMATTED:
        match = pattern.match(text)
        if match:
            return gettext(msgid, **match.groupdict())
    return gettext(text) if text else text


def translate_messages(messages: Any) -> Any:
    """A messages tree (dicts, lists, strings) with every message translated."""
    if isinstance(messages, dict):
        return {key: translate_messages(value) for key, value in messages.items()}
    if isinstance(messages, list | tuple):
        return [translate_messages(value) for value in messages]
    return translate_message(messages)
