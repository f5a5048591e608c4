"""The pages in Chinese: a county admin starts a template, adds its rules and publishes it; a
village admin sees the notice on the rules page and adopts it with points of their own; a
refusal says why on the page and keeps nothing."""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from pointsmart.rule_templates import adoption, drafting, reading
from pointsmart.rule_templates.models import Adoption, RuleTemplate, TemplateEntry
from pointsmart.rules.models import Rule
from tests.admin.conftest import Pages
from tests.factories import ROOT
from tests.rule_templates.conftest import publish_template


def _rules_of(db_session, village_id: int) -> dict[str, Rule]:
    rows = db_session.execute(sa.select(Rule).where(Rule.village_id == village_id)).scalars()
    return {rule.code: rule for rule in rows}


def test_a_county_admin_starts_a_template_adds_rules_and_publishes_it(client, tree, db_session):
    pages = Pages(client).as_(tree.county_admin)
    html = pages.get(f"/regions/{tree.county.id}")
    assert f"/regions/{tree.county.id}/rule-templates" in html
    html = pages.get(f"/regions/{tree.county.id}/rule-templates")
    assert "积分细则模板" in html
    assert "新建模板" in html

    pages.post(f"/regions/{tree.county.id}/rule-templates", {"title": "村规民约积分细则"})
    template = db_session.execute(sa.select(RuleTemplate)).scalar_one()
    html = pages.get(f"/rule-templates/{template.id}")
    assert "草稿" in html
    pages.post(
        f"/rule-templates/{template.id}/draft/entries",
        {
            "code": "mqsb",
            "name": "门前三包",
            "category": "rule",
            "unit": "each",
            "points": "10",
            "points_min": "8",
            "points_max": "12",
            "monthly_cap": "30",
        },
    )
    pages.post(
        f"/rule-templates/{template.id}/draft/entries",
        {"code": "lkxs", "name": "乱扣乱建", "category": "black", "unit": "each", "points": "-20"},
    )
    entry = db_session.execute(
        sa.select(TemplateEntry).where(TemplateEntry.code == "lkxs")
    ).scalar_one()
    pages.get(f"/rule-templates/{template.id}")
    pages.post(f"/rule-templates/{template.id}/draft/entries/{entry.id}/remove")
    pages.get(f"/rule-templates/{template.id}")
    pages.post(f"/rule-templates/{template.id}/publish")

    html = pages.get(f"/rule-templates/{template.id}")
    assert "第 1 版" in html
    assert "以第 1 版为底稿开始修订" in html
    version = reading.get_version(ROOT, template.id, 1)
    assert [(e.code, e.points, e.points_min, e.points_max) for e in version.entries] == [
        ("mqsb", 10, 8, 12)
    ]
    html = pages.get(f"/rule-templates/{template.id}/versions/1")
    assert "门前三包" in html
    assert "8 至 12" in html


def test_a_bad_rule_in_the_draft_is_refused_in_chinese_on_the_page(client, tree, db_session):
    made = drafting.create_template(ROOT, tree.county.id, title="细则")
    db_session.commit()
    pages = Pages(client).as_(tree.county_admin)
    pages.get(f"/rule-templates/{made.id}")
    html = pages.post(
        f"/rule-templates/{made.id}/draft/entries",
        {
            "code": "mqsb",
            "name": "门前三包",
            "category": "rule",
            "points": "10",
            "points_min": "11",
        },
        expect=422,
    )
    assert 'id="entry-new-points_min-error"' in html
    assert "范围" in html
    html = pages.post(f"/rule-templates/{made.id}/publish", expect=422)
    assert "至少" in html
    assert reading.get_draft(ROOT, made.id).entries == []


def test_a_draft_rule_refused_for_the_others_says_why_beside_it(client, tree, db_session):
    """A rule's form shows only its own fields' errors and the top of the form. A rule given
    the code of a rule further down the list, and a rule added to a full draft, were refused
    with 422 and no word why: the refusal named the other rule's place, or the whole list."""
    made = drafting.create_template(
        ROOT,
        tree.county.id,
        title="细则",
        entries=[
            {"code": "mqsb", "name": "门前三包", "category": "rule", "points": 10},
            {"code": "lkxs", "name": "乱扣乱建", "category": "black", "points": -20},
        ],
    )
    db_session.commit()
    first = reading.get_draft(ROOT, made.id).entries[0]
    pages = Pages(client).as_(tree.county_admin)
    pages.get(f"/rule-templates/{made.id}")
    html = pages.post(
        f"/rule-templates/{made.id}/draft/entries/{first.id}",
        {"code": "lkxs", "name": "门前三包", "category": "rule", "points": "10"},
        expect=422,
    )
    assert f'id="entry-{first.id}-code-error"' in html
    assert "模板里有两条细则用了同一个编号" in html
    assert [e.code for e in reading.get_draft(ROOT, made.id).entries] == ["mqsb", "lkxs"]

    full = [{"code": f"r{n}", "name": "细则", "category": "rule", "points": 1} for n in range(200)]
    drafting.save_draft(ROOT, made.id, entries=full)
    db_session.commit()
    pages.get(f"/rule-templates/{made.id}")
    html = pages.post(
        f"/rule-templates/{made.id}/draft/entries",
        {"code": "more", "name": "细则", "category": "rule", "points": "1"},
        expect=422,
    )
    assert "一个模板最多 200 条细则" in html
    assert len(reading.get_draft(ROOT, made.id).entries) == 200


