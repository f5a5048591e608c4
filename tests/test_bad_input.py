"""Input no schema should see is refused at the door with a 4xx, never a 500."""

import pytest

NESTED = "[" * 20_000 + "]" * 20_000
HUGE_NUMBER = '{"username": "a", "password": ' + "9" * 5000 + "}"


@pytest.mark.parametrize("body", [NESTED, HUGE_NUMBER, '{"a": 1', "\xff\xfe"])
def test_malformed_json_is_a_400(client, body):
    response = client.post(
        "/api/v1/auth/token",
        data=body.encode("utf-8", "surrogatepass"),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.get_json()["code"] == "malformed_json"


def test_a_get_with_a_json_content_type_and_no_body_is_answered(api, make):
    village = make.village()
    admin = make.staff("admin", village)

    response = api.client.get(
        f"/api/v1/villages/{village.id}/leaderboard?period=2026-01",
        content_type="application/json",
        headers=admin.auth,
    )

    assert response.status_code == 200, response.get_json()
    assert response.get_json()["period"] == "2026-01"


def test_a_write_with_a_json_content_type_and_no_body_is_read_as_no_body(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    household = make.household(village)

    # No Content-Length at all, as Flask's test client sends an empty body.
    response = api.client.post(
        f"/api/v1/households/{household.id}/card",
        content_type="application/json",
        headers=admin.auth,
    )

    assert response.status_code == 201, response.get_json()
    assert response.get_json()["version"] == 1


@pytest.mark.parametrize("escaped", ["ad\\u0000min", "\\ud800"])
def test_nul_and_lone_surrogates_in_a_body_are_refused(client, escaped):
    payload = '{"username": "' + escaped + '", "password": "x"}'
    response = client.post("/api/v1/auth/token", data=payload, content_type="application/json")
    assert response.status_code == 422
    assert response.get_json()["code"] == "validation_failed"


def test_nul_in_a_query_string_is_refused(api, make):
    village = make.village()
    admin = make.staff("admin", village)
    refused = api.get(f"/villages/{village.id}/households?q=a%00b", as_=admin, expect=422)
    assert "request" in refused["errors"]


def test_nul_or_a_broken_character_in_an_address_is_refused_in_the_readers_language(
    api, client, make
):
    village = make.village()
    admin = make.staff("admin", village)

    refused = api.get(f"/villages/{village.id}/households?q=a%00b", as_=admin, expect=422)
    page = client.get("/login?next=%00")
    english = client.get("/login?next=%00", headers={"Accept-Language": "en"})

    assert refused["code"] == "validation_failed"
    assert refused["errors"] == {"request": ["文字里不能有空字符（NUL）或残缺的字符。"]}
    assert page.status_code == 422
    assert "文字里不能有空字符（NUL）或残缺的字符。" in page.get_data(as_text=True)
    assert "Text may not contain NUL" in english.get_data(as_text=True)


def test_nul_in_a_form_is_refused(client):
    response = client.post("/login", data={"username": "a\u0000b", "password": "x"})
    assert response.status_code in (400, 422)
    assert response.status_code < 500


# --- ids no row can have, on pages (found by a hunt: 500s on PostgreSQL's INTEGER) ---------

BEYOND = "2147483648"  # one past PostgreSQL's INTEGER


def csrf_token(client, page: str) -> dict[str, str]:
    from tests.counter.web import hidden_fields

    return {"csrf_token": hidden_fields(client.get(page).get_data(as_text=True))["csrf_token"]}


def test_a_grid_or_shop_id_beyond_any_row_is_a_form_error(client, make):
    from tests.counter.web import sign_in

    village = make.village()
    household = make.household(village)
    admin = make.staff("admin", village)
    sign_in(client, admin)
    token = csrf_token(client, f"/admin/villages/{village.id}/households")

    moved = client.post(f"/admin/households/{household.id}/move", data={"grid_id": BEYOND, **token})
    added = client.post(
        f"/admin/villages/{village.id}/households",
        data={"number": "N-1", "head_name": "某某", "grid_id": BEYOND, **token},
    )
    staffed = client.post(
        f"/admin/villages/{village.id}/staff",
        data={"username": "keeper9", "password": "long enough", "role": "shopkeeper",
              "shop_id": BEYOND, **token},
    )  # fmt: skip

    assert [r.status_code for r in (moved, added, staffed)] == [422, 422, 422]
    assert "本村没有这个网格" in moved.get_data(as_text=True)
    assert "本村没有这个网格" in added.get_data(as_text=True)
    assert "本村没有这个商店" in staffed.get_data(as_text=True)


def test_ids_beyond_any_row_in_an_address_are_refused_with_words(client, make):
    from tests.counter.web import sign_in

    village = make.village()
    admin = make.staff("admin", village)
    sign_in(client, admin)

    audit = client.get(f"/admin/villages/{village.id}/audit?before={BEYOND}")
    cards = client.get(f"/villages/{village.id}/cards.pdf?grid_id={BEYOND}")
    slips = client.get(f"/villages/{village.id}/statements.pdf?grid_id={BEYOND}")
    # More digits than int reads: a 500 before.
    long_cards = client.get(f"/villages/{village.id}/cards.pdf?grid_id={'9' * 5000}")

    assert audit.status_code == 200  # a cursor beyond any entry: the newest page
    for refused in (cards, slips, long_cards):
        assert refused.status_code == 422
        assert "本村没有这个网格" in refused.get_data(as_text=True)  # on the error page


@pytest.mark.parametrize("typed", ["bogus", "1.5", "１２", "-1"])
def test_a_grid_that_is_no_number_prints_no_whole_village(client, make, typed):
    """A mistyped grid in the address was read as "no grid given": the sheet of every card
    (or slip) of the village came out instead of one grid's."""
    from tests.counter.web import sign_in

    village = make.village()
    make.household(village)
    admin = make.staff("admin", village)
    sign_in(client, admin)

    cards = client.get(f"/villages/{village.id}/cards.pdf?grid_id={typed}")
    slips = client.get(f"/villages/{village.id}/statements.pdf?grid_id={typed}")

    for refused in (cards, slips):
        assert refused.status_code == 422
        assert refused.mimetype == "text/html"
        assert "请填写整数。" in refused.get_data(as_text=True)


def test_a_campaign_set_up_with_tampered_ids_is_a_form_error(client, make):
    from tests.counter.web import sign_in

    village = make.village()
    admin = make.staff("admin", village)
    sign_in(client, admin)
    form = {"title": "好家庭", "seats": "1", "nominate_from": "2026-12-01",
            "nominate_until": "2026-12-02", "review_until": "2026-12-03", "notice_days": "1",
            "quorum": "1"}  # fmt: skip

    tampered = client.post(
        f"/leader/{village.id}/campaigns",
        data={**form, **csrf_token(client, f"/leader/{village.id}/campaigns"), "form_key": "k1",
              "rule_id": BEYOND, "council": [BEYOND, "²"]},
    )  # fmt: skip

    assert tampered.status_code == 422
    assert "请选择细则" in tampered.get_data(as_text=True)


def test_an_id_that_is_not_a_whole_number_is_refused_by_the_api(api, make):
    village = make.village()
    grid = make.grid(village)
    admin = make.staff("admin", village)
    root = make.staff("admin")

    household = api.post(
        f"/villages/{village.id}/households",
        json={"number": "N1", "head_name": "某", "grid_id": grid.id + 0.5},
        as_=admin,
        expect=422,
    )
    region = api.post(
        "/regions", json={"name": "新建镇", "level": "township", "parent_id": 1.5}, as_=root,
        expect=422,
    )  # fmt: skip

    assert list(household["errors"]) == ["grid_id"]
    assert list(region["errors"]) == ["parent_id"]
