"""The key lifecycle through the staff app: an administrator adds a member, the member waits,
a colleague grants, passwords change and are reset, and the administrator never reads a case."""

import re
import uuid

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from rongrian.admin.accounts import add_staff
from rongrian.intake.grants import add_member, grant_by_member, pending_grants
from rongrian.intake.models import (
    AuditEntry,
    IssuedPassword,
    KeyGrant,
    Role,
    StaffAccount,
    StaffSession,
    Unit,
    UnitMembership,
)
from tests.admin.helpers import (
    WORKS_TEXT,
    Filer,
    case_links,
    login,
    page,
    post_form,
    sent_to_login,
)
from tests.conftest import PASSWORDS, Demo
from tests.intake.helpers import unlock

PENDING_TH = "ยังไม่ได้รับสิทธิ์เข้าถึง"
PENDING_EN = "Access pending"
OTP = re.compile(r'id="one-time-password">([a-z0-9-]{19})<')


def _client(app: Flask) -> FlaskClient:
    return app.test_client()


def _account(demo: Demo, username: str) -> StaffAccount | None:
    with demo.sessions() as session:
        return session.scalars(select(StaffAccount).where(
            StaffAccount.username == username)).first()


def _unit_id(demo: Demo, code: str) -> int:
    return demo.organisation.units[code].id


def _grants_of(demo: Demo, username: str) -> int:
    with demo.sessions() as session:
        account = session.scalars(select(StaffAccount).where(
            StaffAccount.username == username)).one()
        return len(list(session.scalars(select(KeyGrant).where(
            KeyGrant.account_id == account.id))))


def _create(admin: FlaskClient, username: str, unit: str = "", role: str = "staff",
            name: str = "สมศักดิ์ ขยันดี นายช่างโยธา") -> TestResponse:
    return post_form(admin, "/admin/staff", "/admin/staff", {
        "username": username, "display_name": name, "role": role, "unit": unit})


def _one_time_password(response: TestResponse) -> str:
    match = OTP.search(response.get_data(as_text=True))
    assert match, "no one-time password on the page"
    return match.group(1)


def _set_own_password(client: FlaskClient, username: str, one_time: str, new: str) -> None:
    assert login(client, username, one_time).status_code == 302
    response = post_form(client, "/account/password", "/account/password", {
        "current_password": one_time, "new_password": new, "confirm": new})
    assert response.status_code == 302, response.get_data(as_text=True)


def _admin_reads_nothing(demo: Demo, admin: FlaskClient, case_id: uuid.UUID) -> None:
    status, body = page(admin, f"/cases/{case_id}")
    assert status == 404
    assert WORKS_TEXT not in body
    assert _grants_of(demo, "admin") == 0


