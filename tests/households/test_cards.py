"""Household cards: signed tokens, short codes with a check character, revocation on reissue."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pointsmart.households.cards import (
    ALPHABET,
    CardCodeMistyped,
    CardNotFound,
    CardRevoked,
    card_token,
    check_character,
    current_card,
    format_code,
    is_well_formed_code,
    issue_card,
    resolve_card,
)

bodies = st.text(alphabet=ALPHABET, min_size=8, max_size=8)


@given(body=bodies, position=st.integers(0, 8), replacement=st.sampled_from(ALPHABET))
def test_the_check_character_catches_every_single_mistyped_character(body, position, replacement):
    code = body + check_character(body)
    typo = code[:position] + replacement + code[position + 1 :]
    assert is_well_formed_code(typo) == (typo == code)


def test_the_check_character_catches_nearly_every_swap_of_neighbours():
    import random

    rng = random.Random(7)
    caught = total = 0
    for _ in range(2000):
        body = "".join(rng.choice(ALPHABET) for _ in range(8))
        code = body + check_character(body)
        i = rng.randrange(8)
        swapped = code[:i] + code[i + 1] + code[i] + code[i + 2 :]
        if swapped != code:
            total += 1
            caught += not is_well_formed_code(swapped)
    assert caught / total > 0.95


def test_a_card_resolves_by_url_token_or_code(make):
    household = make.household(make.village())

    card = issue_card(household.id)

    assert card.version == 1
    assert card.url == f"https://jifen.example.test/c/{card.token}"
    assert str(household.id) not in card.token.split(".")[1]  # the signature part
    assert len(card.code) == 9
    for text in (card.url, card.token, card.code, format_code(card.code).lower()):
        assert resolve_card(text) == household.id
    assert current_card(household.id) == card


def test_reissuing_revokes_every_older_card_at_once(make):
    household = make.household(make.village())
    first = issue_card(household.id)

    second = issue_card(household.id)

    assert second.version == 2
    for text in (first.url, first.code):
        with pytest.raises(CardRevoked) as refused:
            resolve_card(text)
        assert refused.value.status == 410
    assert resolve_card(second.code) == household.id


def test_a_forged_or_unknown_card_is_not_found(make):
    household = make.household(make.village())
    card = issue_card(household.id)
    payload, signature = card.token.split(".")

    for text in (
        f"{payload}.{signature[:-2]}xx",
        "https://jifen.example.test/c/bm90LWEtY2FyZA.abc",
        "",
        "   ",
    ):
        with pytest.raises(CardNotFound):
            resolve_card(text)
    with pytest.raises(CardNotFound):  # signed by us, but a version never issued
        resolve_card(card_token(household.id, 7))


def test_a_mistyped_code_is_reported_as_a_typo(make):
    household = make.household(make.village())
    card = issue_card(household.id)
    wrong = ALPHABET[(ALPHABET.index(card.code[3]) + 1) % 32]

    with pytest.raises(CardCodeMistyped) as refused:
        resolve_card(card.code[:3] + wrong + card.code[4:])

    assert refused.value.status == 422


def test_a_household_without_a_card_has_no_current_card(make):
    household = make.household(make.village())
    assert current_card(household.id) is None


def test_an_admin_issues_a_card_and_anyone_with_it_sees_the_balance(api, make):
    village = make.village()
    household = make.household(village, number="XF-007", head_name="李秀英")
    make.award(household, 25)
    admin = make.staff("admin", village)

    first = api.post(f"/households/{household.id}/card", as_=admin)
    second = api.post(f"/households/{household.id}/card", as_=admin)
    shown = api.get(f"/cards/{second['token']}")

    assert (first["version"], second["version"]) == (1, 2)
    assert shown == {
        "household_id": household.id,
        "number": "XF-007",
        "head_name": "李秀英",
        "balance": 25,
    }
    assert api.get(f"/cards/{second['code']}")["household_id"] == household.id
    assert api.get(f"/cards/{first['token']}", expect=410)["code"] == "card_revoked"
    assert api.get("/cards/not.ours", expect=404)["code"] == "card_not_found"


def test_the_card_of_a_household_that_moved_away_answers_410_in_the_api_as_on_its_page(api, make):
    """Regression: the page said the household moved away (410); the API still answered its
    number, head and balance to whoever held the old card."""
    from pointsmart.admin.households import mark_moved_away
    from tests.factories import ROOT

    village = make.village()
    household = make.household(village, number="XF-008", head_name="王建国")
    admin = make.staff("admin", village)
    card = api.post(f"/households/{household.id}/card", as_=admin)
    mark_moved_away(ROOT, household.id)

    for seen in (card["token"], card["code"]):
        assert api.get(f"/cards/{seen}", expect=410)["code"] == "household_moved_away"


def test_only_an_admin_of_the_village_issues_cards(api, make):
    village = make.village()
    household = make.household(village)
    leader = make.staff("leader", village)
    other_admin = make.staff("admin", make.village())

    assert api.post(f"/households/{household.id}/card", as_=leader, expect=403)
    assert api.post(f"/households/{household.id}/card", as_=other_admin, expect=403)
    assert api.post(f"/households/{household.id}/card", expect=401)


def test_text_that_is_not_card_shaped_is_not_found_but_a_code_shaped_typo_is_422(make, api):
    household = make.household(make.village())
    card = issue_card(household.id)
    typo = card.code[:-1] + ALPHABET[(ALPHABET.index(card.code[-1]) + 1) % 32]

    assert api.get("/cards/hello", expect=404)["code"] == "card_not_found"
    assert api.get(f"/cards/{typo}", expect=422)["code"] == "card_code_mistyped"


@pytest.mark.parametrize("period", ["2024-01\n", "2024-1", "２０２４-01"])
def test_periods_with_a_trailing_newline_or_other_digits_are_refused(period):
    from pointsmart.periods import is_valid_period

    assert not is_valid_period(period)


@pytest.mark.app_config(CARD_PAGE_RATE_LIMIT="3/minute")
def test_card_lookups_are_rate_limited_per_address_so_codes_cannot_be_guessed(fresh_app):
    client = fresh_app.test_client()

    statuses = [client.get("/api/v1/cards/ABCDEFGHJ").status_code for _ in range(4)]

    assert statuses[:3] != [429] * 3
    assert statuses[3] == 429
