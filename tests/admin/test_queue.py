"""The working queue page and the unit's labels as staff use them (issue 9 §1): paging with the
total across pages, filters in the address, markers, the case-number search, bad values, labels
on the case page and the labels page."""

import json
import os
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert, select

from rongrian.intake.models import AuditEntry, CaseLabel, Complaint, StaffAccount, Status, Unit
from rongrian.intake.store import add_information
from rongrian.settings import Settings
from tests.admin.helpers import Filer, case_links, login, page, post_form
from tests.conftest import Demo

TODAY = datetime.now(UTC).date()


def _clone(demo: Demo, source: uuid.UUID, count: int, **values: object) -> list[str]:
    """``count`` copies of the case ``source`` (clear columns only matter to the queue), with
    numbers 2599/000001…; returns the numbers."""
    with demo.sessions() as session:
        table = Complaint.__table__
        row = session.execute(select(table).where(table.c.id == source)).mappings().one()
        numbers = [f"2599/{n:06d}" for n in range(1, count + 1)]
        session.execute(insert(Complaint), [
            {**row, "id": uuid.uuid4(), "case_number": number, "tracking_digest": os.urandom(32),
             **values} for number in numbers])
        session.commit()
    return numbers


def _account_id(demo: Demo, username: str) -> int:
    with demo.sessions() as session:
        return session.scalars(select(StaffAccount.id).where(
            StaffAccount.username == username)).one()


def _set(demo: Demo, case_id: uuid.UUID, **values: object) -> None:
    with demo.sessions() as session:
        complaint = session.get(Complaint, case_id)
        assert complaint is not None
        for name, value in values.items():
            setattr(complaint, name, value)
        session.commit()


def _row(body: str, number: str) -> str:
    start = body.rindex("<tr", 0, body.index(f">{number}</a>"))
    return body[start:body.index("</tr>", start)]


def test_paging_shows_the_total_across_pages(staff_client: FlaskClient, file: Filer,
                                             demo: Demo) -> None:
    first = file()
    numbers = _clone(demo, first.complaint_id, 54)
    login(staff_client, "works")
    status, body = page(staff_client, "/cases")
    assert status == 200
    assert "เรื่องที่ 1–50 จาก 55 เรื่อง" in body
    assert "หน้า 1 จาก 2" in body
    on_first = case_links(body)
    assert len(on_first) == 50
    next_link = re.search(r'<a href="([^"]+)" rel="next">', body)
    assert next_link
    second = page(staff_client, next_link.group(1).replace("&amp;", "&"))[1]
    assert "เรื่องที่ 51–55 จาก 55 เรื่อง" in second
    assert on_first | case_links(second) == {first.case_number, *numbers}
    assert on_first.isdisjoint(case_links(second))
    assert "ยังไม่เสร็จ <span class=\"count\">(55)</span>" in body


def test_open_and_finished_cases_are_apart(staff_client: FlaskClient, file: Filer,
                                           demo: Demo) -> None:
    still_open, finished = file(), file()
    _set(demo, finished.complaint_id, status=Status.CLOSED, finished_on=TODAY)
    login(staff_client, "works")
    assert case_links(page(staff_client, "/cases")[1]) == {still_open.case_number}
    assert case_links(page(staff_client, "/cases?tab=finished")[1]) == {finished.case_number}
    assert case_links(page(staff_client, "/cases?tab=all")[1]) == {
        still_open.case_number, finished.case_number}


def test_default_order_is_due_date_then_newest_on_request(staff_client: FlaskClient,
                                                          file: Filer, demo: Demo) -> None:
    late, early = file(), file()
    _set(demo, late.complaint_id, due_on=TODAY + timedelta(days=20))
    _set(demo, early.complaint_id, due_on=TODAY + timedelta(days=2),
         received_on=TODAY - timedelta(days=5))
    login(staff_client, "works")
    body = page(staff_client, "/cases")[1]
    assert body.index(early.case_number) < body.index(late.case_number)
    newest = page(staff_client, "/cases?sort=newest")[1]
    assert newest.index(late.case_number) < newest.index(early.case_number)