def test_pending_grant_end_to_end(staff_app: Flask, demo: Demo, file: Filer) -> None:
    receipt = file()
    admin = _client(staff_app)
    login(admin, "admin")
    _admin_reads_nothing(demo, admin, receipt.complaint_id)

    created = _create(admin, "somsak", unit=str(_unit_id(demo, "WORKS")))
    assert created.status_code == 200
    one_time = _one_time_password(created)
    assert "แสดงเพียงครั้งเดียว" in created.get_data(as_text=True)
    _admin_reads_nothing(demo, admin, receipt.complaint_id)

    # A colleague sees the request, but cannot grant before the newcomer chose a password.
    works = _client(staff_app)
    login(works, "works")
    _, requests = page(works, "/grants")
    assert "somsak" in requests
    assert "รอเข้าสู่ระบบครั้งแรก" in requests
    with demo.sessions() as session:
        ring_id = pending_grants(session)[0].ring_id
        somsak_id = session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == "somsak")).one()
    early = post_form(works, "/grants", "/grants", {"account_id": str(somsak_id),
                                                     "ring_id": str(ring_id)})
    assert early.status_code == 400
    assert _grants_of(demo, "somsak") == 0

    # The newcomer must choose a password first; every other page leads there.
    somsak = _client(staff_app)
    assert login(somsak, "somsak", one_time).status_code == 302
    assert somsak.get("/cases").location == "/account/password"
    _, form = page(somsak, "/account/password")
    assert "รหัสผ่านใช้ครั้งเดียวจากผู้ดูแลระบบ" in form
    response = post_form(somsak, "/account/password", "/account/password", {
        "current_password": one_time, "new_password": "ท่อระบายน้ำ-2568",
        "confirm": "ท่อระบายน้ำ-2568"})
    assert response.status_code == 302

    # The case list shows the case; the case itself says "access pending" (403, no content).
    status, listing = page(somsak, "/cases")
    assert status == 200
    assert case_links(listing) == {receipt.case_number}
    assert "อยู่ระหว่างรออนุญาต" in listing
    status, body = page(somsak, f"/cases/{receipt.complaint_id}")
    assert status == 403
    assert PENDING_TH in body
    assert WORKS_TEXT not in body

    # The colleague's next page shows the request; one click grants it.
    _, cases_page = page(works, "/cases")
    assert "ดูคำขอสิทธิ์เข้าถึง" in cases_page
    granted = post_form(works, "/grants", "/grants", {"account_id": str(somsak_id),
                                                       "ring_id": str(ring_id)})
    assert granted.status_code == 302
    assert "ไม่มีผู้รอสิทธิ์เข้าถึง" in page(works, "/grants")[1]

    status, body = page(somsak, f"/cases/{receipt.complaint_id}")
    assert status == 200
    assert WORKS_TEXT in body
    _admin_reads_nothing(demo, admin, receipt.complaint_id)
    with demo.sessions() as session:
        actions = list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))
    assert {"password_issued", "password_changed", "key_granted"} <= set(actions)


def test_access_pending_page_in_english(staff_client: FlaskClient, demo: Demo,
                                        file: Filer) -> None:
    receipt = file()
    with demo.sessions() as session:
        newbie = add_staff(session, username="newbie", display_name="ใหม่", role=Role.STAFF,
                           password="newbie-pass-1", strength="test")
        add_member(session, newbie, session.get(Unit, _unit_id(demo, "WORKS")))
        session.commit()
    login(staff_client, "newbie", "newbie-pass-1")
    status, body = page(staff_client, f"/cases/{receipt.complaint_id}?lang=en")
    assert status == 403
    assert PENDING_EN in body
    assert PENDING_TH in body
    # A status change on the pending case is refused the same way, and changes nothing.
    response = post_form(staff_client, "/cases", f"/cases/{receipt.complaint_id}/reply",
                         {"text": "สวัสดี"})
    assert response.status_code == 403


def test_password_change_keeps_this_session_and_ends_the_others(staff_app: Flask,
                                                                demo: Demo,
                                                                file: Filer) -> None:
    receipt = file()
    here, elsewhere = _client(staff_app), _client(staff_app)
    login(here, "works")
    login(elsewhere, "works")
    with demo.sessions() as session:
        before = session.scalars(select(StaffAccount).where(
            StaffAccount.username == "works")).one()
        old_wrap, old_params, old_public = (before.wrapped_private_key, before.kdf_params,
                                            before.public_key)
    response = post_form(here, "/account/password", "/account/password", {
        "current_password": PASSWORDS["works"], "new_password": "new-works-pass-2",
        "confirm": "new-works-pass-2"})
    assert response.status_code == 302
    assert page(here, f"/cases/{receipt.complaint_id}")[0] == 200
    assert sent_to_login(elsewhere.get("/cases"))
    after = _account(demo, "works")
    assert after is not None
    assert after.public_key == old_public  # same key pair: grants keep working
    assert after.wrapped_private_key != old_wrap
    assert after.kdf_params != old_params  # new salt
    fresh = _client(staff_app)
    assert login(fresh, "works").status_code == 401  # the old password no longer works
    assert login(fresh, "works", "new-works-pass-2").status_code == 302
    assert page(fresh, f"/cases/{receipt.complaint_id}")[0] == 200


