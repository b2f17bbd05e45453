"""An anonymous complainant whose text holds an ID, phone or e-mail is warned before filing."""

import pytest
from flask.testing import FlaskClient

from tests.channels.web.helpers import TRACKING_CODE, count_complaints, post_report
from tests.conftest import Demo

VALID_ID = "1101700203450"  # 13 digits with a valid check digit
STORY = "เจ้าหน้าที่เรียกรับเงินค่าออกใบอนุญาต"


@pytest.mark.parametrize(("changes", "shown"), [
    ({"what_happened": f"{STORY} ผมชื่อสมชาย บัตรประชาชน {VALID_ID}"},
     f"ช่อง “เกิดอะไรขึ้น” มีเลขประจำตัวประชาชน: {VALID_ID}"),
    ({"what_happened": f"{STORY} ติดต่อกลับที่ 081-234-5678"},
     "ช่อง “เกิดอะไรขึ้น” มีหมายเลขโทรศัพท์: 081-234-5678"),
    ({"where_happened": "บ้านเลขที่ 9 อีเมล somchai.j@example.co.th"},
     "ช่อง “ที่ไหน” มีที่อยู่อีเมล: somchai.j@example.co.th"),
])
def test_anonymous_text_with_an_identifier_is_held_back_with_a_warning(
    public_client: FlaskClient, demo: Demo, changes: dict[str, str], shown: str
) -> None:
    before = count_complaints(demo)
    response = post_report(public_client, changes)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="identifiers-warning"' in body
    assert "ระบบยังไม่ได้ส่งเรื่อง" in body
    assert shown in body
    assert TRACKING_CODE.search(body) is None
    assert count_complaints(demo) == before, "nothing is filed until they decide"
    for value in changes.values():  # what they typed is still in the form, to edit
        assert value in body


def test_ticking_checked_files_it_as_it_is(public_client: FlaskClient, demo: Demo) -> None:
    before = count_complaints(demo)
    text = f"{STORY} เบอร์ของเจ้าหน้าที่คนนั้นคือ 081-234-5678"
    response = post_report(public_client, {"what_happened": text, "identifiers_checked": "y"})
    assert response.status_code == 200
    assert TRACKING_CODE.search(response.get_data(as_text=True))
    assert count_complaints(demo) == before + 1


def test_editing_the_identifier_out_files_it(public_client: FlaskClient, demo: Demo) -> None:
    warned = post_report(public_client, {"what_happened": f"{STORY} โทร 0812345678"})
    assert TRACKING_CODE.search(warned.get_data(as_text=True)) is None
    edited = post_report(public_client, {"what_happened": STORY})
    assert TRACKING_CODE.search(edited.get_data(as_text=True))


def test_a_named_complainant_is_not_warned_about_their_own_details(
    public_client: FlaskClient,
) -> None:
    response = post_report(public_client, {
        "what_happened": f"{STORY} โทรหาผมที่ 081-234-5678", "identity": "named",
        "name": "สมชาย ใจดี", "phone": "081-234-5678",
    })
    assert TRACKING_CODE.search(response.get_data(as_text=True))


def test_ordinary_numbers_do_not_trigger_the_warning(public_client: FlaskClient) -> None:
    response = post_report(public_client, {
        "what_happened": f"{STORY} จำนวน 1,500,000 บาท เรื่องเดิมเลขที่ 2570/000123",
        "when_happened": "18.00 น. วันที่ 3 มี.ค. 2568",
    })
    assert TRACKING_CODE.search(response.get_data(as_text=True))


def test_the_warning_is_in_english_too(public_client: FlaskClient) -> None:
    public_client.get("/report?lang=en")
    response = post_report(public_client, {"what_happened": f"{STORY} 0812345678"})
    body = response.get_data(as_text=True)
    assert "your text may identify you" in body
    assert "“What happened” contains a phone number: 0812345678" in body
