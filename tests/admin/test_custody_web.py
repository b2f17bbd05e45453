"""The staff app's identity custody, case moves and audit trail, through the real routes with CSRF.

Every role other than the custodian gets 403 from every custodian route and nothing is revealed;
the custodian reveals one case with a reason; the unit sees the marker, never the identity. A
re-routed case answers 404 to its old unit. Every staff action leaves an audit entry.
"""

import io
import uuid
from dataclasses import replace

import pytest
from docx import Document
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from rongrian.admin.web.app import create_staff_app
from rongrian.intake.audit import verify_chain
from rongrian.intake.models import AuditEntry, Complaint
from rongrian.intake.store import Identity
from rongrian.settings import Settings
from tests.admin.helpers import (
    WORKS_TEXT,
    Filer,
    case_links,
    login,
    page,
    post_form,
    sent_to_login,
)
from tests.conftest import Demo, csrf_token

#: Reports of earlier fiscal years need the agency installed by then (issue 10).
pytestmark = pytest.mark.usefixtures("installed_before")

NAME, PHONE, EMAIL = "สมศรี ผู้ร้องลับ", "081-234-5678", "somsri.secret@example.org"
REASON = "ตามหนังสือสำนักงาน ป.ป.ช. ที่ ปช 0001/123 ขอพยานบุคคล"
MOVE_REASON = "เป็นเรื่องค่าธรรมเนียม ต้องให้กองคลังดำเนินการ"


def _client(staff_client: FlaskClient, username: str) -> FlaskClient:
    client = staff_client.application.test_client()
    response = login(client, username)
    assert response.status_code == 302, username
    return client


def _actions(demo: Demo) -> list[tuple[str, str, str | None]]:
    with demo.sessions() as session:
        return [(e.action, e.actor_name, e.case_number) for e in
                session.scalars(select(AuditEntry).order_by(AuditEntry.seq))]


def _named(file: Filer) -> uuid.UUID:
    return file(identity=Identity(NAME, PHONE, EMAIL)).complaint_id


# --- who may reach the custodian pages -----------------------------------------------------

@pytest.mark.parametrize("username", ["palad", "finance", "works", "executive", "admin", "clerk"])
def test_other_roles_get_403_and_nothing_is_revealed(staff_client: FlaskClient, file: Filer,
                                                     demo: Demo, username: str) -> None:
    case_id = _named(file)
    client = _client(staff_client, username)
    token = csrf_token(client.get("/cases").get_data(as_text=True))
    answers = [
        client.get("/custodian"),
        client.get(f"/custodian?q={file().case_number}"),
        client.get(f"/custodian/cases/{case_id}"),
        client.post(f"/custodian/cases/{case_id}/reveal",
                    data={"reason": REASON, "csrf_token": token}),
    ]
    for response in answers:
        assert response.status_code == 403
        body = response.get_data(as_text=True)
        for secret in (NAME, PHONE, EMAIL):
            assert secret not in body
        assert "ไม่มีสิทธิ์" in body
    assert "identity_revealed" not in {action for action, _, _ in _actions(demo)}


def test_logged_out_visitors_are_sent_to_log_in(staff_client: FlaskClient, file: Filer) -> None:
    case_id = _named(file)
    assert sent_to_login(staff_client.get("/custodian"))
    assert sent_to_login(staff_client.get(f"/custodian/cases/{case_id}"))
    token = csrf_token(staff_client.get("/login").get_data(as_text=True))
    answer = staff_client.post(f"/custodian/cases/{case_id}/reveal",
                               data={"reason": REASON, "csrf_token": token})
    assert sent_to_login(answer)
    assert NAME not in answer.get_data(as_text=True)


def test_the_custodian_sees_every_case_but_no_identity_in_the_list(
        staff_client: FlaskClient, file: Filer) -> None:
    named = file(identity=Identity(NAME, PHONE, EMAIL))
    anonymous = file(unit_code="FINANCE")
    client = _client(staff_client, "integrity")
    status, body = page(client, "/custodian")
    assert status == 200
    assert named.case_number in body
    assert anonymous.case_number in body
    for secret in (NAME, PHONE, EMAIL, WORKS_TEXT):
        assert secret not in body
    table = body[body.index('id="custodian-cases"'):body.index("</table>")]
    assert "ไม่ประสงค์ออกนาม" not in table  # nothing tells the anonymous one apart
    assert "ข้อมูลตัวตนผู้ร้อง" in body  # the page and its navigation link, in Thai
    status, body = page(client, f"/custodian?q={anonymous.case_number}")
    assert anonymous.case_number in body
    assert named.case_number not in body


