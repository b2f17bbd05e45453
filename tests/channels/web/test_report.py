"""Filing a complaint through the web form: the landing page, the form, errors, the receipt."""

import re
from collections.abc import Mapping

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import text
from sqlalchemy.orm import Session

from rongrian.channels.qr.codes import tracking_link
from rongrian.intake.casework import open_case
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Channel, Kind
from rongrian.intake.store import LIMITS, read_thread
from rongrian.intake.tracking_codes import normalise
from rongrian.settings import Settings
from tests.channels.qr.matrix import decoded_svg
from tests.channels.web.helpers import (
    CASE_NUMBER,
    TRACKING_CODE,
    VALID,
    as_staff,
    complaint_by_number,
    count_complaints,
    post_report,
)
from tests.conftest import Demo, csrf_token

INJECTION = ("<script>alert('x')</script><img src=x onerror=alert(1)>"
             "' OR '1'='1'; DROP TABLE complaint; --")


def receipt_of(body: str) -> tuple[str, str]:
    """The tracking code and case number shown on a receipt page."""
    code = TRACKING_CODE.search(body)
    number = CASE_NUMBER.search(body)
    assert code, "no tracking code on the page"
    assert number, "no case number on the page"
    return code.group(1), number.group(1)


def test_landing_page_leads_to_filing_and_tracking_and_explains_privacy(
        public_client: FlaskClient) -> None:
    body = public_client.get("/").get_data(as_text=True)
    assert 'href="/report"' in body
    assert 'href="/track"' in body
    assert "รหัสติดตามเรื่อง" in body
    assert "ไม่มีใคร แม้แต่เจ้าหน้าที่" in body  # nobody, staff included, can recover the code
    assert "Tor" in body
    assert "คอมพิวเตอร์ที่ใช้ร่วมกัน" in body  # a shared computer


def test_form_offers_thai_kinds_active_categories_in_order_and_units_but_not_the_root(
        public_client: FlaskClient) -> None:
    body = public_client.get("/report").get_data(as_text=True)
    # One question (issue 12): the commonest problems as tiles, the rest under "อื่น ๆ", the
    # corruption tip apart; no separate question of kind.
    assert 'name="kind"' not in body
    tiles = body.split('class="tiles"')[1].split("</div>")[0]
    assert re.findall(r'name="category" id="category-[a-z_]+" value="([a-z_]+)"', tiles) == [
        "road", "street_light", "rubbish", "water_supply", "drainage", "nuisance",
        "stray_animal", "tree"]
    others = body.split('<details class="others"')[1].split("</details>")[0]
    offered = re.findall(r'name="category" id="category-[a-z_]+" value="([a-z_]+)"', others)
    assert offered[0] == "public_health"
    assert offered[-1] == "compliment"
    assert "corruption" not in offered
    assert "แจ้งเบาะแสการทุจริต" in body
    assert 'value="corruption"' in body.split('class="tile tip"')[1]
    units = re.findall(r'<option value="([A-Z]+)">', body)
    assert units == ["PALAD", "FINANCE", "WORKS", "AUDIT"]
    assert 'name="csrf_token"' in body


def test_filing_in_thai_shows_code_and_case_number_and_stores_the_complaint(
        public_client: FlaskClient, demo: Demo, settings: Settings) -> None:
    before = count_complaints(demo)
    response = post_report(public_client)
    body = response.get_data(as_text=True)

    assert response.status_code == 200
    assert "Location" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    code, case_number = receipt_of(body)
    assert "ไม่มีใคร แม้แต่เจ้าหน้าที่" in body  # the code cannot be recovered, say so
    assert count_complaints(demo) == before + 1

    with demo.sessions() as session:
        view = read_thread(session, settings.secrets.tracking_pepper, code)
    assert view.case_number == case_number
    assert view.kind == Kind.COMPLAINT
    assert view.category.code == "general"
    stored = complaint_by_number(demo, case_number)
    assert stored.channel == Channel.WEB
    assert stored.unit_id == demo.organisation.units["WORKS"].id

    def check(session: Session, unlocked: UnlockedAccount) -> None:
        detail = open_case(session, unlocked, stored.id)
        assert detail.what_happened == VALID["what_happened"]
        assert detail.where_happened == VALID["where_happened"]

    as_staff(demo, "works", check)


