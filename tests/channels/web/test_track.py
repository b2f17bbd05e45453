"""Following a complaint with its tracking code: reading the thread and adding information."""

import logging
import re
from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy.orm import Session

from rongrian.intake.casework import change_status, reply
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import EventKind, Status
from rongrian.intake.store import LIMITS, read_thread
from rongrian.settings import Settings
from tests.channels.web.helpers import KNOWN_CODE, KNOWN_DISPLAY, Filed, as_staff, track
from tests.conftest import Demo, csrf_token

FORMAT_TH = "ต้องมี 16 ตัวอักษร เช่น ABCD-EFGH-JKMN-PQRS"
FORMAT_EN = "it has 16 characters, like ABCD-EFGH-JKMN-PQRS"


def information_count(demo: Demo, settings: Settings) -> int:
    """How many additions the complainant made to the known complaint."""
    with demo.sessions() as session:
        view = read_thread(session, settings.secrets.tracking_pepper, KNOWN_CODE)
    return sum(1 for entry in view.entries if entry.kind == EventKind.INFORMATION)


def add_information(client: FlaskClient, code: str, text: str, *,
                    token: str | None = "") -> tuple[int, str]:
    """Open the thread, then send ``text`` from its form (``token=None`` sends no token)."""
    thread = track(client, KNOWN_DISPLAY).get_data(as_text=True)
    data = {"code": code, "information": text}
    if token is not None:
        data["csrf_token"] = token or csrf_token(thread.split('id="add-title"')[1])
    response = client.post("/track/information", data=data)
    return response.status_code, response.get_data(as_text=True)


def test_track_page_has_the_code_form_and_only_our_own_script(public_client: FlaskClient
                                                             ) -> None:
    body = public_client.get("/track").get_data(as_text=True)
    assert 'name="code"' in body
    assert 'name="csrf_token"' in body
    assert '<script src="/static/track.js"></script>' in body
    assert re.search(r"<script(?![^>]*\bsrc=)", body) is None  # no inline script
    script = public_client.get("/static/track.js")
    assert script.status_code == 200
    assert "javascript" in (script.mimetype or "")
    source = script.get_data(as_text=True)
    assert "location.hash" in source
    assert "replaceState" in source  # the code leaves the address bar once copied