# --- the reveal ----------------------------------------------------------------------------

def test_the_custodian_reveals_with_a_reason_and_the_unit_sees_only_the_marker(
        staff_client: FlaskClient, file: Filer, demo: Demo) -> None:
    case_id = _named(file)
    client = _client(staff_client, "integrity")
    form_page = f"/custodian/cases/{case_id}"
    status, body = page(client, form_page)
    assert status == 200
    assert NAME not in body
    assert "อ่านเนื้อหาเรื่องนี้ไม่ได้" in body  # not a member of WORKS: no content
    assert WORKS_TEXT not in body
    response = post_form(client, form_page, f"{form_page}/reveal", {"reason": REASON})
    assert response.status_code == 200
    revealed = response.get_data(as_text=True)
    for secret in (NAME, PHONE, EMAIL):
        assert secret in revealed
    assert response.headers["Cache-Control"] == "no-store"
    assert "บันทึกในบันทึกการใช้งานเป็นรายการที่" in revealed
    assert ("identity_revealed", "integrity") in {(a, n) for a, n, _ in _actions(demo)}

    works = _client(staff_client, "works")
    status, case_page = page(works, f"/cases/{case_id}")
    assert status == 200
    assert "ผู้ดูแลข้อมูลผู้ร้องเปิดเผยตัวตนผู้ร้องเรียนเมื่อ" in case_page
    for secret in (NAME, PHONE, EMAIL, REASON):
        assert secret not in case_page


def test_a_reveal_needs_a_csrf_token(staff_client: FlaskClient, file: Filer, demo: Demo) -> None:
    case_id = _named(file)
    client = _client(staff_client, "integrity")
    response = client.post(f"/custodian/cases/{case_id}/reveal", data={"reason": REASON})
    assert response.status_code == 400
    assert NAME not in response.get_data(as_text=True)
    assert "identity_revealed" not in {a for a, _, _ in _actions(demo)}


@pytest.mark.parametrize(("reason", "message"), [
    ("", "กรุณาระบุเหตุผล"),
    ("ดูหน่อย", "เหตุผลสั้นเกินไป"),
    ("ก" * 1001, "เหตุผลยาวเกินไป"),
])
def test_an_unfit_reason_is_refused_in_thai_and_reveals_nothing(
        staff_client: FlaskClient, file: Filer, demo: Demo, reason: str, message: str) -> None:
    case_id = _named(file)
    client = _client(staff_client, "integrity")
    form_page = f"/custodian/cases/{case_id}"
    response = post_form(client, form_page, f"{form_page}/reveal", {"reason": reason})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    assert NAME not in body
    assert "identity_revealed" not in {a for a, _, _ in _actions(demo)}


def test_the_reveal_of_a_missing_case_is_404(staff_client: FlaskClient, demo: Demo) -> None:
    client = _client(staff_client, "integrity")
    missing = f"/custodian/cases/{uuid.uuid4()}"
    assert client.get(missing).status_code == 404
    response = post_form(client, "/custodian", f"{missing}/reveal", {"reason": REASON})
    assert response.status_code == 404


def test_the_reveal_page_switches_language_back_to_the_form(staff_client: FlaskClient,
                                                            file: Filer) -> None:
    case_id = _named(file)
    client = _client(staff_client, "integrity")
    form_page = f"/custodian/cases/{case_id}"
    body = post_form(client, form_page, f"{form_page}/reveal",
                     {"reason": REASON}).get_data(as_text=True)
    assert f'<a href="{form_page}?lang=en" lang="en">English</a>' in body
    english = client.get(f"{form_page}?lang=en").get_data(as_text=True)
    assert "Reveal the identity" in english
    assert NAME not in english


# --- re-routing and escalation -------------------------------------------------------------

