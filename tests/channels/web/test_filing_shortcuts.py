"""The shorter web form (issue 12): photo first, one question instead of kind + category, the
kind and unit inferred from the category, the suggested category confirmed by the citizen, and
the tip routed to the integrity unit exactly as before. All without JavaScript."""

import io
import re

import pytest
from flask.testing import FlaskClient

from rongrian.intake.models import Channel, Kind
from rongrian.intake.store import read_thread
from rongrian.settings import Settings
from tests.channels import samples
from tests.channels.web.helpers import (
    VALID,
    complaint_by_number,
    count_complaints,
    post_report,
)
from tests.channels.web.test_report import receipt_of
from tests.conftest import Demo, csrf_token

#: What the new form posts: no kind, no unit, a category chosen among the tiles.
STREET_LIGHT = {**VALID, "kind": None, "unit": "", "category": "street_light",
                "what_happened": "ไฟถนนดับหน้าบ้าน", "where_happened": "หน้าบ้านเลขที่ 12 หมู่ 3"}


def _hidden(body: str, name: str) -> str:
    found = re.search(rf'name="{name}" type="hidden" value="([^"]*)"', body)
    assert found, f"no {name} in the form"
    return found.group(1)


def test_the_form_opens_with_the_camera_then_one_question(public_client: FlaskClient) -> None:
    body = public_client.get("/report").get_data(as_text=True)
    photo = re.search(r"<input[^>]*name=\"attachments\"[^>]*>", body)
    assert photo
    assert 'accept="image/*"' in photo.group(0)
    assert 'capture="environment"' in photo.group(0)
    assert "ถ่ายรูป / เลือกรูป" in body
    # photo, then the question, then what, then where, then "more" (closed) and Send
    order = [body.index(marker) for marker in (
        'name="attachments"', 'class="tiles"', 'name="what_happened"', 'name="where_happened"',
        '<details class="more"', 'type="submit"')]
    assert order == sorted(order)
    more = body.split('<details class="more"')[1]
    assert more.startswith(' id="more">')  # not open
    for field in ("when_happened", "who_involved", 'id="unit"', "identity", "documents"):
        assert field in more.split("</details>")[0]
    assert re.search(r'<input checked id="identity-0" name="identity" type="radio" '
                     r'value="anonymous">', body)
    assert "อื่น ๆ" in body
    assert "แจ้งเบาะแสการทุจริต" in body


def test_kind_and_unit_follow_from_the_category(public_client: FlaskClient, demo: Demo,
                                                settings: Settings) -> None:
    response = post_report(public_client, STREET_LIGHT)
    assert response.status_code == 200
    code, case_number = receipt_of(response.get_data(as_text=True))
    stored = complaint_by_number(demo, case_number)
    assert stored.kind == Kind.GRIEVANCE
    assert stored.unit_id == demo.organisation.units["WORKS"].id
    with demo.sessions() as session:
        assert read_thread(session, settings.secrets.tracking_pepper, code).category.code \
            == "street_light"


def test_the_tip_goes_to_the_integrity_unit_even_naming_a_unit(public_client: FlaskClient,
                                                                 demo: Demo) -> None:
    response = post_report(public_client, {
        **STREET_LIGHT, "category": "corruption", "unit": "WORKS",
        "what_happened": "เจ้าหน้าที่กองช่างเรียกเงินใต้โต๊ะจากผู้รับเหมา"})
    _code, case_number = receipt_of(response.get_data(as_text=True))
    stored = complaint_by_number(demo, case_number)
    assert stored.kind == Kind.TIP
    assert stored.unit_id == demo.organisation.units["AUDIT"].id
    assert stored.channel == Channel.WEB


def test_a_category_left_out_is_suggested_and_filed_only_when_confirmed(
        public_client: FlaskClient, demo: Demo) -> None:
    before = count_complaints(demo)
    first = post_report(public_client, {**STREET_LIGHT, "category": ""})
    page = first.get_data(as_text=True)
    assert first.status_code == 200
    assert "ดูเหมือนเรื่อง “ไฟถนน” ใช่ไหม" in page
    assert re.search(r'id="category-street_light" value="street_light" checked', page)
    assert "alert-error" not in page
    assert "has-error" not in page
    assert "ไฟถนนดับหน้าบ้าน" in page  # what was typed is kept
    assert count_complaints(demo) == before  # never filed under a guess

    confirmed = public_client.post("/report", data={
        **{k: v for k, v in STREET_LIGHT.items() if v is not None},
        "csrf_token": csrf_token(page), "submission_token": _hidden(page, "submission_token")})
    _code, case_number = receipt_of(confirmed.get_data(as_text=True))
    assert complaint_by_number(demo, case_number).unit_id == \
        demo.organisation.units["WORKS"].id
    assert count_complaints(demo) == before + 1


def test_the_suggestion_may_be_declined(public_client: FlaskClient, demo: Demo,
                                        settings: Settings) -> None:
    """The citizen picks another category on the page that asked: that one is filed."""
    page = post_report(public_client, {**STREET_LIGHT, "category": ""}).get_data(as_text=True)
    confirmed = public_client.post("/report", data={
        **{k: v for k, v in STREET_LIGHT.items() if v is not None}, "category": "general",
        "csrf_token": csrf_token(page), "submission_token": _hidden(page, "submission_token")})
    code, _number = receipt_of(confirmed.get_data(as_text=True))
    with demo.sessions() as session:
        assert read_thread(session, settings.secrets.tracking_pepper, code).category.code \
            == "general"


def test_a_suggested_category_in_other_matters_opens_that_list(
        public_client: FlaskClient) -> None:
    page = post_report(public_client, {
        **STREET_LIGHT, "category": "", "what_happened": "ขอชมเชยเจ้าหน้าที่ บริการดีมาก"}
    ).get_data(as_text=True)
    assert "ดูเหมือนเรื่อง “คำชมเชย” ใช่ไหม" in page
    assert '<details class="others" open>' in page


def test_the_photo_must_be_chosen_again_after_the_question(public_client: FlaskClient,
                                                           demo: Demo) -> None:
    """Browsers cannot keep a chosen file: the page that asks says so plainly."""
    data: dict[str, object] = {
        **{k: v for k, v in STREET_LIGHT.items() if v is not None}, "category": "",
        "csrf_token": csrf_token(public_client.get("/report").get_data(as_text=True)),
        "attachments": [(io.BytesIO(samples.jpeg_with_gps()), "ไฟดับ.jpg")]}
    response = public_client.post("/report", data=data, content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "ดูเหมือนเรื่อง" in page
    assert "กรุณาเลือกไฟล์อีกครั้ง" in page
    assert count_complaints(demo) == 0


@pytest.mark.parametrize("kind", ["lawsuit", "<script>"])
def test_a_kind_sent_by_an_old_client_is_still_checked(public_client: FlaskClient,
                                                       kind: str) -> None:
    response = post_report(public_client, {**STREET_LIGHT, "kind": kind})
    assert response.status_code == 400
    assert "กรุณาเลือกลักษณะเรื่องจากรายการที่มีให้" in response.get_data(as_text=True)