def test_receipt_code_travels_in_no_url_and_no_cookie(public_app: Flask,
                                                      public_client: FlaskClient) -> None:
    response = post_report(public_client)
    body = response.get_data(as_text=True)
    code, _number = receipt_of(body)
    compact = normalise(code)
    assert body.count(code) == 1  # only the element that shows it
    assert compact not in body
    for url in re.findall(r'(?:href|src|action)="([^"]*)"', body):
        assert code not in url
        assert compact not in url
    serializer = public_app.session_interface.get_signing_serializer(public_app)  # type: ignore[attr-defined]
    cookie = public_client.get_cookie("rongrian_public")
    assert cookie is not None
    assert code not in str(serializer.loads(cookie.value))
    assert compact not in str(serializer.loads(cookie.value))


def test_receipt_qr_code_is_inline_svg_of_the_tracking_link(public_client: FlaskClient,
                                                            settings: Settings) -> None:
    body = post_report(public_client).get_data(as_text=True)
    code, _number = receipt_of(body)
    found = re.search(r"<svg .*?</svg>", body, re.DOTALL)
    assert found, "no inline SVG on the receipt"
    markup = found.group(0)
    expected = tracking_link(settings.public_base_url, code)
    assert expected.endswith(f"/track#{code}")
    assert decoded_svg(markup) == [expected]
    assert "<img" not in body  # nothing loaded: the CSP allows only our own host and data:


def test_qr_poster_link_preselects_the_unit_and_records_the_qr_channel(
        public_client: FlaskClient, demo: Demo) -> None:
    body = public_client.get("/report?unit=WORKS&channel=qr").get_data(as_text=True)
    assert '<option selected value="WORKS">' in body
    assert re.search(r'<input id="channel" name="channel" type="hidden" value="qr">', body)
    token = csrf_token(body)
    response = post_report(public_client, {"channel": "qr", "unit": "WORKS",
                                           "category": "late_service"}, token=token)
    _code, case_number = receipt_of(response.get_data(as_text=True))
    stored = complaint_by_number(demo, case_number)
    assert stored.channel == Channel.QR
    assert stored.unit_id == demo.organisation.units["WORKS"].id


@pytest.mark.parametrize("query", ["?unit=NOPE&channel=qr", "?unit=ORG&channel=qr",
                                   "?unit=%3Cscript%3E&channel=qr"])