def test_filters_travel_in_the_address_and_hold_no_content(staff_client: FlaskClient,
                                                            file: Filer, demo: Demo) -> None:
    line = file(channel="line")
    file()
    login(staff_client, "works")
    body = page(staff_client, "/cases?channel=line&officer=none&sort=oldest")[1]
    assert case_links(body) == {line.case_number}
    for href in re.findall(r'href="(/cases\?[^"]*)"', body):
        query = parse_qs(urlsplit(href.replace("&amp;", "&")).query)
        if set(query) == {"tab"}:
            continue  # "clear the filter"
        assert set(query) <= {"tab", "status", "category", "channel", "kind", "unit",
                              "officer", "label", "overdue", "due_within", "unread", "sort",
                              "page", "lang"}
        assert query.get("channel") == ["line"]


def test_markers_overdue_due_soon_mine_and_new_information(
        staff_client: FlaskClient, file: Filer, demo: Demo, settings: Settings) -> None:
    overdue, soon, later = file(), file(), file()
    _set(demo, overdue.complaint_id, due_on=TODAY - timedelta(days=1))
    _set(demo, soon.complaint_id, due_on=TODAY, assigned_to_id=_account_id(demo, "works"))
    _set(demo, later.complaint_id, due_on=TODAY + timedelta(days=30))
    with demo.sessions() as session:
        add_information(session, settings.secrets.tracking_pepper, later.tracking_code,
                        "ส่งภาพเพิ่มเติม")
        session.commit()
    login(staff_client, "works")
    body = page(staff_client, "/cases")[1]
    assert '<span class="badge overdue">เกินกำหนด</span>' in _row(body, overdue.case_number)
    assert 'class="is-overdue"' in _row(body, overdue.case_number)
    assert '<span class="badge due-soon">ใกล้ครบกำหนด</span>' in _row(body, soon.case_number)
    assert "มอบหมายให้ฉัน</span>" in _row(body, soon.case_number)
    assert "มีข้อมูลใหม่จากผู้ร้อง</span>" in _row(body, later.case_number)
    for plain in (overdue, soon):
        assert "มีข้อมูลใหม่จากผู้ร้อง</span>" not in _row(body, plain.case_number)
    assert "badge due-soon" not in _row(body, later.case_number)
    assert case_links(page(staff_client, "/cases?unread=1")[1]) == {later.case_number}
    assert case_links(page(staff_client, "/cases?overdue=1")[1]) == {overdue.case_number}
    assert case_links(page(staff_client, "/cases?due_within=3")[1]) == {soon.case_number}
    assert case_links(page(staff_client, "/cases?officer=me")[1]) == {soon.case_number}
    page(staff_client, f"/cases/{later.complaint_id}")  # reading the case clears the marker
    assert case_links(page(staff_client, "/cases?unread=1")[1]) == set()
    assert "มีข้อมูลใหม่จากผู้ร้อง</span>" not in _row(page(staff_client, "/cases")[1],
                                                        later.case_number)


def test_case_number_search(staff_client: FlaskClient, file: Filer) -> None:
    mine = file()
    theirs = file(unit_code="FINANCE")
    login(staff_client, "works")
    year, number = mine.case_number.split("/")
    response = staff_client.get(f"/cases?number={year}/{int(number)}")
    assert response.status_code == 302
    assert response.location == f"/cases/{mine.complaint_id}"
    status, body = page(staff_client, f"/cases?number={theirs.case_number}")
    assert status == 400
    assert f"ไม่พบเรื่องเลขที่ {theirs.case_number} ในเรื่องของหน่วยงานของท่าน" in body
    assert theirs.case_number not in case_links(body)
    status, body = page(staff_client, "/cases?number=<b>abc</b>")
    assert status == 400
    assert "ไม่ใช่เลขที่เรื่อง" in body
    assert "<b>abc</b>" not in body


