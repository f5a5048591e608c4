"""A township's campaign on the staff pages: a village's leader nominates a household of their
own village, the council votes, the township admin publishes, prints the notice, confers
and prints the certificates; every village's board shows the winner."""

from __future__ import annotations

from pointsmart.campaigns.models import Campaign, Nomination
from pointsmart.extensions import db
from pointsmart.households.models import Household
from pointsmart.periods import local_today
from pointsmart.regions import service as regions
from tests.campaigns.test_pages import VillagerBrowser
from tests.campaigns.test_regional import body, township  # noqa: F401 - the fixture
from tests.factories import ROOT
from tests.regions.conftest import tree  # noqa: F401 - the county, its townships and staff
from tests.reports.pdf import pdf_text


def test_a_township_campaign_on_the_staff_pages(client, api, browse, township):  # noqa: F811
    world = township["tree"]
    council = [world.township_admin, *township["leaders"]]
    today = local_today(world.village.timezone)
    campaign = api.post(
        f"/regions/{world.township.id}/campaigns",
        json=body(council, today, seats=1, quorum=3),
        as_=world.township_admin,
    )
    url = f"/leader/campaigns/{campaign['id']}"
    nominee = township["households"][1][0]  # of the second village, 东风村
    number = db.session.get(Household, nominee.id).number
    by_leader = browse(township["leaders"][1])
    by_leader.post(
        f"{url}/nominations",
        {"household_number": number, "reason": "照顾瘫痪婆婆十年"},
        page=url,
        expect=303,
    )
    nomination = db.session.execute(db.select(Nomination)).scalars().one()
    assert (nomination.household_id, nomination.village_id) == (nominee.id, nominee.village_id)
    browse(township["leaders"][0]).get(url)  # the first village's leader sees it too
    for member in council:
        vote = {"decision": "approve", "note": "属实"}
        browse(member).post(f"/leader/nominations/{nomination.id}/vote", vote, page=url, expect=303)

    township_admin = browse(world.township_admin)
    township_admin.post(f"{url}/publish", {}, page=url, expect=303)
    notice = township_admin.get(f"{url}/notice.pdf")
    township_admin.post(f"{url}/confer", {}, page=url, expect=303)
    certificates = township_admin.get(f"{url}/certificates.pdf")

    assert "城关镇" in pdf_text(notice.data)  # from the township, not one of its villages
    signed = pdf_text(certificates.data)
    assert "城关镇" in signed
    assert "幸福村" not in signed
    assert "东风村" not in signed
    assert db.session.get(Nomination, nomination.id).transfer_id is not None
    for village in township["villages"]:
        board = client.get(f"/board/{village.id}").get_data(as_text=True)
        assert 'id="honour-roll"' in board
        assert number in board
    browse(world.other_township_admin).get(url, expect=403)


def test_the_township_admin_sets_up_a_campaign_on_the_region_s_page(
    browse,
    township,  # noqa: F811
):
    world = township["tree"]
    page = f"/regions/{world.township.id}/campaigns"
    by_admin = browse(world.township_admin)
    assert "十星级文明户" not in by_admin.text(page)
    today = local_today(world.village.timezone).isoformat()
    leaders = [str(leader.user_id) for leader in township["leaders"]]

    done = by_admin.post(
        page,
        {"title": "十星级文明户", "points": "60", "seats": "2", "nominate_from": today,
         "nominate_until": today, "review_until": today, "notice_days": "3", "quorum": "2",
         "council": leaders},
        expect=303,
        follow_redirects=False,
    )  # fmt: skip

    campaign = db.session.execute(db.select(Campaign)).scalars().one()
    assert done.location.endswith(f"/leader/campaigns/{campaign.id}")
    assert (campaign.region_id, campaign.points, campaign.village_id) == (
        world.township.id,
        60,
        None,
    )
    assert "十星级文明户" in by_admin.text(page)
    assert f"/regions/{world.township.id}/campaigns" in by_admin.text(
        f"/regions/{world.township.id}"
    )
    browse(world.village_admin).get(page, expect=403)
    browse(world.other_township_admin).get(page, expect=403)


def test_a_household_of_any_village_under_the_township_nominates_from_its_own_page(
    client,
    api,
    township,  # noqa: F811
):
    world = township["tree"]
    today = local_today(world.village.timezone)
    campaign = api.post(
        f"/regions/{world.township.id}/campaigns",
        json=body([world.township_admin, *township["leaders"]], today, villagers_nominate=True),
        as_=world.township_admin,
    )
    villager, neighbour = township["households"][1]
    page = f"/me/campaigns/{campaign['id']}"
    me = VillagerBrowser(client, villager)
    assert "十星级文明户" in me.text("/me/campaigns")
    number = db.session.get(Household, neighbour.id).number

    me.post(f"{page}/nominations", {"household_number": number, "reason": "热心助人"},
            page=page, expect=303)  # fmt: skip

    nomination = db.session.execute(db.select(Nomination)).scalars().one()
    assert (nomination.household_id, nomination.village_id) == (neighbour.id, neighbour.village_id)
    assert "热心助人" in me.text(page)


def test_a_refusal_of_a_field_the_form_does_not_show_is_said_on_top(
    browse,
    township,  # noqa: F811
):
    world = township["tree"]
    empty = regions.create_region(ROOT, name="新开乡", level="township", parent_id=world.county.id)
    admin = world.make.staff("township_admin", region=empty)
    today = local_today(world.village.timezone).isoformat()

    refused = browse(admin).post(
        f"/regions/{empty.id}/campaigns",
        {"title": "十星级文明户", "points": "60", "seats": "2", "nominate_from": today,
         "nominate_until": today, "review_until": today, "notice_days": "3", "quorum": "1"},
        expect=422,
    )  # fmt: skip

    assert "这个地区下还没有村" in refused.get_data(as_text=True)  # region_id: no field of its own
