"""The campaign pages: the committee sets up, leaders nominate, the council votes, the
committee publishes, prints the notice, confers and prints the certificates; households
nominate, give beans and object from /me; the title shows on the household's pages and the
honour roll on the board and the TV."""

from __future__ import annotations

import base64
import io
import re

import pytest
from PIL import Image

from pointsmart.accounts.auth import VILLAGER_TOKEN_KEY
from pointsmart.campaigns.models import BeanBallot, Campaign, Nomination
from pointsmart.extensions import db
from pointsmart.households.cards import issue_card
from pointsmart.households.models import Household
from tests.awards.conftest import Browser
from tests.campaigns.conftest import campaign_body
from tests.http import ApiClient


class VillagerBrowser(Browser):
    """A household signed in on /me (its web session holds the household's token)."""

    def __init__(self, client, household):
        self.client = client
        with client.session_transaction() as session:
            session[VILLAGER_TOKEN_KEY] = household.token


def flashed(page: str) -> list[str]:
    return re.findall(r'class="notice notice-(?:success|error)"[^>]*>([^<]*)<', page)


@pytest.fixture
def campaign_id(client, village, admin, council, good_family, today):
    body = campaign_body(good_family, council, today, villagers_nominate=True, bean_votes=2)
    return ApiClient(client).post(f"/villages/{village.id}/campaigns", json=body, as_=admin)["id"]


def test_the_committee_sets_up_a_campaign_on_its_page(
    client, browse, village, admin, council, good_family, today
):
    page = browse(admin)
    url = f"/leader/{village.id}/campaigns"
    form = {
        "title": "孝亲敬老之家", "rule_id": str(good_family.id), "seats": "2",
        "nominate_from": today.isoformat(), "nominate_until": today.isoformat(),
        "review_until": today.isoformat(), "notice_days": "7", "quorum": "2",
        "bean_votes": "0", "tie_break": "beans",
    }  # fmt: skip

    refused = page.post(url, form, expect=422)  # no council chosen
    council_ids = [str(m.user_id) for m in council]
    turned = page.post(
        url, {**form, "title": "\u202e家之老敬亲孝", "council": council_ids}, expect=422
    )
    made = page.client.post(url, data={**page.hidden_fields(url), **form, "council": council_ids})

    assert "council" in refused.get_data(as_text=True)
    assert "U+202E" in turned.get_data(as_text=True)  # a title on public notices, as the API's
    assert made.status_code == 303
    campaign = db.session.execute(db.select(Campaign)).scalars().one()
    assert (campaign.title, campaign.notice_days) == ("孝亲敬老之家", 7)
    assert "孝亲敬老之家" in page.text(url)


def test_a_campaign_from_nomination_to_certificate_on_the_staff_pages(
    client, browse, village, households, admin, leader, council, campaign_id, make
):
    url = f"/leader/campaigns/{campaign_id}"
    number = db.session.get(type(make.household(village)), households[0].id).number
    by_leader = browse(leader)
    done = by_leader.post(
        f"{url}/nominations",
        {"household_number": number, "reason": "照顾瘫痪婆婆十年"},
        page=url,
        expect=303,
        follow_redirects=False,
    )
    assert done.location.endswith(url)
    nomination = db.session.execute(db.select(Nomination)).scalars().one()
    for member in council:
        voter = browse(member)
        voter.post(f"/leader/nominations/{nomination.id}/vote",
                   {"decision": "approve", "note": "属实"}, page=url, expect=303)  # fmt: skip
    assert "Your vote" in browse(council[0]).text(url) or "您的投票" in browse(council[0]).text(url)

    committee = browse(admin)
    committee.post(f"{url}/publish", {}, page=url, expect=303)
    notice = committee.get(f"{url}/notice.pdf")
    committee.post(f"{url}/confer", {}, page=url, expect=303)
    certificates = committee.get(f"{url}/certificates.pdf")

    assert notice.mimetype == certificates.mimetype == "application/pdf"
    assert notice.data.startswith(b"%PDF")
    assert certificates.data.startswith(b"%PDF")
    assert "好家庭" in committee.text(f"/admin/households/{households[0].id}")
    assert "好家庭" in by_leader.text(f"/leader/{village.id}/households/{households[0].id}")
    card = issue_card(households[0].id)
    db.session.commit()
    assert "好家庭" in client.get(f"/c/{card.token}").get_data(as_text=True)
    board = client.get(f"/board/{village.id}").get_data(as_text=True)
    assert 'id="honour-roll"' in board
    assert number in board
    assert 'id="panel-honour"' in client.get(f"/tv/{village.id}").get_data(as_text=True)
    audit = committee.text(f"/admin/villages/{village.id}/audit")
    assert "评选表彰" in audit  # the conferral, in words
    assert f"好家庭 {number}" in audit  # the nomination, named