@pytest.mark.parametrize(("query", "words"), [
    ("status=lost", "ตัวกรอง “สถานะ”"),
    ("tab=archive", "ตัวกรอง “แท็บ”"),
    ("sort=random", "ตัวกรอง “เรียงตาม”"),
    ("channel=fax", "ตัวกรอง “ช่องทาง”"),
    ("kind=x", "ตัวกรอง “ลักษณะเรื่อง”"),
    ("category=999999", "ตัวกรอง “ประเภทเรื่อง”"),
    ("category=1%20OR%201=1", "ตัวกรอง “ประเภทเรื่อง”"),
    ("officer={palad}", "ตัวกรอง “เจ้าหน้าที่ผู้รับผิดชอบ”"),
    ("label=999999", "ตัวกรอง “ป้าย”"),
    ("unit={finance_unit}", "ตัวกรอง “หน่วยงาน”"),
    ("overdue=yes", "ตัวกรอง “เกินกำหนด”"),
    ("unread=2", "ตัวกรอง “มีข้อมูลใหม่จากผู้ร้อง”"),
    ("due_within=-1", "ครบกำหนดภายใน"),
    ("due_within=61", "ครบกำหนดภายใน"),
    ("due_within=๓", "ครบกำหนดภายใน"),
    ("page=abc", "เลขหน้าต้องเป็นจำนวนเต็ม"),
    ("page=0", "เลขหน้าต้องเป็นจำนวนเต็ม"),
])
def test_bad_filter_values_are_named_and_left_out(staff_client: FlaskClient, file: Filer,
                                                  demo: Demo, query: str, words: str) -> None:
    receipt = file()
    query = query.format(palad=_account_id(demo, "palad"),
                         finance_unit=demo.organisation.units["FINANCE"].id)
    login(staff_client, "works")
    status, body = page(staff_client, f"/cases?{query}")
    assert status == 400
    assert words in body
    assert 'role="alert"' in body
    assert case_links(body) == {receipt.case_number}  # the rest of the queue still shows


def test_bad_values_are_explained_in_english_too(staff_client: FlaskClient, file: Filer) -> None:
    file()
    login(staff_client, "works")
    status, body = page(staff_client, "/cases?due_within=99&lang=en")
    assert status == 400
    assert "“Due within” takes a whole number of working days from 0 to 60" in body


def test_a_page_past_the_last_shows_the_last(staff_client: FlaskClient, file: Filer) -> None:
    receipt = file()
    login(staff_client, "works")
    status, body = page(staff_client, "/cases?page=7")
    assert status == 200
    assert case_links(body) == {receipt.case_number}


# --- labels ------------------------------------------------------------------------------

def _labels(demo: Demo) -> dict[str, int]:
    with demo.sessions() as session:
        return {label.name: label.id for label in session.scalars(select(CaseLabel))}


def _audited(demo: Demo, prefix: str) -> list[tuple[str, dict[str, object]]]:
    with demo.sessions() as session:
        return [(e.action, json.loads(e.detail)) for e in session.scalars(
            select(AuditEntry).order_by(AuditEntry.seq)) if e.action.startswith(prefix)]


def test_a_unit_makes_labels_puts_them_on_a_case_and_filters(staff_client: FlaskClient,
                                                              file: Filer, demo: Demo) -> None:
    labelled, other = file(), file()
    unit = str(demo.organisation.units["WORKS"].id)
    login(staff_client, "works")
    for name in ("รอผู้รับเหมา", "ต้องลงพื้นที่"):
        response = post_form(staff_client, "/cases/labels", "/cases/labels",
                             {"unit": unit, "name": name})
        assert response.status_code == 302
    ids = _labels(demo)
    case_page = f"/cases/{labelled.complaint_id}"
    _, case_body = page(staff_client, case_page)
    assert 'id="labels-form"' in case_body
    assert "รอผู้รับเหมา" in case_body
    token_page = case_page
    response = staff_client.post(f"{case_page}/labels", data={
        "csrf_token": re.search(r'name="csrf_token" value="([^"]+)"',
                                page(staff_client, token_page)[1]).group(1),  # type: ignore[union-attr]
        "label": [str(ids["รอผู้รับเหมา"]), str(ids["ต้องลงพื้นที่"])]})
    assert response.status_code == 302
    body = page(staff_client, "/cases")[1]
    assert "รอผู้รับเหมา</a>" in _row(body, labelled.case_number)
    assert "รอผู้รับเหมา" not in _row(body, other.case_number)
    filtered = page(staff_client, f"/cases?label={ids['ต้องลงพื้นที่']}")[1]
    assert case_links(filtered) == {labelled.case_number}
    renamed = post_form(staff_client, "/cases/labels",
                        f"/cases/labels/{ids['รอผู้รับเหมา']}/rename", {"name": "รออนุมัติ"})
    assert renamed.status_code == 302
    assert "รออนุมัติ</a>" in _row(page(staff_client, "/cases")[1], labelled.case_number)
    deleted = post_form(staff_client, "/cases/labels",
                        f"/cases/labels/{ids['ต้องลงพื้นที่']}/delete", {})
    assert deleted.status_code == 302
    status, gone = page(staff_client, f"/cases?label={ids['ต้องลงพื้นที่']}")
    assert status == 400
    assert "ตัวกรอง “ป้าย”" in gone
    assert [action for action, _ in _audited(demo, "label")] == [
        "label_created", "label_created", "label_renamed", "label_deleted"]
    [(_, change)] = _audited(demo, "case_labels")
    assert change["removed"] == ""


