"""The villager pages: sign in with phone and PIN, choose a PIN, see the household's points."""

import re

import pytest
import sqlalchemy as sa

from pointsmart.accounts.auth import SESSION_TOKEN_KEY, VILLAGER_TOKEN_KEY
from pointsmart.board.leaderboard import MAX_ROWS
from pointsmart.counter import pins
from pointsmart.counter.models import Product
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.ledger import service as ledger
from tests.factories import ROOT


@pytest.fixture
def csrf_client(app, db_session):
    """A client with CSRF checks on, as in production."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app.test_client()


def csrf_token_from(client, path="/me/login") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def household_with_pin(make, village, *, pin="135790", chosen=True, **fields):
    household = make.household(village, phone="13800138000", **fields)
    pins.set_pin(ROOT, household.id, pin)
    if chosen:
        household.pin_chosen_hash = household.pin_hash
    db.session.commit()
    return household


def sign_in(client, phone="13800138000", pin="135790"):
    db.session.commit()
    token = csrf_token_from(client)
    return client.post("/me/login", data={"csrf_token": token, "phone": phone, "pin": pin})


def test_the_sign_in_page_is_in_chinese_with_a_csrf_token(csrf_client):
    html = csrf_client.get("/me/login").get_data(as_text=True)

    assert "手机号" in html
    assert 'name="csrf_token"' in html
    assert re.search(r'href="/static/villager/villager\.[0-9a-f]{12}\.css"', html)


def test_a_phone_and_pin_typed_with_spaces_or_full_width_digits_sign_in(csrf_client, make):
    household_with_pin(make, make.village())

    signed_in = sign_in(csrf_client, phone="１３８ ００１３ ８０００", pin="１３５７９０")

    assert (signed_in.status_code, signed_in.headers["Location"]) == (302, "/me")


def test_a_wrong_pin_is_told_in_chinese_and_no_session_starts(csrf_client, make):
    household_with_pin(make, make.village())

    refused = sign_in(csrf_client, pin="000000")

    assert refused.status_code == 422
    assert "手机号或密码不对" in refused.get_data(as_text=True)
    with csrf_client.session_transaction() as session:
        assert VILLAGER_TOKEN_KEY not in session


def test_a_household_far_down_a_large_grid_still_sees_its_grid_rank(csrf_client, make):
    """Regression: the grid rank was looked up in the grid's board cut at 500 rows, so a
    household below the 500th (a large grid, or one with deductions) had none."""
    village = make.village()
    grid = make.grid(village)
    household = household_with_pin(make, village, grid=grid)
    ledger.deduct(village.id, household.id, 5, category="black")
    db.session.execute(
        sa.insert(Household),
        [
            {
                "village_id": village.id,
                "grid_id": grid.id,
                "number": f"G-{n:04d}",
                "head_name": "邻居",
            }
            for n in range(MAX_ROWS)
        ],
    )
    db.session.commit()

    sign_in(csrf_client)
    html = csrf_client.get("/me").get_data(as_text=True)

    assert f'id="grid-rank">第 {MAX_ROWS + 1} 名' in html


def test_an_empty_form_names_the_missing_fields_in_chinese(csrf_client):
    token = csrf_token_from(csrf_client)

    refused = csrf_client.post("/me/login", data={"csrf_token": token})

    assert refused.status_code == 422
    assert refused.get_data(as_text=True).count("请填写") == 2


def test_a_household_signs_in_and_sees_its_balance_rank_and_history(csrf_client, make):
    village = make.village()
    grid = make.grid(village)
    household = household_with_pin(make, village, grid=grid)
    make.award(household, 30, memo="打扫村道")
    make.household(village, grid=grid)
    db.session.commit()

    signed_in = sign_in(csrf_client)
    page = csrf_client.get("/me")
    html = page.get_data(as_text=True)

    assert signed_in.status_code == 302
    assert signed_in.headers["Location"] == "/me"
    assert page.status_code == 200
    assert re.search(r'id="balance"[^>]*>30<', html)
    assert "第 1 名" in html
    assert 'id="grid-rank">第 1 名' in html
    assert "打扫村道" in html
    assert "<svg" in html
    with csrf_client.session_transaction() as session:
        assert SESSION_TOKEN_KEY not in session  # never a staff session


def test_a_pin_set_by_an_admin_must_be_changed_first(csrf_client, make):
    household_with_pin(make, make.village(), chosen=False)

    signed_in = sign_in(csrf_client)
    assert signed_in.headers["Location"] == "/me/pin"
    assert csrf_client.get("/me").headers["Location"] == "/me/pin"
    token = csrf_token_from(csrf_client, "/me/pin")
    mismatch = csrf_client.post(
        "/me/pin",
        data={"csrf_token": token, "pin": "135790", "new_pin": "246801", "new_pin_again": "1"},
    )
    saved = csrf_client.post(
        "/me/pin",
        data={
            "csrf_token": token,
            "pin": "135790",
            "new_pin": "246801",
            "new_pin_again": "246801",
        },
    )

    assert mismatch.status_code == 422
    assert "两次" in mismatch.get_data(as_text=True)
    assert saved.headers["Location"] == "/me"
    assert csrf_client.get("/me").status_code == 200


def test_signing_out_ends_the_session_for_good(csrf_client, make):
    household_with_pin(make, make.village())
    sign_in(csrf_client)
    with csrf_client.session_transaction() as session:
        token = session[VILLAGER_TOKEN_KEY]
    csrf = csrf_token_from(csrf_client, "/me")

    out = csrf_client.post("/me/logout", data={"csrf_token": csrf})

    assert out.headers["Location"] == "/me/login"
    with csrf_client.session_transaction() as session:
        session[VILLAGER_TOKEN_KEY] = token  # an old cookie replayed
    assert csrf_client.get("/me").headers["Location"] == "/me/login"


def test_a_staff_session_does_not_open_the_villager_pages(client, make):
    staff = make.staff("admin", make.village())
    db.session.commit()
    with client.session_transaction() as session:
        session[SESSION_TOKEN_KEY] = staff.token

    assert client.get("/me").headers["Location"] == "/me/login"


def test_a_reversal_is_shown_beside_what_it_undid(csrf_client, make):
    from pointsmart.ledger import service as ledger

    household = household_with_pin(make, make.village())
    transfer = make.award(household, 10, memo="义务巡逻")
    ledger.reverse(transfer.id, reason="记错了")
    db.session.commit()

    sign_in(csrf_client)
    html = csrf_client.get("/me").get_data(as_text=True)

    assert "撤销了之前的一笔" in html
    assert "这一笔后来被撤销了" in html


def test_the_goods_say_which_the_household_can_afford(csrf_client, make):
    village = make.village()
    household = household_with_pin(make, village)
    make.award(household, 20)
    shop = make.shop(village)
    db.session.add_all(
        [
            Product(shop_id=shop.id, name="酱油", points_price=15, stock=3),
            Product(shop_id=shop.id, name="大米", points_price=50, stock=3),
            Product(shop_id=shop.id, name="肥皂", points_price=5, stock=0),
        ]
    )
    db.session.commit()

    sign_in(csrf_client)
    html = csrf_client.get("/me").get_data(as_text=True)

    assert re.search(r'goods-yes">\s*<span class="goods-name">酱油', html)
    assert re.search(r'goods-no">\s*<span class="goods-name">大米', html)
    assert "缺货" in html


def test_points_cleared_at_the_years_end_are_named_in_the_history(csrf_client, make):
    from pointsmart.ledger import service as ledger

    village = make.village()
    household = household_with_pin(make, village)
    make.award(household, 30, memo="义务巡逻")
    ledger.expire(village.id, household.id, 30, period="2025-12", memo="2025 年底清零")
    db.session.commit()

    sign_in(csrf_client)
    html = csrf_client.get("/me").get_data(as_text=True)

    assert "年底清零" in html
    assert "expire" not in html


def test_my_page_carries_the_time_of_its_figures_for_when_the_network_is_gone(csrf_client, make):
    village = make.village()
    household_with_pin(make, village)
    sign_in(csrf_client)

    html = csrf_client.get("/me").get_data(as_text=True)

    # Hidden; installable.js shows it with no network or on the copy kept on the phone.
    note = re.search(r"<p [^>]*data-offline-note hidden>([^<]+)</p>", html)
    assert re.fullmatch(r"没有网络：这是 \d{4}-\d\d-\d\d \d\d:\d\d 时的积分。", note[1])
    assert 'data-page-source="network"' in html
    assert 'rel="manifest" href="/manifest/me.webmanifest"' in html