@pytest.mark.parametrize(("current", "new", "confirm", "message"), [
    ("wrong-password-1", "new-works-pass-2", "new-works-pass-2", "รหัสผ่านปัจจุบันไม่ถูกต้อง"),
    (PASSWORDS["works"], "short", "short", "สั้นเกินไป"),
    (PASSWORDS["works"], "", "", "กรุณากรอกรหัสผ่านใหม่"),
    (PASSWORDS["works"], PASSWORDS["works"], PASSWORDS["works"], "ต้องไม่ซ้ำ"),
    (PASSWORDS["works"], "new-works-pass-2", "new-works-pass-3", "ไม่ตรงกัน"),
    (PASSWORDS["works"], "Works     ", "Works     ", "ชื่อผู้ใช้"),
    (PASSWORDS["works"], "x" * 1025, "x" * 1025, "ยาวเกินไป"),
])
def test_bad_password_changes_are_refused_and_change_nothing(
        staff_client: FlaskClient, demo: Demo, current: str, new: str, confirm: str,
        message: str) -> None:
    login(staff_client, "works")
    before = _account(demo, "works")
    response = post_form(staff_client, "/account/password", "/account/password", {
        "current_password": current, "new_password": new, "confirm": confirm})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    after = _account(demo, "works")
    assert before is not None
    assert after is not None
    assert (after.password_hash, after.wrapped_private_key) == (before.password_hash,
                                                                before.wrapped_private_key)
    assert staff_client.get("/cases").status_code == 200


def test_reset_drops_old_access_until_a_member_grants_and_admin_never_reads(
        staff_app: Flask, demo: Demo, file: Filer) -> None:
    receipt = file()
    with demo.sessions() as session:  # a second WORKS member who holds the key
        second = add_staff(session, username="works2", display_name="ช่างสอง",
                           role=Role.STAFF, password="works2-pass-1", strength="test")
        add_member(session, second, session.get(Unit, _unit_id(demo, "WORKS")))
        grant_by_member(session, unlock(session, "works"), second.id,
                        pending_grants(session)[0].ring_id)
        session.commit()
    victim = _client(staff_app)
    login(victim, "works")
    admin = _client(staff_app)
    login(admin, "admin")
    works = _account(demo, "works")
    assert works is not None
    response = post_form(admin, f"/admin/staff/{works.id}", f"/admin/staff/{works.id}/reset", {})
    assert response.status_code == 200
    one_time = _one_time_password(response)
    assert sent_to_login(victim.get("/cases"))  # every session of the account ended
    assert _grants_of(demo, "works") == 0
    after = _account(demo, "works")
    assert after is not None
    assert after.public_key != works.public_key
    _admin_reads_nothing(demo, admin, receipt.complaint_id)

    holder = _client(staff_app)
    assert login(holder, "works", PASSWORDS["works"]).status_code == 401
    _set_own_password(holder, "works", one_time, "works-new-pass-9")
    status, body = page(holder, f"/cases/{receipt.complaint_id}")
    assert status == 403
    assert WORKS_TEXT not in body
    _admin_reads_nothing(demo, admin, receipt.complaint_id)

    colleague = _client(staff_app)
    login(colleague, "works2", "works2-pass-1")
    with demo.sessions() as session:
        [waiting] = pending_grants(session)
    assert post_form(colleague, "/grants", "/grants", {
        "account_id": str(waiting.account_id), "ring_id": str(waiting.ring_id)}
        ).status_code == 302
    assert page(holder, f"/cases/{receipt.complaint_id}")[0] == 200
    _admin_reads_nothing(demo, admin, receipt.complaint_id)


def test_removing_a_member_deletes_the_grant(staff_client: FlaskClient, demo: Demo,
                                             file: Filer) -> None:
    receipt = file()
    login(staff_client, "admin")
    works = _account(demo, "works")
    assert works is not None
    unit = _unit_id(demo, "WORKS")
    response = post_form(staff_client, f"/admin/staff/{works.id}",
                         f"/admin/staff/{works.id}/units/{unit}/remove", {})
    assert response.status_code == 302
    assert _grants_of(demo, "works") == 0
    with demo.sessions() as session:
        assert session.get(UnitMembership, (works.id, unit)) is None
    member = staff_client.application.test_client()
    login(member, "works")
    assert page(member, f"/cases/{receipt.complaint_id}")[0] == 404
    assert receipt.case_number not in page(member, "/cases")[1]


