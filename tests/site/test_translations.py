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


# --- code strings: every msgid the code gives, and every API problem title ------------------


def _code_messages():
    """Every (msgid, plural) that ``make extract-messages`` finds in the code and templates."""
    from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    with (ROOT / "babel.cfg").open() as config:
        method_map, options_map = parse_mapping_cfg(config)
    keywords = {**DEFAULT_KEYWORDS, "_l": None}
    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map, options_map, keywords=keywords
    ):
        found.add(message if isinstance(message, tuple) else (message, None))
    return sorted(found, key=str)


def _problem_classes():
    """Every Problem subclass of the package (each module imported so none is missed)."""
    import importlib
    import pkgutil

    from pointsmart.errors import Problem

    for module in pkgutil.walk_packages([str(PACKAGE)], prefix="pointsmart."):
        importlib.import_module(module.name)
    seen, todo = [], [Problem]
    while todo:
        cls = todo.pop()
        seen.append(cls)
        todo.extend(cls.__subclasses__())
    return seen


def test_every_string_in_the_code_has_a_chinese_translation_in_the_compiled_catalogue(app):
    from flask_babel import get_translations

    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        translations = get_translations()
        missing = []
        for singular, plural in _code_messages():
            if plural is None:
                ok = translations.gettext(singular) != singular
            else:
                ok = translations.ngettext(singular, plural, 2) not in (singular, plural)
            if not ok:
                missing.append(singular)

    assert missing == [], f"no Chinese in the compiled catalogue ({FIX}, make translations)"


def test_every_problem_title_has_a_chinese_translation(app):
    from pointsmart.errors import _HTTP_CODES

    titles = {}
    for cls in _problem_classes():
        titles[f"{cls.__module__}.{cls.__qualname__}"] = cls.title
    for status, (_code, title) in _HTTP_CODES.items():
        titles[f"HTTP {status}"] = title
    assert len(titles) > 20  # the walk found the domain packages' problems too

    with app.test_request_context("/?lang=en"):
        english = {name: str(title) for name, title in titles.items()}
    with app.test_request_context("/?lang=zh_Hans_CN"):
        chinese = {name: str(title) for name, title in titles.items()}

    untranslated = sorted(name for name in titles if chinese[name] == english[name])
    assert untranslated == [], f"problem titles without Chinese ({FIX}): {untranslated}"
    not_lazy = sorted(name for name, title in titles.items() if isinstance(title, str))
    assert not_lazy == [], "titles must be lazy_gettext so each request gets its language"


@pytest.mark.parametrize(
    ("accept", "title"),
    [
        ("zh-CN,zh;q=0.9", "未找到。"),
        ("en-US,en;q=0.8", "Not found."),
    ],
)
def test_a_service_problem_title_follows_accept_language(api, make, accept, title):
    admin = make.staff("admin")
    response = api.request(
        "GET", "/villages/999999", expect=404, as_=admin, headers={"Accept-Language": accept}
    )

    assert response.get_json()["title"] == title
    assert response.get_json()["code"] == "not_found"


# --- validation messages follow Accept-Language too (marshmallow and webargs included) -------

TOO_LONG = {"name": "村" * 101, "approval_threshold": "many"}


@pytest.mark.parametrize(
    "accept",
    [None, "zh-CN", "zh-CN,en;q=0.8", "zh-CN;q=0.9,en-US;q=0.8", "zh-TW", "zh-Hans, en", "fr"],
)
def test_a_chinese_or_unknown_client_gets_chinese_titles_and_field_messages(api, make, accept):
    admin = make.staff("admin")
    headers = {"Accept-Language": accept} if accept else {}

    body = api.request(
        "POST", "/villages", json=TOO_LONG, expect=422, as_=admin, headers=headers
    ).get_json()

    assert body["title"] == "部分字段填写有误。"
    assert body["errors"] == {
        "name": ["长度须在 1 到 100 之间。"],
        "approval_threshold": ["须为整数。"],
    }


@pytest.mark.parametrize("accept", ["en", "en-US,en;q=0.9,zh-CN;q=0.8", "en-GB, zh;q=0.5"])
def test_an_english_first_client_gets_english_titles_and_field_messages(api, make, accept):
    admin = make.staff("admin")

    body = api.request(
        "POST", "/villages", json=TOO_LONG, expect=422, as_=admin,
        headers={"Accept-Language": accept},
    ).get_json()  # fmt: skip

    assert body["title"] == "Some fields are not valid."
    assert body["errors"] == {
        "name": ["Length must be between 1 and 100."],
        "approval_threshold": ["Not a valid integer."],
    }


def test_missing_fields_and_our_own_messages_are_chinese_too(api, make):
    admin = make.staff("admin")
    village = make.village()

    missing = api.request("POST", "/villages", json={}, expect=422, as_=admin).get_json()
    household = api.request(
        "POST", f"/villages/{village.id}/households", expect=422, as_=admin,
        json={"number": "XF-1", "head_name": "张三", "phone": "12345"},
    ).get_json()  # fmt: skip

    assert missing["errors"] == {"name": ["缺少必填项。"]}
    assert household["errors"] == {"phone": ["手机号是以 1 开头的 11 位数字。"]}


def test_the_pages_follow_the_same_rule(client):
    page = client.get("/", headers={"Accept-Language": "zh-CN,en;q=0.8"})

    assert page.headers["Content-Language"].startswith("zh")