def test_unknown_unit_in_the_query_is_simply_not_preselected(public_client: FlaskClient,
                                                             query: str) -> None:
    response = public_client.get(f"/report{query}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<option selected" not in body.split('id="unit"')[1].split("</select>")[0]
    assert "<script>" not in body


def test_a_forged_channel_is_recorded_as_web(public_client: FlaskClient, demo: Demo) -> None:
    response = post_report(public_client, {"channel": "line"})
    _code, case_number = receipt_of(response.get_data(as_text=True))
    assert complaint_by_number(demo, case_number).channel == Channel.WEB


def test_named_complainant_may_file(public_client: FlaskClient, demo: Demo) -> None:
    before = count_complaints(demo)
    response = post_report(public_client, {"identity": "named", "name": "สมศรี มีสุข",
                                           "phone": "081 234 5678",
                                           "email": "somsri@example.com"})
    assert response.status_code == 200
    receipt_of(response.get_data(as_text=True))
    assert count_complaints(demo) == before + 1


def test_contact_details_are_ignored_when_staying_anonymous(public_client: FlaskClient) -> None:
    # Typed, then "anonymous" chosen: nothing to validate, nothing kept.
    response = post_report(public_client, {"identity": "anonymous", "phone": "not a phone",
                                           "email": "not an e-mail"})
    assert response.status_code == 200


LONG = {field: "ก" * (LIMITS[field] + 1) for field in LIMITS}

BAD_INPUTS = [
    pytest.param({"kind": "lawsuit"}, "กรุณาเลือกลักษณะเรื่องจากรายการที่มีให้", id="kind-unknown"),
    pytest.param({"kind": INJECTION}, "กรุณาเลือกลักษณะเรื่องจากรายการที่มีให้", id="kind-injection"),
    # No category, and a text that suggests none (one that does: test_filing_shortcuts.py).
    pytest.param({"category": "", "what_happened": "ขอสอบถามเรื่องหนึ่งค่ะ"},
                 "กรุณาเลือกประเภทเรื่อง", id="category-missing"),
    pytest.param({"category": "no_such"}, "กรุณาเลือกประเภทเรื่องจากรายการที่มีให้",
                 id="category-unknown"),
    pytest.param({"category": INJECTION}, "กรุณาเลือกประเภทเรื่องจากรายการที่มีให้",
                 id="category-injection"),
    pytest.param({"unit": "NOPE"}, "กรุณาเลือกหน่วยงานจากรายการ", id="unit-unknown"),
    pytest.param({"unit": "ORG"}, "กรุณาเลือกหน่วยงานจากรายการ", id="unit-root"),
    pytest.param({"unit": INJECTION}, "กรุณาเลือกหน่วยงานจากรายการ", id="unit-injection"),
    pytest.param({"what_happened": ""}, "กรุณาเล่าว่าเกิดอะไรขึ้น", id="what-missing"),
    pytest.param({"what_happened": " \r\n\t "}, "กรุณาเล่าว่าเกิดอะไรขึ้น", id="what-blank"),
    pytest.param({"what_happened": LONG["what_happened"]}, "“เกิดอะไรขึ้น” ยาวเกินไป",
                 id="what-too-long"),
    pytest.param({"when_happened": LONG["when_happened"]}, "“เมื่อไร” ยาวเกินไป",
                 id="when-too-long"),
    pytest.param({"where_happened": LONG["where_happened"]}, "“ที่ไหน” ยาวเกินไป",
                 id="where-too-long"),
    pytest.param({"who_involved": LONG["who_involved"]}, "“ผู้เกี่ยวข้อง” ยาวเกินไป",
                 id="who-too-long"),
    pytest.param({"identity": "celebrity"}, "กรุณาเลือกว่าจะไม่เปิดเผยตัวตนหรือจะแจ้งชื่อ",
                 id="identity-unknown"),
    pytest.param({"identity": "named"}, "กรุณากรอกชื่อ", id="named-without-name"),
    pytest.param({"identity": "named", "name": LONG["name"]}, "“ชื่อ-นามสกุล” ยาวเกินไป",
                 id="name-too-long"),
    pytest.param({"identity": "named", "name": "สมศรี", "phone": "call me maybe"},
                 "เบอร์โทรศัพท์ไม่ถูกต้อง", id="phone-invalid"),
    pytest.param({"identity": "named", "name": "สมศรี", "phone": "<b>0812</b>';--"},
                 "เบอร์โทรศัพท์ไม่ถูกต้อง", id="phone-injection"),
    pytest.param({"identity": "named", "name": "สมศรี", "phone": INJECTION},
                 "“โทรศัพท์” ยาวเกินไป", id="phone-long-injection"),
    pytest.param({"identity": "named", "name": "สมศรี", "phone": "0" * 33},
                 "“โทรศัพท์” ยาวเกินไป", id="phone-too-long"),
    pytest.param({"identity": "named", "name": "สมศรี", "email": "somsri.example.com"},
                 "อีเมลไม่ถูกต้อง", id="email-invalid"),
    pytest.param({"identity": "named", "name": "สมศรี", "email": INJECTION},
                 "อีเมลไม่ถูกต้อง", id="email-injection"),
    pytest.param({"identity": "named", "name": "สมศรี", "email": "a@b.co" + "m" * 250},
                 "“อีเมล” ยาวเกินไป", id="email-too-long"),
]


def assert_typed_values_kept(body: str, data: Mapping[str, str | None]) -> None:
    """Every text typed is back in the form, escaped (so never executed)."""
    for field in ("what_happened", "when_happened", "where_happened", "who_involved",
                  "name", "phone", "email"):
        value = data.get(field)
        if value and value.strip():
            assert str(escape(value)) in body, f"{field} was not kept"


@pytest.mark.parametrize(("changes", "message"), BAD_INPUTS)
def test_bad_input_is_a_400_with_a_thai_message_keeping_what_was_typed(
        public_client: FlaskClient, demo: Demo, changes: dict[str, str | None],
        message: str) -> None:
    typed = {"what_happened": "น้ำประปาไม่ไหลมา 3 วัน <b>ด่วน</b> & \"จริง\"",
             "who_involved": "นาย ก.", **changes}
    before = count_complaints(demo)
    response = post_report(public_client, typed)
    body = response.get_data(as_text=True)

    assert response.status_code == 400
    assert message in body
    assert "กรุณาแก้ไขรายการที่มีข้อความสีแดงด้านล่าง" in body
    assert_typed_values_kept(body, {**VALID, **typed})
    assert "<script>alert" not in body
    assert "<img src=x" not in body
    assert count_complaints(demo) == before


@pytest.mark.parametrize("token", [None, "", "forged-token", "other-session"])
def test_missing_or_forged_csrf_token_keeps_the_form_and_stores_nothing(
        public_app: Flask, public_client: FlaskClient, demo: Demo, token: str | None) -> None:
    if token == "other-session":
        token = csrf_token(public_app.test_client().get("/report").get_data(as_text=True))
    public_client.get("/report")  # this browser has a session of its own
    typed = {"what_happened": "เรื่องยาวที่พิมพ์ไว้นานมาก", "where_happened": "ตลาดสด"}
    before = count_complaints(demo)
    response = post_report(public_client, typed, token=token)
    body = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "แบบฟอร์มหมดอายุหรือตรวจสอบไม่ได้" in body
    assert_typed_values_kept(body, typed)
    assert count_complaints(demo) == before
    # The form came back with a fresh token: sending it again works and nothing was lost.
    again = post_report(public_client, typed, token=csrf_token(body))
    assert again.status_code == 200
    assert count_complaints(demo) == before + 1


def test_injection_text_in_every_field_is_stored_verbatim_and_shown_escaped(
        public_client: FlaskClient, demo: Demo) -> None:
    texts = {field: f"{field}: {INJECTION}"
             for field in ("what_happened", "when_happened", "where_happened", "who_involved")}
    response = post_report(public_client, {**texts, "identity": "named", "name": INJECTION})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in body
    _code, case_number = receipt_of(body)
    stored = complaint_by_number(demo, case_number)

    def check(session: Session, unlocked: UnlockedAccount) -> None:
        detail = open_case(session, unlocked, stored.id)
        assert detail.what_happened == texts["what_happened"]
        assert detail.who_involved == texts["who_involved"]

    as_staff(demo, "works", check)

    # The same text on an error page comes back escaped, never as markup.
    again = post_report(public_client, {**texts, "category": ""}).get_data(as_text=True)
    assert "<script>alert" not in again
    assert str(escape(texts["what_happened"])) in again


def test_english_switch_shows_english_labels_and_messages(public_client: FlaskClient) -> None:
    body = public_client.get("/report?lang=en").get_data(as_text=True)
    for english in ("What happened?", "Street lights", "Report corruption (a tip)",
                    "General grievance", "Public Works Division", "Stay anonymous"):
        assert english in body
    assert "เรื่องร้องทุกข์ทั่วไป" not in body
    response = post_report(public_client, {"category": "", "what_happened": "A question"})
    assert response.status_code == 400
    assert "Please choose a category." in response.get_data(as_text=True)


def test_language_link_keeps_a_qr_posters_unit(public_client: FlaskClient) -> None:
    body = public_client.get("/report?unit=WORKS&channel=qr").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" lang="en">English</a>', body)
    assert link
    assert "unit=WORKS" in link.group(1)
    assert "channel=qr" in link.group(1)
    assert "lang=en" in link.group(1)


def test_receipt_has_no_language_link_that_would_lose_the_code(
        public_client: FlaskClient) -> None:
    body = post_report(public_client).get_data(as_text=True)
    assert "lang=en" not in body


def test_a_form_sent_after_the_organisation_changed_is_checked_against_the_change(
        public_client: FlaskClient, demo: Demo) -> None:
    # The worker keeps the organisation it read for the form; a filing does not read it again
    # but has its own statement confirm it (issue 11). An administrator then retires "tree"
    # and renames the works division, from another process.
    token = csrf_token(public_client.get("/report").get_data(as_text=True))
    with demo.sessions() as session:
        session.execute(text("UPDATE category SET active = false WHERE code = 'tree'"))
        session.execute(text("UPDATE unit SET name_th = 'กองช่างโยธา' WHERE code = 'WORKS'"))
        session.commit()
    before = count_complaints(demo)
    refused = post_report(public_client, {"category": "tree"}, token=token)
    assert refused.status_code == 400
    assert "กรุณาเลือกประเภทเรื่องจากรายการที่มีให้" in refused.get_data(as_text=True)
    assert count_complaints(demo) == before
    filed = post_report(public_client, {"category": "road"}, token=token)
    assert filed.status_code == 200
    _code, number = receipt_of(filed.get_data(as_text=True))
    assert count_complaints(demo) == before + 1
    assert complaint_by_number(demo, number).category_id is not None