def test_a_leader_outside_the_council_sees_no_vote_buttons_and_cannot_vote(
    browse, village, households, leader, campaign_id, api, council
):
    body = {"household_id": households[0].id, "reason": "好"}
    nomination = api.post(f"/campaigns/{campaign_id}/nominations", json=body, as_=leader)
    page = browse(leader)
    url = f"/leader/campaigns/{campaign_id}"

    assert "vote-form" not in page.text(url)
    page.post(f"/leader/nominations/{nomination['id']}/vote", {"decision": "approve"},
              page=url, expect=403)  # fmt: skip


def test_a_vote_that_does_not_parse_is_said_on_the_campaign_page_and_not_counted(
    browse, village, households, leader, campaign_id, api, council
):
    body = {"household_id": households[0].id, "reason": "好"}
    nomination = api.post(f"/campaigns/{campaign_id}/nominations", json=body, as_=leader)
    member = browse(council[0])
    url = f"/leader/campaigns/{campaign_id}"
    vote = f"/leader/nominations/{nomination['id']}/vote"

    pasted = member.post(vote, {"decision": "approve", "note": "同意\u200b"}, page=url, expect=303)
    said_of_pasted = flashed(member.text(url))
    tampered = member.post(vote, {"decision": "maybe"}, page=url, expect=303)
    said_of_tampered = flashed(member.text(url))

    assert pasted.location.endswith(url)
    assert tampered.location.endswith(url)
    assert said_of_pasted == ["含有看不见的字符或改变文字方向的字符（U+200B）：请删掉后重新输入。"]
    assert said_of_tampered == ["须为以下之一：approve, reject。"]
    assert api.get(f"/campaigns/{campaign_id}", as_=council[0])["nominations"][0]["my_vote"] is None


def test_a_household_nominates_gives_beans_and_objects_from_its_own_page(
    client, village, households, admin, council, good_family, today, api, make
):
    body = campaign_body(
        good_family, council, today, villagers_nominate=True, bean_votes=2, notice_days=3
    )
    campaign_id = api.post(f"/villages/{village.id}/campaigns", json=body, as_=admin)["id"]
    me = VillagerBrowser(client, households[1])
    url = f"/me/campaigns/{campaign_id}"
    number = db.session.get(type(make.household(village)), households[0].id).number
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(picture, "PNG")
    picture.seek(0)
    me.post(f"{url}/nominations",
            {"household_number": number, "reason": "照顾老人", "photo": (picture, "家.png")},
            page=url, expect=303)  # fmt: skip
    nomination = db.session.execute(db.select(Nomination)).scalars().one()
    assert nomination.nominated_by_household_id == households[1].id
    assert nomination.photo.endswith(".jpg")

    me.post(f"{url}/beans", {f"beans-{nomination.id}": "2"}, page=url, expect=303)
    assert 'id="beans-form"' not in me.text(url)  # given once
    for member in council:
        api.post(f"/nominations/{nomination.id}/votes", json={"approve": True}, as_=member)
    api.post(f"/campaigns/{campaign_id}/publish", as_=admin, expect=200)

    board = client.get(f"/board/{village.id}").get_data(as_text=True)
    assert f'id="notice-{campaign_id}-title"' in board
    assert number in board
    page = me.text(url)
    assert f'id="objection-{nomination.id}"' in page
    me.post(f"/me/nominations/{nomination.id}/objection", {"reason": "不属实"}, page=url,
            expect=303)  # fmt: skip
    objections = api.get(f"/campaigns/{campaign_id}/objections", as_=admin)["items"]
    assert [(o["household_id"], o["reason"]) for o in objections] == [(households[1].id, "不属实")]


def test_a_household_declines_its_own_nomination(client, households, leader, campaign_id, api):
    body = {"household_id": households[0].id, "reason": "好"}
    nomination = api.post(f"/campaigns/{campaign_id}/nominations", json=body, as_=leader)
    me = VillagerBrowser(client, households[0])
    url = f"/me/campaigns/{campaign_id}"

    me.post(f"/me/nominations/{nomination['id']}/decline", {}, page=url, expect=303)

    assert db.session.get(Nomination, nomination["id"]).status == "declined"


def test_a_nomination_photo_is_checked_re_encoded_and_shown_to_the_village_only(
    client, browse, make, village, households, leader, campaign_id, api
):
    picture = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(picture, "PNG")
    body = {
        "household_id": households[0].id,
        "reason": "好",
        "photo_base64": base64.b64encode(picture.getvalue()).decode(),
    }
    refused = api.post(
        f"/campaigns/{campaign_id}/nominations",
        json={**body, "photo_base64": base64.b64encode(b"<svg></svg>").decode()},
        as_=leader,
        expect=422,
    )
    nomination = api.post(f"/campaigns/{campaign_id}/nominations", json=body, as_=leader)

    shown = browse(leader).get(f"/campaign-photos/{nomination['id']}")
    stranger = browse(make.staff("leader", make.village()))

    assert refused["code"] == "photo_rejected"
    assert nomination["has_photo"] is True
    assert shown.mimetype == "image/jpeg"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(shown.data)).format == "JPEG"
    stranger.get(f"/campaign-photos/{nomination['id']}", expect=404)