@pytest.mark.parametrize(("name", "words"), [
    ("", "กรุณาระบุชื่อป้าย"),
    ("ก" * 41, "ชื่อป้ายยาวได้ไม่เกิน 40 ตัวอักษร"),
    ("ด่วน", "มีป้ายชื่อนี้อยู่แล้ว"),
])
def test_bad_label_names_are_refused_with_a_message(staff_client: FlaskClient, demo: Demo,
                                                    name: str, words: str) -> None:
    unit = str(demo.organisation.units["WORKS"].id)
    login(staff_client, "works")
    post_form(staff_client, "/cases/labels", "/cases/labels", {"unit": unit, "name": "ด่วน"})
    response = post_form(staff_client, "/cases/labels", "/cases/labels",
                         {"unit": unit, "name": name})
    assert response.status_code == 400
    assert words in response.get_data(as_text=True)
    assert list(_labels(demo)) == ["ด่วน"]


def test_another_units_labels_cannot_be_used_or_changed(staff_client: FlaskClient,
                                                        file: Filer, demo: Demo) -> None:
    receipt = file()
    with demo.sessions() as session:
        finance = session.scalars(select(Unit).where(Unit.code == "FINANCE")).one()
        theirs = CaseLabel(unit_id=finance.id, name="งบประมาณ")
        session.add(theirs)
        session.commit()
        theirs_id = theirs.id
    login(staff_client, "works")
    case_page = f"/cases/{receipt.complaint_id}"
    refused = post_form(staff_client, case_page, f"{case_page}/labels",
                        {"label": str(theirs_id)})
    assert refused.status_code == 400
    assert "ป้ายนี้ไม่ใช่ป้ายของหน่วยงานของท่าน" in refused.get_data(as_text=True)
    for action in ("rename", "delete"):
        response = post_form(staff_client, "/cases/labels",
                             f"/cases/labels/{theirs_id}/{action}", {"name": "ของฉัน"})
        assert response.status_code == 400
    made_for_them = post_form(staff_client, "/cases/labels", "/cases/labels",
                              {"unit": str(finance.id), "name": "แอบสร้าง"})
    assert made_for_them.status_code == 400
    assert _labels(demo) == {"งบประมาณ": theirs_id}
    assert _audited(demo, "label") == []
    assert _audited(demo, "case_labels") == []


def test_label_page_and_queue_in_english(staff_client: FlaskClient, file: Filer) -> None:
    file()
    login(staff_client, "works")
    _, body = page(staff_client, "/cases/labels?lang=en")
    assert "never put a complainant's name or details in a label" in body
    _, queue = page(staff_client, "/cases?lang=en")
    assert "1–1 of 1 cases" in queue
    assert "Filter and sort" in queue


def test_finished_tab_offers_no_due_filters(staff_client: FlaskClient, file: Filer) -> None:
    file()
    login(staff_client, "works")
    body = page(staff_client, "/cases?tab=finished")[1]
    assert 'name="due_within"' not in body
    assert 'name="overdue"' not in body
    assert "ไม่มีเรื่องในแท็บนี้ที่ตรงกับตัวกรอง" in body
