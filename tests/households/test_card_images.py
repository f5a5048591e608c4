"""Card QR codes: a real decoder reads the card's URL back from the PNG, and from the PDF sheet."""

import io

import zxingcpp
from PIL import Image
from pypdf import PdfReader

from pointsmart.households.card_images import qr_png, qr_svg
from pointsmart.households.cards import current_card, issue_card


def decode(png: bytes) -> list[str]:
    with Image.open(io.BytesIO(png)) as image:
        return [result.text for result in zxingcpp.read_barcodes(image.convert("L"))]


def test_the_card_png_decodes_to_the_card_url(make):
    card = issue_card(make.household(make.village()).id)

    assert decode(qr_png(card.url)) == [card.url]
    assert card.url.startswith("https://jifen.example.test/c/")


def test_even_a_small_png_of_a_long_url_decodes():
    url = "https://jifen.example.test/c/" + "W1sMTIzNDU2LDk5OV0" + ".abcdefghijklmnopqrstuvwxyz012"
    assert decode(qr_png(url, box_size=3)) == [url]


def test_the_svg_is_a_plain_svg_path():
    svg = qr_svg("https://jifen.example.test/c/x.y").decode()
    assert svg.startswith("<?xml")
    assert "<svg" in svg
    assert "<path" in svg
    assert "<script" not in svg


def test_an_admin_downloads_the_card_png_and_svg_from_the_api(api, make):
    village = make.village()
    household = make.household(village)
    admin = make.staff("admin", village)
    leader = make.staff("leader", village)
    assert api.get(f"/households/{household.id}/card.png", as_=admin, expect=404)["code"] == (
        "card_not_issued"
    )
    card = issue_card(household.id)

    png = api.request("GET", f"/households/{household.id}/card.png", as_=admin, expect=200)
    svg = api.request("GET", f"/households/{household.id}/card.svg", as_=admin, expect=200)

    assert png.mimetype == "image/png"
    assert decode(png.data) == [card.url]
    assert svg.mimetype == "image/svg+xml"
    assert b"<path" in svg.data
    assert api.get(f"/households/{household.id}/card.png", as_=leader, expect=403)
    assert api.get(f"/households/{household.id}/card.png", expect=401)
    assert api.get("/households/999999/card.svg", as_=admin, expect=404)


def pdf_images(pdf: bytes) -> list[str]:
    urls = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for picture in page.images:
            with picture.image as image:
                urls += [r.text for r in zxingcpp.read_barcodes(image.convert("L"))]
    return urls


def test_the_pdf_sheet_carries_every_card_with_its_decodable_qr_code(make):
    from pointsmart.households.card_sheet import collect_cards, render_pdf
    from tests.factories import ROOT

    village = make.village(name="幸福村")
    households = [
        make.household(village, number=f"XF-{n:03d}", head_name="李秀英") for n in range(1, 13)
    ]
    cards = [issue_card(h.id) for h in households[:11]]

    sheet = collect_cards(ROOT, village.id)
    pdf = render_pdf(sheet.entries, title="幸福村")

    assert (len(sheet.entries), sheet.without_card, sheet.pages) == (11, 1, 2)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    text = reader.pages[0].extract_text()
    assert "幸福村" in text
    assert "户号 XF-001" in text
    assert "户主 李秀英" in text
    assert current_card(households[0].id).code[:4] in text.replace("-", "")
    assert sorted(pdf_images(pdf)) == sorted(card.url for card in cards)


def test_a_rare_character_of_a_name_prints_as_a_gap_on_the_card_never_as_another(make):
    """Regression: the card's font takes characters up to U+FFFF only: 王𠮷 printed as 王䋟
    and a blank, another name on the card a household keeps for years. A variation selector
    (kept in names) chose a glyph the font lacks: its base character prints alone."""
    from pointsmart.households.card_sheet import collect_cards, render_pdf
    from tests.factories import ROOT

    village = make.village(name="幸福村")
    for number, head in (("XF-001", "王\U00020bb7"), ("XF-002", "葛\U000e0100明")):
        issue_card(make.household(village, number=number, head_name=head).id)

    pdf = render_pdf(collect_cards(ROOT, village.id).entries)

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "户主 王□" in text
    assert "户主 葛明" in text