def test_the_household_sees_its_title_on_its_own_page(
    client, village, households, admin, council, campaign_id, api
):
    body = {"household_id": households[0].id, "reason": "好"}
    nomination = api.post(f"/campaigns/{campaign_id}/nominations", json=body, as_=admin)
    for member in council:
        api.post(f"/nominations/{nomination['id']}/votes", json={"approve": True}, as_=member)
    api.post(f"/campaigns/{campaign_id}/publish", as_=admin, expect=200)
    api.post(f"/campaigns/{campaign_id}/confer", as_=admin, key=True, expect=200)

    page = VillagerBrowser(client, households[0]).text("/me")

    assert 'id="titles"' in page
    assert "好家庭" in page


def test_a_villager_on_the_council_votes_from_its_own_page_but_not_on_itself(
    client, browse, village, households, admin, leader, council, good_family, today, api
):
    numbers = {
        h.id: n for h, n in zip(households, [f"V{h.id:04d}" for h in households], strict=True)
    }
    for household in households:
        db.session.get(Household, household.id).number = numbers[household.id]
    db.session.commit()
    url = f"/leader/{village.id}/campaigns"
    form = {
        "title": "好家庭", "rule_id": str(good_family.id), "seats": "1",
        "nominate_from": today.isoformat(), "nominate_until": today.isoformat(),
        "review_until": today.isoformat(), "notice_days": "0", "quorum": "2",
        "council": str(council[0].user_id), "council_villagers": numbers[households[2].id],
    }  # fmt: skip
    browse(admin).post(url, form, expect=303)
    campaign_id = db.session.execute(db.select(Campaign.id)).scalar_one()
    own, other = (
        api.post(f"/campaigns/{campaign_id}/nominations",
                 json={"household_id": h.id, "reason": "好"}, as_=leader)
        for h in (households[2], households[0])
    )  # fmt: skip
    me = VillagerBrowser(client, households[2])
    page = me.text(f"/me/campaigns/{campaign_id}")

    assert f'id="vote-{other["id"]}"' in page
    assert f'id="vote-{own["id"]}"' not in page
    me.post(f"/me/nominations/{other['id']}/vote", {"decision": "approve"},
            page=f"/me/campaigns/{campaign_id}", expect=303)  # fmt: skip
    mine = api.get(f"/campaigns/{campaign_id}", as_=households[2])["nominations"]
    assert [n["my_vote"] for n in mine] == [None, {"approve": True, "note": ""}]
    refused = me.post(f"/me/nominations/{own['id']}/vote", {"decision": "approve"},
                      page=f"/me/campaigns/{campaign_id}", expect=403)  # fmt: skip
    assert refused.status_code == 403


def test_a_council_id_of_ten_thousand_digits_is_left_out_like_any_id_no_user_has(
    browse, village, admin, council, good_family, today
):
    page = browse(admin)
    url = f"/leader/{village.id}/campaigns"
    form = {
        "title": "孝亲敬老之家", "rule_id": str(good_family.id), "seats": "1",
        "nominate_from": today.isoformat(), "nominate_until": today.isoformat(),
        "review_until": today.isoformat(), "notice_days": "0", "quorum": "1",
        "bean_votes": "0", "tie_break": "beans",
    }  # fmt: skip

    # int() reads no more than 4,300 digits: the form answered 500.
    refused = page.post(url, {**form, "council": "1" * 10_000}, expect=422)

    assert "请列出评议会成员。" in refused.get_data(as_text=True)
    assert db.session.execute(db.select(Campaign)).first() is None


@pytest.mark.parametrize("beans", ["²", "1" * 10_000, "--1"])
def test_beans_that_are_no_number_are_not_given_and_the_page_says_so(
    client, village, households, admin, council, good_family, today, api, beans
):
    body = campaign_body(good_family, council, today, villagers_nominate=True, bean_votes=2)
    campaign_id = api.post(f"/villages/{village.id}/campaigns", json=body, as_=admin)["id"]
    nomination = api.post(
        f"/campaigns/{campaign_id}/nominations",
        json={"household_id": households[0].id, "reason": "照顾老人"},
        as_=admin,
    )
    me = VillagerBrowser(client, households[1])
    url = f"/me/campaigns/{campaign_id}"

    # ``²`` passed str.isdigit and failed int(): 500; so did 10,000 digits, also as an id.
    answer = me.post(
        f"{url}/beans", {f"beans-{nomination['id']}": beans, "beans-²": "1"}, page=url, expect=303
    )

    assert flashed(me.text(answer.location)) == ["部分字段填写有误。 至少投一颗豆。"]
    assert db.session.execute(db.select(BeanBallot)).first() is None
