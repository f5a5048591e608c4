"""Names and household numbers at the edge: what no one can see is refused, look-alikes are
one spelling (issue 15: 张\\x07三, XF-001 with a zero-width space, XF-00１, 张三 reversed)."""

import pytest

from pointsmart.errors import ValidationFailed
from pointsmart.text import (
    clean_digits,
    clean_name,
    clean_number,
    clean_phone,
    clean_text,
    hidden_character,
    reason_text,
    text_problem,
)

HIDDEN = [
    "张\x07三",  # a control character (the bell)
    "张三\t",
    "XF-001\u200b",  # zero-width space
    "\u202e三张",  # right-to-left override
    "张\u2066三\u2069",  # bidirectional isolates
    "张\ufeff三",  # byte order mark
    "张\u00ad三",  # soft hyphen
    "\u3164",  # Hangul filler: a letter that prints as nothing
    "张\ue000三",  # private use
]


@pytest.mark.parametrize("text", HIDDEN)
def test_a_hidden_character_is_found(text):
    assert hidden_character(text) is not None


@pytest.mark.parametrize(
    "text", ["张三", "王秀英", "Zhang San", "李明(儿子)", "𠮷野", "葛\U000e0100"]
)
def test_ordinary_names_have_none(text):
    assert hidden_character(text) is None  # an ideographic variation sequence is kept


def test_names_are_composed_and_their_spaces_tidied():
    assert clean_name("  张\u3000三  ") == "张 三"
    assert clean_name("Jose\u0301") == "José"


@pytest.mark.parametrize(
    "typed",
    ["XF-00１", "ＸＦ－００１", "XF‐001", "XF–001", " XF-001 ", "XF\u2212001", "XF\u02d7001"],
)
def test_a_household_number_has_one_spelling(typed):
    assert clean_number(typed) == "XF-001"


# --- through the API: 422 with the field named -----------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"number": "XF-9", "head_name": "张\x07三"}, "head_name"),
        ({"number": "XF-9\u200b", "head_name": "张三"}, "number"),
        ({"number": "XF-9", "head_name": "\u202e三张"}, "head_name"),
        ({"number": "XF-9", "head_name": "张三", "members": [{"name": "李\u200b四"}]}, "members"),
        (
            {
                "number": "XF-9",
                "head_name": "张三",
                "members": [{"name": "李四", "relation": "子\x1b"}],
            },
            "members",
        ),
    ],
)
def test_the_api_refuses_a_name_or_number_with_a_hidden_character(api, make, body, field):
    village = make.village()
    admin = make.staff("admin", village)

    refused = api.post(f"/villages/{village.id}/households", json=body, as_=admin, expect=422)

    assert refused["code"] == "validation_failed"
    assert list(refused["errors"]) == [field]
    assert "U+" in str(refused["errors"][field])


def test_a_full_width_number_is_the_same_household_number(api, make):
    village = make.village()
    admin = make.staff("admin", village)

    first = api.post(
        f"/villages/{village.id}/households",
        json={"number": "XF-00１", "head_name": "  张　三 "},
        as_=admin,
    )
    again = api.post(
        f"/villages/{village.id}/households",
        json={"number": "XF-001", "head_name": "李四"},
        as_=admin,
        expect=422,
    )
    found = api.get(f"/villages/{village.id}/households?q=XF-00１", as_=admin)

    assert (first["number"], first["head_name"]) == ("XF-001", "张 三")
    assert list(again["errors"]) == ["number"]
    assert [h["number"] for h in found["items"]] == ["XF-001"]


def test_a_phone_is_found_however_it_is_typed(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    api.post(
        f"/villages/{village.id}/households",
        json={"number": "XF-7", "head_name": "孙大娘", "phone": "139 1234 5678"},
        as_=admin,
    )

    found = api.get(f"/villages/{village.id}/households?q=１３９ 1234", as_=admin)["items"]

    assert [h["number"] for h in found] == ["XF-7"]


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("/villages", {"name": "幸福\x07村"}, "name"),
        ("/villages/{village}/grids", {"name": "一\u200b组"}, "name"),
    ],
)
def test_other_names_are_refused_the_same_way(api, make, path, body, field):
    village = make.village()
    root = make.staff("admin")

    refused = api.post(path.format(village=village.id), json=body, as_=root, expect=422)

    assert list(refused["errors"]) == [field]


