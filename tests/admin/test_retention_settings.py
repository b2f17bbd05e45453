"""The retention period of a category (issue 9 §5): set in the organisation file
(``retention_years``) and on the administrator's category page; 5 years when unsaid."""

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from rongrian.admin.org_apply import apply_organisation
from rongrian.admin.orgfile import OrganisationFileInvalid, parse_organisation
from rongrian.intake.audit import COMMAND_LINE, Actor
from rongrian.intake.db import make_session_factory
from rongrian.intake.models import Category
from tests.admin.helpers import login, page, post_form
from tests.admin.test_orgfile import BASE, EXAMPLES
from tests.conftest import Demo, wipe

ROAD = 'code = "road"\nname_th = "ถนนชำรุด"\nkind = "grievance"\nunit = "WORKS"\ndays = 15\n'


def _years(engine: Engine, source: str) -> dict[str, int]:
    with make_session_factory(engine)() as session:
        apply_organisation(session, parse_organisation(source, EXAMPLES),
                           actor=Actor(None, COMMAND_LINE), strength="test")
        session.commit()
        return {c.code: c.retention_years for c in session.scalars(select(Category))}


def test_the_organisation_file_sets_the_period(engine: Engine) -> None:
    wipe(engine)
    assert _years(engine, BASE.replace(ROAD, ROAD + "retention_years = 10\n")) == {
        "road": 10, "corruption": 5}
    assert _years(engine, BASE.replace(ROAD, ROAD + "retention_years = 3\n"))["road"] == 3
    assert _years(engine, BASE)["road"] == 3  # unsaid: kept as it is


@pytest.mark.parametrize("value", ["0", "-1", "101", '"5"', "true", "2.5"])
def test_a_bad_period_is_reported_with_its_line(value: str) -> None:
    source = BASE.replace(ROAD, ROAD + f"retention_years = {value}\n")
    with pytest.raises(OrganisationFileInvalid) as caught:
        parse_organisation(source, EXAMPLES)
    line = source.splitlines().index(f"retention_years = {value}") + 1
    assert [(p.key, p.line) for p in caught.value.problems] == [
        ("categories[1].retention_years", line)]


def _form(category: Category, **changes: str) -> dict[str, str]:
    return {"name_th": category.name_th, "name_en": category.name_en,
            "kind": category.kind.value, "sensitivity": "general",
            "unit": str(category.default_unit_id), "days": str(category.sla_days),
            "active": "y", **changes}


def _general(demo: Demo) -> Category:
    with demo.sessions() as session:
        return session.scalars(select(Category).where(Category.code == "general")).one()


def test_the_category_page_sets_the_period(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "admin")
    category = _general(demo)
    path = f"/admin/categories/{category.id}"
    assert 'name="retention_years"' in page(staff_client, path)[1]
    assert 'value="5"' in page(staff_client, path)[1]
    response = post_form(staff_client, path, path, _form(category, retention_years="2"))
    assert response.status_code == 302
    assert _general(demo).retention_years == 2
    refused = post_form(staff_client, path, path, _form(category, retention_years="0"))
    assert refused.status_code == 400
    assert "จำนวนเต็ม 1 ถึง 100 ปี" in refused.get_data(as_text=True)
    assert _general(demo).retention_years == 2