def test_township_and_village_admins_read_the_published_version_only(client, tree, template_id):
    for staff in (tree.township_admin, tree.village_admin):
        pages = Pages(client).as_(staff)
        html = pages.get(f"/rule-templates/{template_id}")
        assert "第 1 版" in html
        assert "草稿" not in html
        assert 'action="/rule-templates/' not in html
        pages.get(f"/rule-templates/{template_id}/versions/1")
        pages.post(f"/rule-templates/{template_id}/draft", expect=403)
    pages = Pages(client).as_(tree.leader)
    pages.get(f"/rule-templates/{template_id}", expect=403)


def test_the_rules_page_shows_the_notice_and_the_village_admin_adopts(
    client, tree, template_id, db_session
):
    pages = Pages(client).as_(tree.village_admin)
    html = pages.get(f"/admin/villages/{tree.village.id}/rules")
    adopt_url = f"/admin/villages/{tree.village.id}/rule-templates/{template_id}/versions/1"
    assert adopt_url in html
    assert "村规民约积分细则" in html

    html = pages.get(adopt_url)
    version = reading.get_version(ROOT, template_id, 1)
    ids = {entry.code: entry.id for entry in version.entries}
    assert f'name="points-{ids["mqsb"]}"' in html
    assert f'name="points-{ids["lkxs"]}"' not in html  # fixed by the county
    html = pages.post(
        adopt_url,
        {f"include-{ids['mqsb']}": "1", f"points-{ids['mqsb']}": "13"},
        expect=422,
    )
    assert f'id="points-{ids["mqsb"]}-error"' in html
    assert "分值应在 8 至 12 分之间" in html
    assert _rules_of(db_session, tree.village.id) == {}

    pages.post(
        adopt_url,
        {
            f"include-{ids['mqsb']}": "1",
            f"points-{ids['mqsb']}": "11",
            f"include-{ids['lkxs']}": "1",
        },
    )
    rules = _rules_of(db_session, tree.village.id)
    assert set(rules) == {"mqsb", "lkxs"}
    html = pages.get(f"/admin/villages/{tree.village.id}/rules")
    assert adopt_url not in html  # no notice: the latest version is adopted
    assert re.search(r"8\D+12", html)

    # A later edit outside the range is refused on the rules page, in Chinese.
    html = pages.post(f"/admin/rules/{rules['mqsb'].id}/version", {"points": "20"}, expect=422)
    assert "县" in html


def test_the_village_page_lists_templates_and_what_was_adopted(client, tree, template_id):
    pages = Pages(client).as_(tree.village_admin)
    html = pages.get(f"/admin/villages/{tree.village.id}/rule-templates")
    assert "村规民约积分细则" in html
    Pages(client).as_(tree.township_admin).get(
        f"/admin/villages/{tree.village.id}/rule-templates", expect=403
    )


def test_the_days_of_publication_and_adoption_are_shanghai_s(client, tree, db_session, monkeypatch):
    """Published and adopted at 07:30 on January 5 in Shanghai, still January 4 in UTC: every
    page says the 5th."""
    morning = dt.datetime(2027, 1, 4, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(drafting, "utcnow", lambda: morning)
    template_id = publish_template(tree.county.id)
    adoption.adopt(tree.village_admin.principal, tree.village.id, template_id, 1)
    db_session.execute(sa.update(Adoption).values(adopted_at=morning))

    county = Pages(client).as_(tree.county_admin)
    village = Pages(client).as_(tree.village_admin)
    for html in (
        county.get(f"/rule-templates/{template_id}"),
        county.get(f"/rule-templates/{template_id}/versions/1"),
        village.get(f"/admin/villages/{tree.village.id}/rule-templates"),
        village.get(f"/admin/villages/{tree.village.id}/rule-templates/{template_id}/versions/1"),
    ):
        assert "2027-01-05" in html
        assert "2027-01-04" not in html


def test_points_that_are_no_whole_number_are_refused_beside_the_rule_and_nothing_is_adopted(
    client, tree, template_id, db_session
):
    pages = Pages(client).as_(tree.village_admin)
    adopt_url = f"/admin/villages/{tree.village.id}/rule-templates/{template_id}/versions/1"
    version = reading.get_version(ROOT, template_id, 1)
    mqsb = next(entry.id for entry in version.entries if entry.code == "mqsb")

    # ``²`` passed str.isdigit and failed int(), and so did 10,000 digits and ``--5``: 500s.
    for points in ("²", "1" * 10_000, "--5"):
        html = pages.post(adopt_url, {f"include-{mqsb}": "1", f"points-{mqsb}": points}, expect=422)
        assert f'id="points-{mqsb}-error"' in html
        assert "请填写整数。" in html
    assert _rules_of(db_session, tree.village.id) == {}