def test_adding_an_existing_account_to_a_unit_starts_a_pending_grant(
        staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "admin")
    finance = _account(demo, "finance")
    assert finance is not None
    response = post_form(staff_client, f"/admin/staff/{finance.id}",
                         f"/admin/staff/{finance.id}/units",
                         {"unit": str(_unit_id(demo, "WORKS"))})
    assert response.status_code == 302
    _, body = page(staff_client, f"/admin/staff/{finance.id}")
    assert "รอเจ้าหน้าที่ของหน่วยงานอนุญาต" in body
    with demo.sessions() as session:
        assert [(p.username, p.unit_code) for p in pending_grants(session)] == [
            ("finance", "WORKS")]


@pytest.mark.parametrize("username", ["executive", "admin"])
def test_administrators_and_executives_cannot_join_a_unit(staff_client: FlaskClient,
                                                          demo: Demo, username: str) -> None:
    login(staff_client, "admin")
    target = _account(demo, username)
    assert target is not None
    response = post_form(staff_client, f"/admin/staff/{target.id}",
                         f"/admin/staff/{target.id}/units",
                         {"unit": str(_unit_id(demo, "WORKS"))})
    assert response.status_code == 400
    assert "ไม่ถือกุญแจของหน่วยงาน" in response.get_data(as_text=True)
    with demo.sessions() as session:
        assert session.get(UnitMembership, (target.id, _unit_id(demo, "WORKS"))) is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"username": ""}, "กรุณากรอกชื่อผู้ใช้"),
    ({"username": "สมศักดิ์"}, "ขึ้นต้นด้วยตัวอักษร"),
    ({"username": "a"}, "ขึ้นต้นด้วยตัวอักษร"),
    ({"username": "9lives"}, "ขึ้นต้นด้วยตัวอักษร"),
    ({"username": "Works"}, "มีผู้ใช้แล้ว"),
    ({"name": ""}, "กรุณากรอกชื่อและตำแหน่ง"),
    ({"name": "ก" * 201}, "ชื่อยาวเกินไป"),
    ({"role": "root"}, "กรุณาเลือกบทบาท"),
    ({"role": "admin", "unit": "WORKS"}, "ไม่ถือกุญแจของหน่วยงาน"),
    ({"unit": "999999"}, "กรุณาเลือกหน่วยงาน"),
    ({"unit": "abc"}, "กรุณาเลือกหน่วยงาน"),
])
def test_bad_new_accounts_are_refused_and_nothing_is_stored(
        staff_client: FlaskClient, demo: Demo, fields: dict[str, str], message: str) -> None:
    login(staff_client, "admin")
    values = {"username": "newbie", "name": "ผู้ใช้ใหม่", "role": "staff", "unit": ""}
    values.update(fields)
    if values["unit"] == "WORKS":
        values["unit"] = str(_unit_id(demo, "WORKS"))
    with demo.sessions() as session:
        before = len(list(session.scalars(select(StaffAccount.id))))
    response = _create(staff_client, values["username"], unit=values["unit"],
                       role=values["role"], name=values["name"])
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in body
    assert "one-time-password" not in body
    with demo.sessions() as session:
        assert len(list(session.scalars(select(StaffAccount.id)))) == before


@pytest.mark.parametrize("username", ["works", "integrity", "executive"])
@pytest.mark.parametrize("path", ["/admin/staff", "/admin/staff/1"])
def test_only_administrators_see_the_account_pages(staff_client: FlaskClient, username: str,
                                                   path: str) -> None:
    login(staff_client, username)
    assert staff_client.get(path).status_code == 403


def test_account_pages_need_a_log_in_and_a_csrf_token(staff_client: FlaskClient,
                                                      demo: Demo) -> None:
    assert sent_to_login(staff_client.get("/admin/staff"))
    assert sent_to_login(staff_client.get("/account/password"))
    login(staff_client, "admin")
    response = staff_client.post("/admin/staff", data={
        "username": "sneaky", "display_name": "x", "role": "staff", "unit": ""})
    assert response.status_code == 400
    assert _account(demo, "sneaky") is None
    works = _account(demo, "works")
    assert works is not None
    assert staff_client.post(f"/admin/staff/{works.id}/reset").status_code == 400
    after = _account(demo, "works")
    assert after is not None
    assert after.public_key == works.public_key
    assert _grants_of(demo, "works") == 1


