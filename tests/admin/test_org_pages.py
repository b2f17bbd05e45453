"""Administrators' organisation pages (issue 7 §1): the agency profile with its emblem, units
and categories; every change audited; other roles refused."""

import io
import json

import pytest
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import select

from rongrian.intake.models import Agency, AuditEntry, Category, Sensitivity, Unit
from tests.admin.helpers import login, page, post_form
from tests.conftest import Demo


def _audit(demo: Demo, action: str) -> list[dict[str, object]]:
    with demo.sessions() as session:
        return [json.loads(entry.detail) | {"actor": entry.actor_name} for entry in
                session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                .order_by(AuditEntry.seq))]


def _unit(demo: Demo, code: str) -> Unit:
    with demo.sessions() as session:
        unit = session.scalars(select(Unit).where(Unit.code == code)).one()
        session.expunge(unit)
        return unit


def _category(demo: Demo, code: str) -> Category:
    with demo.sessions() as session:
        category = session.scalars(select(Category).where(Category.code == code)).one()
        session.expunge(category)
        return category


AGENCY = {"name_th": "เทศบาลตำบลร่มเย็น", "name_en": "Romyen Subdistrict Municipality",
          "short_name": "ทต.ร่มเย็น", "address": "99 หมู่ 1", "hotline": "0 5300 1234",
          "office_hours": "จันทร์–ศุกร์ 08.30–16.30 น.", "website": "https://romyen.go.th",
          "line_official_account": "@romyen"}


@pytest.mark.parametrize("path", ["/admin/agency", "/admin/units", "/admin/categories",
                                  "/admin/units/1", "/admin/categories/1"])
@pytest.mark.parametrize("username", ["palad", "integrity", "executive"])
def test_only_administrators_may_use_the_pages(staff_client: FlaskClient, path: str,
                                               username: str) -> None:
    login(staff_client, username)
    assert staff_client.get(path).status_code == 403
    assert staff_client.post(path, data={}).status_code in (400, 403)  # CSRF first, or role


def test_not_logged_in_gets_nothing(staff_client: FlaskClient) -> None:
    response = staff_client.get("/admin/units")
    assert response.status_code in (302, 303, 401)
    assert "ORG" not in response.get_data(as_text=True)


def test_agency_profile_and_emblem_are_saved_and_audited(staff_client: FlaskClient,
                                                         demo: Demo) -> None:
    login(staff_client, "admin")
    status, body = page(staff_client, "/admin/agency")
    assert status == 200
    assert 'value="0 5300 0000"' in body
    image = io.BytesIO()
    Image.new("RGB", (300, 200), (10, 120, 40)).save(image, format="JPEG")
    token_page = "/admin/agency"
    response = post_form(staff_client, token_page, "/admin/agency", {
        **AGENCY, "emblem": (io.BytesIO(image.getvalue()), "emblem.jpg")})  # type: ignore[dict-item]
    assert response.status_code == 302
    with demo.sessions() as session:
        agency = session.get(Agency, 1)
        assert agency is not None
        assert agency.hotline == "0 5300 1234"
        assert agency.emblem is not None
        assert agency.emblem.startswith(b"\x89PNG")
    entries = _audit(demo, "agency_changed")
    assert len(entries) == 1
    assert entries[0]["actor"] == "admin"
    assert "hotline" in str(entries[0]["fields"])
    assert "emblem" in str(entries[0]["fields"])


@pytest.mark.parametrize(("field", "value", "message"), [
    ("name_th", "", "ต้องกรอกช่องนี้"),
    ("website", "not a web address", "ที่อยู่เว็บ"),
    ("line_official_account", "romyen", "ขึ้นต้นด้วย @"),
])
def test_agency_bad_input_is_refused_in_thai(staff_client: FlaskClient, demo: Demo,
                                             field: str, value: str, message: str) -> None:
    login(staff_client, "admin")
    response = post_form(staff_client, "/admin/agency", "/admin/agency",
                         {**AGENCY, field: value})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _audit(demo, "agency_changed") == []


def test_a_text_file_is_no_emblem(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "admin")
    response = post_form(staff_client, "/admin/agency", "/admin/agency", {
        **AGENCY, "emblem": (io.BytesIO(b"GIF89a not really"), "x.png")})  # type: ignore[dict-item]
    assert response.status_code == 400
    assert "PNG หรือ JPEG" in response.get_data(as_text=True)


def test_add_rename_move_and_deactivate_a_unit(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "admin")
    works = _unit(demo, "WORKS")
    response = post_form(staff_client, "/admin/units", "/admin/units", {
        "code": "ROADS", "name_th": "งานถนน", "name_en": "Roads", "parent": str(works.id),
        "active": "y"})
    assert response.status_code == 302
    roads = _unit(demo, "ROADS")
    assert roads.parent_id == works.id
    assert roads.active
    palad = _unit(demo, "PALAD")
    response = post_form(staff_client, f"/admin/units/{roads.id}", f"/admin/units/{roads.id}", {
        "name_th": "งานทางและสะพาน", "name_en": "Roads and bridges", "parent": str(palad.id)})
    assert response.status_code == 302
    changed = _unit(demo, "ROADS")
    assert changed.name_th == "งานทางและสะพาน"
    assert changed.parent_id == palad.id
    assert not changed.active  # the box was not ticked
    assert [e["unit"] for e in _audit(demo, "unit_added")] == ["ROADS"]
    fields = str(_audit(demo, "unit_changed")[0]["fields"])
    assert {"name_th", "parent_id", "active"} <= set(fields.split(","))
    status, body = page(staff_client, "/admin/units")
    assert status == 200
    assert 'data-code="ROADS" class="inactive"' in body