def test_rerouting_moves_the_case_and_the_old_unit_gets_404(
        staff_client: FlaskClient, file: Filer, demo: Demo) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    works = _client(staff_client, "works")
    status, body = page(works, case_page)
    assert 'id="reroute-form"' in body
    assert "ย้ายเรื่องไปหน่วยงานอื่น" in body
    response = post_form(works, case_page, f"{case_page}/reroute",
                         {"unit": "FINANCE", "reason": MOVE_REASON})
    assert response.status_code == 302
    assert response.location == "/cases"
    status, listing = page(works, "/cases")
    assert "ย้ายเรื่องไปยัง กองคลัง แล้ว" in listing
    assert receipt.case_number not in case_links(listing)
    assert works.get(case_page).status_code == 404

    finance = _client(staff_client, "finance")
    status, body = page(finance, case_page)
    assert status == 200
    assert WORKS_TEXT in body
    assert "ย้ายเรื่องจาก กองช่าง ไปยัง กองคลัง" in body
    assert MOVE_REASON in body
    actions = _actions(demo)
    assert ("case_rerouted", "works", receipt.case_number) in actions


def test_escalation_reaches_the_organisation_level(staff_client: FlaskClient, file: Filer,
                                                   demo: Demo) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    works = _client(staff_client, "works")
    response = post_form(works, case_page, f"{case_page}/escalate",
                         {"reason": "ผู้ร้องกล่าวถึงผู้อำนวยการกองช่างโดยตรง"})
    assert response.status_code == 302
    assert works.get(case_page).status_code == 404
    clerk = _client(staff_client, "clerk")
    status, body = page(clerk, case_page)
    assert status == 200
    assert "ยกระดับเรื่องจาก กองช่าง ไปยัง เทศบาลตำบลร่มเย็น" in body
    assert 'id="escalate-form"' not in body  # already at the organisation level
    with demo.sessions() as session:
        complaint = session.get(Complaint, receipt.complaint_id)
        assert complaint is not None
        assert complaint.unit.code == "ORG"


@pytest.mark.parametrize(("path", "data", "message"), [
    ("reroute", {"unit": "FINANCE", "reason": ""}, "กรุณาระบุเหตุผล"),
    ("reroute", {"unit": "FINANCE", "reason": "สั้น"}, "เหตุผลสั้นเกินไป"),
    ("reroute", {"unit": "", "reason": MOVE_REASON}, "กรุณาเลือกหน่วยงานจากรายการ"),
    ("reroute", {"unit": "NOPE", "reason": MOVE_REASON}, "กรุณาเลือกหน่วยงานจากรายการ"),
    ("reroute", {"unit": "WORKS", "reason": MOVE_REASON}, "เรื่องนี้อยู่ที่หน่วยงานนี้อยู่แล้ว"),
    ("escalate", {"reason": ""}, "กรุณาระบุเหตุผล"),
])
def test_a_refused_move_keeps_the_case_and_says_why(staff_client: FlaskClient, file: Filer,
                                                    demo: Demo, path: str,
                                                    data: dict[str, str], message: str) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    works = _client(staff_client, "works")
    response = post_form(works, case_page, f"{case_page}/{path}", data)
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert message in body
    assert WORKS_TEXT in body  # the case page again, the case still here
    assert f'id="{path}-error"' in body
    assert works.get(case_page).status_code == 200
    assert "case_rerouted" not in {a for a, _, _ in _actions(demo)}