# --- free text: reasons, objections, memos, notes -----------------------------------------


# A tab is a space in free text, and a soft hyphen (pasted from a document) is dropped.
@pytest.mark.parametrize("text", [t for t in HIDDEN if t not in ("张三\t", "张\u00ad三")])
def test_free_text_refuses_what_a_name_refuses(text):
    assert text_problem(f"第一行\n{text}") is not None


def test_free_text_keeps_its_lines_and_tidies_its_ends():
    typed = "  门前\t乱堆柴草，\r\n占用村道　\r"

    assert text_problem(typed) is None
    assert clean_text(typed) == "门前 乱堆柴草，\n占用村道"


def test_a_reason_is_given_in_words_of_its_length(app):
    with app.test_request_context():
        with pytest.raises(ValidationFailed) as blank:
            reason_text(" \r\n\t", "reason")
        with pytest.raises(ValidationFailed) as long:
            reason_text("长" * 501, "note")
        with pytest.raises(ValidationFailed) as reversed_:
            reason_text("\u202e道村用占", "reason")

        assert reason_text(" 占用村道\r\n", "reason") == "占用村道"
    assert list(blank.value.errors) == ["reason"]
    assert list(long.value.errors) == ["note"]
    assert "U+202E" in reversed_.value.errors["reason"][0]


@pytest.mark.parametrize(
    "typed",
    ["13700000002", "137 0000 0002", "137-0000-0002", "+86 137 0000 0002", "0086-13700000002",
     "8613700000002", "(137)0000.0002", "１３７００００ ０００２", "137－0000－0002"],
)  # fmt: skip
def test_a_phone_number_is_its_digits_however_it_is_written(typed):
    assert clean_phone(typed) == "13700000002"


def test_what_is_no_mobile_number_stays_for_the_check_to_refuse():
    assert clean_phone("0571-8888 6666") == "057188886666"
    assert clean_phone("村口") == "村口"


def test_free_text_takes_emoji_joined_into_one_and_pasted_line_breaks():
    assert text_problem("好人好事🧑\u200d🌾 👨\u200d👩\u200d👧 👍🏽") is None
    assert text_problem("好\u200d事") is not None  # a joiner between letters hides nothing good
    assert clean_text("修\u00ad路\u2028两小时\u2029村东\x85") == "修路\n两小时\n村东"


def test_a_phone_alone_of_its_country_code_finds_no_one_and_is_no_number(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    made = api.post(
        f"/villages/{village.id}/households",
        json={"number": "XF-8", "head_name": "周大爷", "phone": "13912345678"},
        as_=admin,
    )

    found = api.get(f"/villages/{village.id}/households?q=%2B86", as_=admin)["items"]
    refused = api.post(
        f"/villages/{village.id}/households",
        json={"number": "XF-9", "head_name": "吴大娘", "phone": "+86"},
        as_=admin,
        expect=422,
    )

    assert made["phone"] == "13912345678"
    assert found == []
    assert list(refused["errors"]) == ["phone"]


def test_a_memo_of_blanks_is_no_memo_and_a_reason_of_blanks_is_refused(api, make):
    village = make.village()
    household = make.household(village)
    leader = make.staff("leader", village)
    body = {"household_id": household.id, "kind": "award", "points": 5, "category": "volunteer"}

    made = api.post("/transfers", json={**body, "memo": " \u3000\n"}, as_=leader, key=True)
    refused = api.post(
        f"/transfers/{made['id']}/reversal", json={"reason": "  "}, as_=leader, key=True, expect=422
    )

    assert made["memo"] is None
    assert list(refused["errors"]) == ["reason"]


def test_digits_typed_full_width_or_spaced_are_digits():
    assert clean_digits("１３５ ７９０") == "135790"
    assert clean_digits("13579O") == "13579O"  # a letter O stays, for the check to refuse
