"""Every message has a Chinese translation, and the API answers in the caller's language."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import pointsmart

PACKAGE = Path(pointsmart.__file__).resolve().parent
ROOT = PACKAGE.parent
CHINESE_PO = PACKAGE / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
FIX = "run `make extract-messages`, then translate in " + str(CHINESE_PO.relative_to(ROOT))


@pytest.fixture(scope="module")
def chinese():
    with CHINESE_PO.open("rb") as po:
        return read_po(po)


def _strings(value):
    return value if isinstance(value, tuple) else (value,)


def test_every_message_has_a_chinese_translation(chinese):
    untranslated = [
        message.id
        for message in chinese
        if message.id
        and (
            message.fuzzy
            or not all(isinstance(s, str) and s.strip() for s in _strings(message.string))
        )
    ]

    assert untranslated == [], f"empty or fuzzy translations ({FIX}): {untranslated}"


def test_translations_keep_the_placeholders(chinese):
    problems = [
        (message.id, [str(error) for error in errors]) for message, errors in chinese.check()
    ]

    assert problems == []


def test_an_api_problem_title_is_chinese_by_default(api):
    response = api.request("GET", "/villages", expect=401)

    assert response.get_json()["title"] == "请先登录：令牌缺失或无效。"


def test_an_api_problem_title_is_english_for_an_english_client(api):
    response = api.request("GET", "/villages", expect=401, headers={"Accept-Language": "en"})

    assert response.get_json()["title"] == "Sign in first: the token is missing or bad."