def test_a_move_needs_a_csrf_token(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file()
    works = _client(staff_client, "works")
    response = works.post(f"/cases/{receipt.complaint_id}/reroute",
                          data={"unit": "FINANCE", "reason": MOVE_REASON})
    assert response.status_code == 400
    assert works.get(f"/cases/{receipt.complaint_id}").status_code == 200


@pytest.mark.parametrize("username", ["finance", "integrity", "admin"])
def test_another_unit_cannot_move_the_case(staff_client: FlaskClient, file: Filer,
                                           username: str) -> None:
    receipt = file()
    client = _client(staff_client, username)
    response = post_form(client, "/cases", f"/cases/{receipt.complaint_id}/reroute",
                         {"unit": "PALAD", "reason": MOVE_REASON})
    assert response.status_code == 404


def test_executives_cannot_move_cases(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file()
    client = _client(staff_client, "executive")
    token = csrf_token(client.get("/summary").get_data(as_text=True))
    response = client.post(f"/cases/{receipt.complaint_id}/reroute",
                           data={"unit": "PALAD", "reason": MOVE_REASON, "csrf_token": token})
    assert response.status_code == 403


# --- the audit trail of the staff app ------------------------------------------------------

def test_logins_and_failed_logins_are_audited_without_typed_secrets(
        staff_client: FlaskClient, demo: Demo) -> None:
    assert login(staff_client, "works", "wrong-password").status_code == 401
    assert login(staff_client, "Works ", "wrong-password").status_code == 401
    typed_password = "my-real-password-typed-in-the-wrong-box"
    assert login(staff_client, typed_password, "x").status_code == 401
    assert login(staff_client, "works").status_code == 302
    token = csrf_token(staff_client.get("/cases").get_data(as_text=True))
    staff_client.post("/logout", data={"csrf_token": token})
    assert [(a, n) for a, n, _ in _actions(demo)] == [
        ("login_failed", "works"),
        ("login_failed", "works"),
        ("login_failed", "(unknown account)"),
        ("login", "works"),
        ("logout", "works"),
    ]
    with demo.sessions() as session:
        stored = repr([tuple(row) for row in session.execute(select(AuditEntry.__table__))])
    assert typed_password not in stored
    assert "wrong-password" not in stored


def test_case_actions_are_audited_and_the_chain_holds(staff_client: FlaskClient, file: Filer,
                                                      demo: Demo) -> None:
    receipt = file()
    case_page = f"/cases/{receipt.complaint_id}"
    works = _client(staff_client, "works")
    page(works, case_page)
    post_form(works, case_page, f"{case_page}/status", {"status": "in_progress", "note": "บันทึก"})
    post_form(works, case_page, f"{case_page}/reply", {"text": "ตอบกลับผู้ร้อง"})
    actions = [(a, n) for a, n, number in _actions(demo) if number == receipt.case_number]
    assert ("status_changed", "works") in actions
    assert ("reply_sent", "works") in actions
    assert actions.count(("case_opened", "works")) >= 3  # each page view, forms included
    with demo.sessions() as session:
        assert verify_chain(session).ok


def test_the_summary_page_and_word_file_print_the_latest_hash(staff_client: FlaskClient,
                                                               demo: Demo) -> None:
    client = _client(staff_client, "executive")
    status, body = page(client, "/summary?period=2568-Q1")
    assert status == 200
    with demo.sessions() as session:
        viewed = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "summary_viewed")).one()
        assert viewed.detail == '{"period":"2568-Q1"}'
        assert f"รายการที่ {viewed.seq}" in body
        assert viewed.entry_hash.hex() in body
    response = client.get("/summary.docx?period=2568-Q1")
    assert response.status_code == 200
    text = "\n".join(p.text for p in Document(io.BytesIO(response.data)).paragraphs)
    with demo.sessions() as session:
        exported = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "summary_exported")).one()
        assert exported.actor_name == "executive"
        assert f"รายการที่ {exported.seq}" in text
        assert exported.entry_hash.hex() in text
        assert verify_chain(session).latest.entry_hash == exported.entry_hash.hex()


def test_reveals_are_limited_per_custodian(settings: Settings, engine: Engine, demo: Demo,
                                           file: Filer) -> None:
    """A stolen custodian session cannot reveal in bulk: the 31st reveal within the hour is
    refused (429) and not recorded."""
    app = create_staff_app(replace(settings, ratelimit_enabled=True), engine=engine)
    app.config["TESTING"] = True
    client = app.test_client()
    assert login(client, "integrity").status_code == 302
    case_id = _named(file)
    form_page = f"/custodian/cases/{case_id}"
    token = csrf_token(client.get(form_page).get_data(as_text=True))
    answers = [client.post(f"{form_page}/reveal", data={"reason": REASON, "csrf_token": token})
               for _ in range(31)]
    assert [a.status_code for a in answers] == [200] * 30 + [429]
    assert NAME not in answers[-1].get_data(as_text=True)
    assert [a for a, _, _ in _actions(demo)].count("identity_revealed") == 30
