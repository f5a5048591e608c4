"""A staff member signs in on a phone and out again, in Chinese."""

import re

from pointsmart.extensions import db
from tests.e2e.conftest import screenshot
from tests.factories import Factories


def test_a_leader_signs_in_and_out_on_a_phone(live_app, live_server, phone):
    with live_app.app_context():
        make = Factories()
        leader = make.staff("leader", make.village(), password="leader-pass-1")
        db.session.commit()

    phone.goto(f"{live_server}/login")
    phone.get_by_label("用户名").fill(leader.username)
    phone.get_by_label("密码").fill("leader-pass-1")
    screenshot(phone, "sign-in-phone")
    phone.get_by_role("button", name="登录").click()

    phone.wait_for_url(re.compile(r".*/leader/\d+$"))  # the leader's own village, unasked
    assert "已登录" in phone.content()
