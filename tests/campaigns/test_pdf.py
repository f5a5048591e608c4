"""The printed notice (公示) and certificates (奖状) read back as text: the tallies, the
notice's last day, one certificate a page for each winner."""

from __future__ import annotations

from tests.campaigns.conftest import campaign_body
from tests.reports.pdf import page_images, pdf_text


def test_the_notice_and_the_certificates_say_what_the_council_decided(
    api, browse, village, households, admin, leader, council, good_family, today, clock, tmp_path
):
    body = campaign_body(good_family, council, today, notice_days=7)
    campaign = api.post(f"/villages/{village.id}/campaigns", json=body, as_=admin)
    nominations = [
        api.post(f"/campaigns/{campaign['id']}/nominations",
                 json={"household_id": h.id, "reason": "好"}, as_=leader)
        for h in households[:3]
    ]  # fmt: skip
    for member, sides in zip(council, [(1, 1, 0), (1, 1, 0), (1, 0, 0)], strict=True):
        for nomination, approve in zip(nominations, sides, strict=True):
            api.post(f"/nominations/{nomination['id']}/votes", json={"approve": bool(approve)},
                     as_=member)  # fmt: skip
    api.post(f"/campaigns/{campaign['id']}/publish", as_=admin, expect=200)
    page = browse(admin)

    notice = pdf_text(page.get(f"/leader/campaigns/{campaign['id']}/notice.pdf").data)
    clock(7)
    api.post(f"/campaigns/{campaign['id']}/confer", as_=admin, key=True, expect=200)
    certificates = page.get(f"/leader/campaigns/{campaign['id']}/certificates.pdf").data

    assert "好家庭" in notice
    assert "公示" in notice
    rows = [line.split() for line in notice.splitlines() if "当选" in line or "未当选" in line]
    assert [row[-3:] for row in rows] == [
        ["3", "0", "当选"],
        ["2", "1", "当选"],
        ["0", "3", "未当选"],
    ]
    assert len(page_images(certificates, tmp_path)) == 2
    text = pdf_text(certificates)
    assert "奖" in text
    assert "王建国" in text
    assert "李秀英" in text