@pytest.mark.parametrize("typed", [
    KNOWN_DISPLAY,
    "01ab-2cd3-ef4g-h5jk",
    "01ab2cd3ef4gh5jk",
    "01AB 2CD3 EF4G H5JK",
    "  01AB–2CD3 EF4G-H5JK  ",
    "OIAB-2CD3-EF4G-H5JK",
    "olab2cd3ef4gh5jk",
    "๐๑AB-๒CD๓-EF๔G-H๕JK",
])
def test_code_is_accepted_however_it_is_typed(public_client: FlaskClient, filed: Filed,
                                              typed: str) -> None:
    response = track(public_client, typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="case-number">{filed.case_number}<' in body
    assert "ร้องเรียน" in body  # kind
    assert "เรื่องร้องทุกข์ทั่วไป" in body  # category
    assert '<span class="badge" id="current-status">รับเรื่อง</span>' in body
    assert f"{datetime.now(UTC).year + 543}" in body  # dates in พ.ศ.


def test_unknown_codes_get_the_same_404_page(public_client: FlaskClient, filed: Filed) -> None:
    first = track(public_client, "ZZZZ-ZZZZ-ZZZZ-ZZZZ")
    second = track(public_client, "0000000000000000")
    assert first.status_code == second.status_code == 404
    assert first.get_data() == second.get_data()
    body = first.get_data(as_text=True)
    assert "ไม่พบเรื่อง" in body
    assert "ZZZZ" not in body
    assert filed.case_number not in body


@pytest.mark.parametrize("typed", [
    "ABCD-EFGH-JKMN-PQR",
    "ABCD-EFGH-JKMN-PQRST",
    "ABCD-EFGH-JKMN-PQRU",
    "ABCD-EFGH-JKMN-PQR!",
    "",
    "<script>alert(1)</script>",
    "' OR '1'='1",
])
def test_malformed_code_is_a_400_with_the_format(public_client: FlaskClient, filed: Filed,
                                                 typed: str) -> None:
    response = track(public_client, typed)
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert FORMAT_TH in body
    assert FORMAT_EN in body
    assert str(escape(typed)) in body  # kept in the field, escaped
    assert "<script>alert" not in body
    assert filed.case_number not in body


def test_tracking_without_a_valid_form_token_opens_nothing(public_client: FlaskClient,
                                                            filed: Filed) -> None:
    public_client.get("/track")
    response = public_client.post("/track", data={"code": KNOWN_DISPLAY,
                                                  "csrf_token": "forged"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "แบบฟอร์มหมดอายุหรือตรวจสอบไม่ได้" in body
    assert filed.case_number not in body
    assert KNOWN_DISPLAY in body  # what was typed is still in the field


def test_staff_reply_and_status_change_appear_but_not_internal_notes(
        public_client: FlaskClient, demo: Demo, filed: Filed) -> None:
    def work(session: Session, unlocked: UnlockedAccount) -> None:
        change_status(session, unlocked, filed.complaint_id, Status.SCREENING,
                      "INTERNAL-NOTE: ask the contractor")
        reply(session, unlocked, filed.complaint_id,
              "กองช่างจะซ่อมไฟทางภายใน 7 วัน\n<b>ขอบคุณ</b>")

    as_staff(demo, "works", work)
    body = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    assert "คำตอบจากหน่วยงาน" in body
    assert "กองช่างจะซ่อมไฟทางภายใน 7 วัน" in body
    assert "&lt;b&gt;ขอบคุณ&lt;/b&gt;" in body
    assert '<span class="badge" id="current-status">ตรวจสอบเบื้องต้น</span>' in body
    history = body.split('id="thread"')[1].split("</ol>")[0]
    assert history.index("รับเรื่อง") < history.index("ตรวจสอบเบื้องต้น") < history.index(
        "กองช่างจะซ่อม")
    assert "INTERNAL-NOTE" not in body


def test_adding_information_shows_it_in_the_thread(public_client: FlaskClient, demo: Demo,
                                                   settings: Settings, filed: Filed) -> None:
    text = "ไฟดับตั้งแต่วันจันทร์ <script>alert(1)</script>"
    status, body = add_information(public_client, KNOWN_DISPLAY, text)
    assert status == 200
    assert "เพิ่มข้อมูลของท่านแล้ว" in body
    assert str(escape(text)) in body
    assert "<script>alert" not in body
    assert information_count(demo, settings) == 1
    assert f'id="case-number">{filed.case_number}<' in body


def test_adding_information_with_a_sloppily_typed_code(public_client: FlaskClient, demo: Demo,
                                                       settings: Settings, filed: Filed) -> None:
    status, _body = add_information(public_client, "olab 2cd3 ef4g h5jk", "เพิ่มเติม")
    assert status == 200
    assert information_count(demo, settings) == 1


@pytest.mark.parametrize(("text", "message"), [
    ("", "กรุณาพิมพ์ข้อมูลที่ต้องการเพิ่ม"),
    ("  \r\n ", "กรุณาพิมพ์ข้อมูลที่ต้องการเพิ่ม"),
    ("ข" * (LIMITS["information"] + 1), "“ข้อมูลเพิ่มเติม” ยาวเกินไป"),
])
def test_bad_information_is_a_400_keeping_the_text(public_client: FlaskClient, demo: Demo,
                                                   settings: Settings, filed: Filed,
                                                   text: str, message: str) -> None:
    status, body = add_information(public_client, KNOWN_DISPLAY, text)
    assert status == 400
    assert message in body
    if text.strip():
        assert text in body
    assert f'id="case-number">{filed.case_number}<' in body
    assert information_count(demo, settings) == 0


def test_information_without_a_valid_token_keeps_the_text_and_adds_nothing(
        public_client: FlaskClient, demo: Demo, settings: Settings, filed: Filed) -> None:
    for token in (None, "forged"):
        status, body = add_information(public_client, KNOWN_DISPLAY, "ข้อมูลสำคัญ", token=token)
        assert status == 400
        assert "แบบฟอร์มหมดอายุหรือตรวจสอบไม่ได้" in body
        assert "ข้อมูลสำคัญ" in body
        assert filed.case_number not in body  # nothing opened without a valid token
    assert information_count(demo, settings) == 0


def test_information_for_an_unknown_or_malformed_code_adds_nothing(
        public_client: FlaskClient, demo: Demo, settings: Settings, filed: Filed) -> None:
    unknown_status, unknown_body = add_information(public_client, "ZZZZ-ZZZZ-ZZZZ-ZZZZ", "x")
    assert unknown_status == 404
    assert unknown_body == track(public_client, "YYYY-YYYY-YYYY-YYYY").get_data(as_text=True)
    malformed_status, malformed_body = add_information(public_client, "ZZZZ", "x")
    assert malformed_status == 400
    assert FORMAT_TH in malformed_body
    assert information_count(demo, settings) == 0


def test_thread_in_english(public_client: FlaskClient, filed: Filed) -> None:
    public_client.get("/track?lang=en")
    body = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    for english in ("Case number", "Received", "General grievance", "Complaint", "History"):
        assert english in body
    assert "เรื่องร้องทุกข์ทั่วไป" not in body


def test_language_switch_on_the_thread_reopens_it_by_post(public_client: FlaskClient,
                                                         filed: Filed) -> None:
    body = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    switch = re.search(r'<form class="lang" method="post" action="([^"]+)">(.*?)</form>', body,
                       re.DOTALL)
    assert switch
    assert switch.group(1) == "/track?lang=en"
    token = csrf_token(switch.group(2))
    english = public_client.post(switch.group(1), data={"code": KNOWN_DISPLAY,
                                                        "csrf_token": token})
    assert english.status_code == 200
    assert "General grievance" in english.get_data(as_text=True)


def test_the_code_is_in_no_url_and_no_log(public_client: FlaskClient, filed: Filed,
                                          caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    pages = [track(public_client, "olab2cd3ef4gh5jk"),
             track(public_client, "ZZZZ-ZZZZ-ZZZZ-ZZZZ"),
             public_client.post("/track/information", data={"code": KNOWN_DISPLAY,
                                                            "information": "x"})]
    status, body = add_information(public_client, KNOWN_DISPLAY, "ข้อมูลเพิ่มเติม")
    assert status == 200
    for page in [*(p.get_data(as_text=True) for p in pages), body]:
        for url in re.findall(r'(?:href|src|action)="([^"]*)"', page):
            assert "01AB" not in url.upper()
    for response in pages:
        assert "Location" not in response.headers
    logged = caplog.text.upper()
    for form in (KNOWN_CODE, KNOWN_DISPLAY, "OLAB2CD3EF4GH5JK", "ZZZZ-ZZZZ"):
        assert form not in logged