def test_a_unit_cannot_move_under_its_own_unit(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "admin")
    works = _unit(demo, "WORKS")
    post_form(staff_client, "/admin/units", "/admin/units", {
        "code": "ROADS", "name_th": "งานถนน", "parent": str(works.id), "active": "y"})
    roads = _unit(demo, "ROADS")
    response = post_form(staff_client, f"/admin/units/{works.id}", f"/admin/units/{works.id}", {
        "name_th": works.name_th, "parent": str(roads.id), "active": "y"})
    # ROADS is not offered as WORKS's parent: the choice is refused either way
    assert response.status_code == 400
    assert _unit(demo, "WORKS").parent_id == works.parent_id


def test_the_integrity_unit_stays_active(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "admin")
    audit = _unit(demo, "AUDIT")
    response = post_form(staff_client, f"/admin/units/{audit.id}", f"/admin/units/{audit.id}", {
        "name_th": audit.name_th, "parent": str(audit.parent_id)})
    assert response.status_code == 400
    assert "ต้องเปิดใช้งานเสมอ" in response.get_data(as_text=True)
    assert _unit(demo, "AUDIT").active
    assert _audit(demo, "unit_changed") == []


def test_add_and_change_a_category(staff_client: FlaskClient, demo: Demo,
                                   public_client: FlaskClient) -> None:
    login(staff_client, "admin")
    works = _unit(demo, "WORKS")
    response = post_form(staff_client, "/admin/categories", "/admin/categories", {
        "code": "bus_stop", "name_th": "ไฟฟ้าส่องสว่างดับ", "name_en": "Street lights",
        "kind": "grievance", "sensitivity": "general", "unit": str(works.id), "days": "7",
        "active": "y"})
    assert response.status_code == 302
    assert "ไฟฟ้าส่องสว่างดับ" in public_client.get("/report").get_data(as_text=True)
    light = _category(demo, "bus_stop")
    assert light.sla_days == 7
    assert light.default_unit_id == works.id
    assert light.active
    response = post_form(staff_client, f"/admin/categories/{light.id}",
                         f"/admin/categories/{light.id}", {
                             "name_th": "ไฟฟ้าส่องสว่างดับ", "name_en": "Street lights",
                             "kind": "grievance", "sensitivity": "general",
                             "unit": str(works.id), "days": "5"})  # not active
    assert response.status_code == 302
    changed = _category(demo, "bus_stop")
    assert changed.sla_days == 5
    assert not changed.active
    assert "ไฟฟ้าส่องสว่างดับ" not in public_client.get("/report").get_data(as_text=True)
    assert [e["category"] for e in _audit(demo, "category_added")] == ["bus_stop"]
    assert _audit(demo, "category_changed")[0]["fields"] == "sla_days,active"


@pytest.mark.parametrize(("changes", "message"), [
    ({"days": "0"}, "จำนวนวันทำการ"),
    ({"days": "366"}, "จำนวนวันทำการ"),
    ({"sensitivity": "whistleblower"}, "ต้องส่งถึงหน่วยงานด้านคุณธรรม"),
    ({"code": "general"}, "รหัสนี้ถูกใช้แล้ว"),
    ({"code": "Bad Code"}, "อักษรอังกฤษตัวเล็ก"),
    ({"unit": "99999"}, "กรุณาเลือก"),
])
def test_bad_categories_are_refused(staff_client: FlaskClient, demo: Demo,
                                    changes: dict[str, str], message: str) -> None:
    login(staff_client, "admin")
    works = _unit(demo, "WORKS")
    data = {"code": "bus_stop", "name_th": "ไฟดับ", "kind": "grievance",
            "sensitivity": "general", "unit": str(works.id), "days": "7", "active": "y",
            **changes}
    response = post_form(staff_client, "/admin/categories", "/admin/categories", data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _audit(demo, "category_added") == []


def test_a_whistleblower_category_in_the_integrity_unit_is_accepted(
        staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "admin")
    audit = _unit(demo, "AUDIT")
    response = post_form(staff_client, "/admin/categories", "/admin/categories", {
        "code": "bribe", "name_th": "เรียกรับสินบน", "kind": "tip",
        "sensitivity": "whistleblower", "unit": str(audit.id), "days": "60", "active": "y"})
    assert response.status_code == 302
    assert _category(demo, "bribe").sensitivity == Sensitivity.WHISTLEBLOWER


def test_an_inactive_category_may_stay_in_an_inactive_unit(demo: Demo) -> None:
    from rongrian.admin.org_changes import change_unit, create_category
    from rongrian.intake.errors import InvalidSubmission
    from rongrian.intake.models import Kind

    with demo.sessions() as session:
        finance = session.scalars(select(Unit).where(Unit.code == "FINANCE")).one()
        change_unit(session, None, finance, active=False)
        values = {"name_th": "ค่าธรรมเนียม", "name_en": "", "kind": Kind.COMPLAINT,
                  "sensitivity": Sensitivity.NORMAL, "unit": finance, "days": 15,
                  "position": 20}
        with pytest.raises(InvalidSubmission) as refused:
            create_category(session, None, code="fees", active=True, **values)  # type: ignore[arg-type]
        assert refused.value.problems == {"unit": "inactive"}
        kept = create_category(session, None, code="fees", active=False, **values)  # type: ignore[arg-type]
        assert not kept.active
        session.rollback()
