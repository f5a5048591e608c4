"""The home page: Chinese by default, English on request, light, self-hosted and accessible."""

import itertools
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.site.pages import Page

MAX_PAGE_BYTES = 150 * 1024


def get_page(client, path="/", **kwargs):
    response = client.get(path, **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/html"
    return response, Page(response.get_data(as_text=True))


def test_the_home_page_is_in_chinese_by_default(client):
    response, page = get_page(client)

    assert page.html_lang == "zh-CN"
    assert page.title == "积分超市"
    assert page.headings[0] == (1, "积分超市")
    text = response.get_data(as_text=True)
    for words in ("志愿服务", "红榜", "黑榜", "村规民约", "兑换商品"):
        assert words in text
    for audience in ("村民", "志愿队长、网格员", "商店店主", "村委会管理员"):
        assert (3, audience) in page.headings


def test_the_home_page_speaks_english_with_lang_en(client):
    response, page = get_page(client, "/?lang=en")

    assert page.html_lang == "en"
    assert page.title == "Points Supermarket"
    assert (3, "Villagers") in page.headings
    assert "积分超市" not in response.get_data(as_text=True)


def test_accept_language_english_is_honoured(client):
    _, page = get_page(client, headers={"Accept-Language": "en-GB,en;q=0.9"})

    assert page.html_lang == "en"


def test_an_unknown_language_falls_back_to_chinese(client):
    _, page = get_page(client, "/?lang=fr", headers={"Accept-Language": "fr"})

    assert page.html_lang == "zh-CN"


def test_the_language_switch_remembers_the_choice(client):
    response = client.get("/lang/en?next=/")

    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    _, page = get_page(client)
    assert page.html_lang == "en"

    client.get("/lang/zh_Hans_CN?next=/")
    _, page = get_page(client)
    assert page.html_lang == "zh-CN"


def test_the_language_switch_returns_to_a_local_page_with_its_query(client):
    response = client.get("/lang/en", query_string={"next": "/api/v1/docs?x=1"})

    assert response.headers["Location"] == "/api/v1/docs?x=1"


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example/path",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/\r\nLocation: https://evil.example",
        "/\tevil",
        "",
    ],
)
def test_the_language_switch_refuses_to_redirect_elsewhere(client, target):
    response = client.get("/lang/en", query_string={"next": target})

    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_the_language_switch_knows_only_the_configured_languages(client):
    response = client.get("/lang/fr?next=/")

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    with client.session_transaction() as session:
        assert "lang" not in session


def test_the_switch_links_lead_back_here_without_a_lang_parameter(client):
    _, page = get_page(client, "/?lang=en&x=1")

    switches = [link for link in page.links if link.href.startswith("/lang/")]
    assert {link.href.split("?")[0] for link in switches} == {"/lang/zh_Hans_CN", "/lang/en"}
    for link in switches:
        assert parse_qs(urlsplit(link.href).query) == {"next": ["/?x=1"]}
    current = [link for link in switches if link.attrs.get("aria-current")]
    assert [link.text for link in current] == ["English"]


@pytest.mark.parametrize("path", ["/", "/?lang=en"])
def test_the_page_and_its_assets_weigh_under_150_kb(client, path):
    response, page = get_page(client, path)
    total = len(response.data)

    assert page.assets, "the page should link its stylesheet"
    for asset in page.assets:
        asset_response = client.get(asset)
        assert asset_response.status_code == 200, asset
        total += len(asset_response.data)
        asset_response.close()
    assert total < MAX_PAGE_BYTES


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/no-such-page"])
def test_every_url_on_the_page_is_our_own(client, path):
    response = client.get(path)
    page = Page(response.get_data(as_text=True))

    assert page.urls
    for url in page.urls:
        parts = urlsplit(url)
        assert not parts.scheme, url
        assert not parts.netloc, url
    assert "http://" not in response.get_data(as_text=True)
    assert "https://" not in response.get_data(as_text=True)


def test_every_link_leads_to_a_page_that_exists(client):
    _, page = get_page(client)

    for link in page.links:
        if link.href.startswith("#"):
            continue
        response = client.get(link.href)
        if response.status_code == 302:
            # a staff or a household's page: it exists, and sends a visitor to sign in first
            assert response.headers["Location"].startswith(("/login?next=", "/me/login")), link.href
        else:
            assert response.status_code in (200, 303), link.href
        response.close()


@pytest.mark.parametrize("path", ["/", "/?lang=en", "/no-such-page"])
def test_the_page_has_landmarks_named_links_and_ordered_headings(client, path):
    response = client.get(path)
    page = Page(response.get_data(as_text=True))

    assert page.html_lang
    assert page.title.strip()
    viewport = page.meta("viewport") or ""
    assert "width=device-width" in viewport
    assert "user-scalable=no" not in viewport
    assert "maximum-scale" not in viewport
    tags = [tag for tag, _ in page.landmarks]
    assert tags.count("main") == 1
    assert "header" in tags
    assert "footer" in tags
    assert all(attrs.get("aria-label") for tag, attrs in page.landmarks if tag == "nav")
    levels = [level for level, _ in page.headings]
    assert levels.count(1) == 1
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert all(text for _, text in page.headings)
    assert all(link.text or link.attrs.get("aria-label") for link in page.links)
    assert page.images_without_alt == 0


def test_the_stylesheet_is_large_and_touch_friendly(client):
    response = client.get("/static/site.css")
    css = response.get_data(as_text=True)
    response.close()

    assert "font-size: 125%" in css  # 20px base where the browser default is 16px
    assert css.count("min-height: 48px") >= 3
    assert "@import" not in css
    assert "url(" not in css


def test_an_error_page_is_friendly_and_in_the_visitors_language(client):
    response = client.get("/no-such-page")
    page = Page(response.get_data(as_text=True))

    assert response.status_code == 404
    assert page.headings[0] == (1, "未找到。")
    assert any(link.href == "/" for link in page.links)

    response = client.get("/no-such-page?lang=en")
    assert Page(response.get_data(as_text=True)).headings[0] == (1, "Not found.")


def test_the_api_docs_page_uses_only_our_own_redoc(client):
    response = client.get("/api/v1/docs")
    page = Page(response.get_data(as_text=True))

    assert response.status_code == 200
    hashed = re.compile(r"/static/vendor/redoc/redoc\.standalone\.[0-9a-f]{12}\.js")
    [redoc] = [asset for asset in page.assets if hashed.fullmatch(asset)]
    assert all(asset.startswith("/static/") for asset in page.assets)
    for url in page.urls:
        assert not urlsplit(url).netloc, url
    script = client.get(redoc)
    assert script.status_code == 200
    assert len(script.data) > 500_000  # the real bundle, not a placeholder
    script.close()
