"""Every message marshmallow can give our schemas has a Chinese translation to match."""

import inspect

import pytest
from marshmallow import Schema, fields, validate

from pointsmart.validation_messages import TEMPLATES, translate_message, translate_messages

# Messages our schemas never produce: IP fields, dump-only formatting, list validators.
NOT_USED = {
    "Not a valid IP address.",
    "Not a valid IP interface.",
    "Not a valid IPv4 address.",
    "Not a valid IPv4 interface.",
    "Not a valid IPv6 address.",
    "Not a valid IPv6 interface.",
    "Not a valid {obj_type}.",  # listed by type: datetime, date, time
    "Not a valid {awareness} {obj_type}.",  # listed: aware / naive datetime
    '"{input}" cannot be formatted as a {obj_type}.',
    '"{input}" cannot be formatted as a date.',
    "{input!r} cannot be formatted as a timedelta.",
    "One or more of the choices you made was in: {values}.",
    "One or more of the choices you made was not in: {choices}.",
}


def _marshmallow_messages() -> set[str]:
    found = set(Schema._default_error_messages.values())
    for _name, cls in inspect.getmembers(fields, inspect.isclass):
        if issubclass(cls, fields.Field):
            found.update(getattr(cls, "default_error_messages", {}).values())
    for _name, cls in inspect.getmembers(validate, inspect.isclass):
        if issubclass(cls, validate.Validator) and cls is not validate.Range:
            for attribute in ("default_message", "message_min", "message_max", "message_all"):
                found.add(getattr(cls, attribute, None))
            found.add(getattr(cls, "message_equal", None))
    found.discard(None)
    bounds = [(validate.Range(min=1, max=2, **kw), kw) for kw in _inclusive()]
    for rule, _ in bounds:
        found.add(
            rule._format_error(0, rule.message_all).replace("1", "{min}").replace("2", "{max}")
        )
        found.add(rule._format_error(0, rule.message_min).replace("1", "{min}"))
        found.add(rule._format_error(0, rule.message_max).replace("2", "{max}"))
    return {m for m in found if isinstance(m, str)}


def _inclusive():
    return [{"min_inclusive": a, "max_inclusive": b} for a in (True, False) for b in (True, False)]


def test_the_table_covers_every_message_of_the_installed_marshmallow():
    missing = sorted(_marshmallow_messages() - set(TEMPLATES) - NOT_USED)

    assert missing == []


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Missing data for required field.", "缺少必填项。"),
        ("Longer than maximum length 50.", "太长：最多 50。"),
        ("Length must be between 1 and 32.", "长度须在 1 到 32 之间。"),
        (
            "Must be greater than or equal to 1 and less than or equal to 500.",
            "须在 1 到 500 之间。",
        ),
        ("Must be greater than or equal to 1.", "须大于或等于 1。"),
        ("Must be one of: award, deduct.", "须为以下之一：award, deduct。"),
        ("A mobile number has 11 digits and starts with 1.", "手机号是以 1 开头的 11 位数字。"),
        ("须为整数。", "须为整数。"),  # already translated: left as it is
        ("Something we never wrote.", "Something we never wrote."),
    ],
)
def test_a_message_is_translated_with_its_numbers(app, english, chinese):
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert translate_message(english) == chinese
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert translate_message(english) == english


def test_a_nested_messages_tree_keeps_its_shape(app):
    tree = {"members": {0: {"name": ["Missing data for required field."]}}, "q": ["Invalid input."]}

    with app.test_request_context():
        assert translate_messages(tree) == {
            "members": {0: {"name": ["缺少必填项。"]}},
            "q": ["输入无效。"],
        }