def test_an_administrator_cannot_reset_their_own_password_there(staff_client: FlaskClient,
                                                                demo: Demo) -> None:
    login(staff_client, "admin")
    admin = _account(demo, "admin")
    assert admin is not None
    response = post_form(staff_client, f"/admin/staff/{admin.id}",
                         f"/admin/staff/{admin.id}/reset", {})
    assert response.status_code == 400
    after = _account(demo, "admin")
    assert after is not None
    assert after.public_key == admin.public_key
    with demo.sessions() as session:
        assert session.get(IssuedPassword, admin.id) is None


def test_unknown_accounts_get_404(staff_client: FlaskClient) -> None:
    login(staff_client, "admin")
    assert staff_client.get("/admin/staff/999999").status_code == 404
    response = post_form(staff_client, "/admin/staff", "/admin/staff/999999/reset", {})
    assert response.status_code == 404


def test_grant_form_with_nonsense_is_refused(staff_client: FlaskClient, demo: Demo) -> None:
    login(staff_client, "works")
    for data in ({"account_id": "x", "ring_id": "1"}, {"account_id": "1", "ring_id": ""},
                 {"account_id": "99999", "ring_id": "99999"}):
        response = post_form(staff_client, "/grants", "/grants", data)
        assert response.status_code == 400
        assert "ไม่มีการเปลี่ยนแปลงใด ๆ" in response.get_data(as_text=True)


def test_one_time_password_is_not_kept_in_a_cookie_or_the_database(staff_client: FlaskClient,
                                                                   demo: Demo) -> None:
    login(staff_client, "admin")
    response = _create(staff_client, "newbie")
    one_time = _one_time_password(response)
    assert one_time not in (response.headers.get("Set-Cookie") or "")
    assert "no-store" in response.headers["Cache-Control"]
    with demo.sessions() as session:
        account = session.scalars(select(StaffAccount).where(
            StaffAccount.username == "newbie")).one()
        assert one_time.encode() not in account.wrapped_private_key
        assert one_time not in account.password_hash
        assert session.get(IssuedPassword, account.id) is not None
        assert not list(session.scalars(select(StaffSession).where(
            StaffSession.account_id == account.id)))


def test_a_new_custodian_waits_for_both_keys_and_another_custodian_sees_it(
        staff_app: Flask, demo: Demo) -> None:
    admin = _client(staff_app)
    login(admin, "admin")
    created = _create(admin, "integrity2", unit=str(_unit_id(demo, "AUDIT")), role="custodian")
    one_time = _one_time_password(created)
    custodian = _account(demo, "integrity2")
    assert custodian is not None
    _, body = page(admin, f"/admin/staff/{custodian.id}")
    assert 'id="custodian-key"' in body
    assert "รอเข้าสู่ระบบครั้งแรก" in body
    _set_own_password(_client(staff_app), "integrity2", one_time, "integrity2-pass-9")
    integrity = _client(staff_app)
    login(integrity, "integrity")
    _, requests = page(integrity, "/grants")
    assert requests.count('data-username="integrity2"') == 2  # unit key and custodian key
    assert "กุญแจผู้ดูแลข้อมูลผู้ร้อง" in requests


@pytest.mark.parametrize(("username", "form", "target", "data", "switch"), [
    ("works", "/account/password", "/account/password",
     {"current_password": "x", "new_password": "", "confirm": ""}, "/account/password?lang=en"),
    ("works", "/grants", "/grants", {"account_id": "1", "ring_id": "1"}, "/grants?lang=en"),
    ("admin", "/admin/staff", "/admin/staff", {"username": "", "display_name": "",
                                               "role": "staff", "unit": ""},
     "/admin/staff?lang=en"),
])
def test_language_switch_after_a_refused_form_leads_back_to_its_page(
        staff_client: FlaskClient, username: str, form: str, target: str,
        data: dict[str, str], switch: str) -> None:
    login(staff_client, username)
    response = post_form(staff_client, form, target, data)
    assert response.status_code == 400
    assert f'<a href="{switch}" lang="en">English</a>' in response.get_data(as_text=True)
    assert staff_client.get(switch).status_code == 200
