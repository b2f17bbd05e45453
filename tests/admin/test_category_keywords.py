"""A category's keywords (issue 12): set in the organisation file (``keywords = [...]``) and on
the administrator's category page; they drive the suggestion the citizen confirms."""

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from rongrian.admin.org_apply import apply_organisation
from rongrian.admin.orgfile import load_organisation_file, parse_organisation
from rongrian.intake.audit import COMMAND_LINE, Actor
from rongrian.intake.db import make_session_factory
from rongrian.intake.models import Category
from rongrian.intake.suggest import keywords_of, suggest_category
from tests.admin.helpers import login, post_form
from tests.admin.test_orgfile import BASE, EXAMPLES
from tests.conftest import Demo, wipe

ROAD = 'code = "road"\nname_th = "ถนนชำรุด"\nkind = "grievance"\nunit = "WORKS"\ndays = 15\n'


def _apply(engine: Engine, source: str) -> dict[str, list[str]]:
    with make_session_factory(engine)() as session:
        apply_organisation(session, parse_organisation(source, EXAMPLES),
                           actor=Actor(None, COMMAND_LINE), strength="test")
        session.commit()
        return {c.code: keywords_of(c) for c in session.scalars(select(Category))}


def test_the_tambon_example_gives_every_category_keywords() -> None:
    spec = load_organisation_file(EXAMPLES / "organisation-tambon.toml")
    assert all(category.keywords for category in spec.categories)
    lights = next(c for c in spec.categories if c.code == "street_light")
    assert lights.keywords is not None
    assert "ไฟถนน" in lights.keywords


def test_the_organisation_file_sets_and_keeps_keywords(engine: Engine) -> None:
    wipe(engine)
    with_words = BASE.replace(ROAD, ROAD + 'keywords = ["ถนน", "หลุมบ่อ", " ถนน "]\n')
    assert _apply(engine, with_words)["road"] == ["ถนน", "หลุมบ่อ"]
    with make_session_factory(engine)() as session:
        road = suggest_category(session, "ถนนหน้าโรงเรียนเป็นหลุมบ่อ")
        assert road is not None
        assert road.code == "road"
    assert _apply(engine, BASE)["road"] == ["ถนน", "หลุมบ่อ"]  # left out: kept
    assert _apply(engine, BASE.replace(ROAD, ROAD + "keywords = []\n"))["road"] == []


def test_the_category_page_edits_keywords(staff_client: FlaskClient, demo: Demo,
                                          public_client: FlaskClient) -> None:
    login(staff_client, "admin")
    with demo.sessions() as session:
        drains = session.scalars(select(Category).where(Category.code == "drainage")).one()
        path = f"/admin/categories/{drains.id}"
        form = {"name_th": drains.name_th, "name_en": drains.name_en, "kind": "grievance",
                "sensitivity": "general", "unit": str(drains.default_unit_id),
                "days": str(drains.sla_days), "active": "y"}
    assert "ฝาท่อ" in staff_client.get(path).get_data(as_text=True)  # its keywords, to edit
    response = post_form(staff_client, path, path,
                         {**form, "keywords": "ท่อระบายน้ำ\nคลองแม่ข่า\n\nคลองแม่ข่า"})
    assert response.status_code == 302
    with demo.sessions() as session:
        changed = session.get(Category, drains.id)
        assert changed is not None
        assert keywords_of(changed) == ["ท่อระบายน้ำ", "คลองแม่ข่า"]
        found = suggest_category(session, "คลองแม่ข่าตื้นเขินส่งกลิ่น")
        assert found is not None
        assert found.code == "drainage"


@pytest.mark.parametrize("words", ["ก" * 61, "\n".join(f"คำ{i}" for i in range(101))])
def test_too_many_or_too_long_keywords_are_refused_on_the_page(
        staff_client: FlaskClient, demo: Demo, words: str) -> None:
    login(staff_client, "admin")
    with demo.sessions() as session:
        drains = session.scalars(select(Category).where(Category.code == "drainage")).one()
        path = f"/admin/categories/{drains.id}"
        form = {"name_th": drains.name_th, "kind": "grievance", "sensitivity": "general",
                "unit": str(drains.default_unit_id), "days": "15", "active": "y",
                "keywords": words}
    response = post_form(staff_client, path, path, form)
    assert response.status_code == 400
    assert "คำสำคัญไม่เกิน 100 คำ" in response.get_data(as_text=True)
