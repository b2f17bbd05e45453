"""Search in the content of cases (issue 9 §1): ``/cases/search`` decrypts the member's units'
open cases in batches, Thai-aware, with progress and a "continue" button, and is audited without
the query."""

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from rongrian.intake import content_search
from rongrian.intake.content_search import Cursor, normalise, parse_query
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import (
    AuditAction,
    AuditEntry,
    StaffAccount,
    Unit,
    UnitMembership,
)
from tests.admin.helpers import Filer, login, page, post_form
from tests.conftest import Demo, csrf_token

SEARCH = "/cases/search"


def _search(client: FlaskClient, query: str, **more: str) -> tuple[int, str]:
    response = post_form(client, SEARCH, SEARCH, {"query": query, **more})
    return response.status_code, response.get_data(as_text=True)


def _listed(body: str) -> list[str]:
    return re.findall(r'<a href="/cases/[0-9a-f-]{36}"><strong>(\d{4}/\d{6})</strong></a>', body)


def _hidden(body: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*value="([^"]*)"', body) or re.search(
        rf'value="([^"]*)"[^>]*id="{element_id}"', body)
    assert match, element_id
    return match.group(1)


# --- matching -------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("น้ํา", "น้ำท่วม"),             # nikhahit + sara aa typed for sara am
    ("เเม่น้ำ", "แม่น้ำ"),            # two sara e typed for sara ae
    ("ซอย 3", "ซอย ๓ หมู่ ๒"),        # Thai digits
    ("ที่", "ที\u0e48"),                # the same text
    ("ที่", "ท\u0e48\u0e35"),           # tone mark typed before the upper vowel
    ("ROAD", "the road is broken"),   # case-folded
    ("ถนน พัง", "ถนน\u200bพัง"),      # a zero-width space in the stored text
])
def test_thai_spelling_variants_match(typed: str, stored: str) -> None:
    terms = parse_query(typed)
    assert all(term in normalise(stored) for term in terms)


@pytest.mark.parametrize(("typed", "problem"), [
    ("", "required"), ("   ", "required"), ("ก", "too_short"), ("x" * 201, "too_long"),
    (" ".join(f"w{n}" for n in range(11)), "too_long")])
def test_queries_refused(typed: str, problem: str) -> None:
    with pytest.raises(InvalidSubmission) as refused:
        parse_query(typed)
    assert refused.value.problems == {"query": problem}


@pytest.mark.parametrize("text", ["", "2026-01-01", "x|2569/000001", "2026-01-01|2569/1",
                                  "2026-13-01|2569/000001"])
def test_malformed_positions_are_refused(text: str) -> None:
    with pytest.raises(InvalidSubmission):
        Cursor.parse(text)


# --- the page -------------------------------------------------------------------------------

def test_search_lists_matching_open_cases_of_my_units_only(
        staff_client: FlaskClient, file: Filer, demo: Demo) -> None:
    hit = file(what_happened="ไฟฟ้าสาธารณะดับทั้งซอย ๗ มาสามคืนแล้ว")
    file(what_happened="หญ้ารกริมถนน")
    file(unit_code="FINANCE", what_happened="ไฟฟ้าสาธารณะดับที่สำนักงาน")  # another unit
    login(staff_client, "works")

    status, body = _search(staff_client, "ไฟฟ้า ซอย 7")

    assert status == 200
    assert _listed(body) == [hit.case_number]
    assert "ไฟฟ้าสาธารณะดับทั้งซอย 7 มาสามคืนแล้ว" in body  # the snippet
    assert "ค้นแล้ว 2 จาก 2 เรื่องที่ยังดำเนินการอยู่" in body
    assert 'id="continue-form"' not in body
    assert 'id="search-finished"' in body


def test_the_thread_is_searched_and_finished_cases_are_not(
        staff_client: FlaskClient, file: Filer) -> None:
    open_case, finished = file(), file(what_happened="ขยะล้นถังหน้าตลาด")
    login(staff_client, "works")
    case_page = f"/cases/{open_case.complaint_id}"
    post_form(staff_client, case_page, f"{case_page}/reply",
              {"text": "ส่งทีมลอกท่อไปวันพฤหัสบดี"})
    finished_page = f"/cases/{finished.complaint_id}"
    assert post_form(staff_client, finished_page, f"{finished_page}/status", {
        "status": "rejected", "message": "ไม่อยู่ในอำนาจ"}).status_code == 302

    _, body = _search(staff_client, "ลอกท่อ")
    assert _listed(body) == [open_case.case_number]
    assert "ประวัติ" in body  # found in the thread
    _, body = _search(staff_client, "ขยะล้นถัง")
    assert _listed(body) == []
    assert "ไม่พบในเรื่องชุดนี้" in body


def test_batches_continue_by_post_until_every_case_was_searched(
        staff_client: FlaskClient, file: Filer, demo: Demo,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(content_search, "BATCH", 2)
    filed = [file(what_happened=f"น้ำประปาไม่ไหล บ้านเลขที่ {n}") for n in range(5)]
    login(staff_client, "works")

    seen: list[str] = []
    status, body = _search(staff_client, "ประปา")
    progress = []
    while True:
        assert status == 200
        seen += _listed(body)
        progress.append(re.search(r"ค้นแล้ว (\d+) จาก (\d+)", body).groups())  # type: ignore[union-attr]
        if 'id="continue-form"' not in body:
            break
        token = csrf_token(body)
        response = staff_client.post(SEARCH, data={
            "csrf_token": token, "query": _hidden(body, "continue-query"),
            "after": _hidden(body, "continue-after"), "done": _hidden(body, "continue-done")})
        assert response.status_code == 200
        assert "?" not in (response.request.url or "")
        status, body = response.status_code, response.get_data(as_text=True)

    assert progress == [("2", "5"), ("4", "5"), ("5", "5")]
    assert sorted(seen) == sorted(r.case_number for r in filed)  # each once, none skipped
    assert seen == sorted(seen, reverse=True)  # newest first
    with demo.sessions() as session:
        entries = list(session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.CASES_CONTENT_SEARCHED.value)
            .order_by(AuditEntry.seq)))
    assert [e.detail for e in entries][0].startswith('{"matched":2,"not_opened":0,"searched":2,')
    assert all("ประปา" not in e.detail and "\\u0e1b" not in e.detail for e in entries)
    assert {e.actor_name for e in entries} == {"works"}


@pytest.mark.parametrize(("query", "more", "message"), [
    ("", {}, "กรุณาพิมพ์คำที่ต้องการค้นหา"),
    ("ก", {}, "กรุณาพิมพ์คำค้นหาอย่างน้อยสองตัวอักษร"),
    ("ถนน" * 70, {}, "คำค้นหายาวเกินไป"),
    ("ถนน", {"after": "2026-01-01|nonsense", "done": "2"}, "ตำแหน่งการค้นหาไม่ถูกต้อง"),
    ("ถนน", {"after": "2026-01-01|2569/000001", "done": "many"}, "ตำแหน่งการค้นหาไม่ถูกต้อง"),
])
def test_bad_searches_show_a_message_and_audit_nothing(
        staff_client: FlaskClient, file: Filer, demo: Demo, query: str,
        more: dict[str, str], message: str) -> None:
    file()
    login(staff_client, "works")
    status, body = _search(staff_client, query, **more)
    assert status == 400
    assert message in body
    assert 'id="search-error"' in body
    with demo.sessions() as session:
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.CASES_CONTENT_SEARCHED.value)).first() is None


def test_cases_without_a_granted_key_are_counted_not_opened(
        staff_client: FlaskClient, file: Filer, demo: Demo) -> None:
    file(what_happened="ถนนทรุดหน้าโรงเรียน")
    with demo.sessions() as session:  # finance joins WORKS but nobody granted them its key
        finance = session.scalars(select(StaffAccount).where(
            StaffAccount.username == "finance")).one()
        works = session.scalars(select(Unit).where(Unit.code == "WORKS")).one()
        session.add(UnitMembership(account_id=finance.id, unit_id=works.id))
        session.commit()
    login(staff_client, "finance")
    status, body = _search(staff_client, "ถนนทรุด")
    assert status == 200
    assert _listed(body) == []
    assert "เปิดไม่ได้ 1 เรื่อง" in body


def test_the_language_switch_after_a_search_leads_to_the_empty_form(
        staff_client: FlaskClient, file: Filer) -> None:
    file()
    login(staff_client, "works")
    _, body = _search(staff_client, "ท่อระบายน้ำ")
    assert '<a href="/cases/search?lang=en" lang="en">English</a>' in body


def test_the_form_page_and_who_may_use_it(staff_app: Flask, file: Filer) -> None:
    file()
    member, executive = staff_app.test_client(), staff_app.test_client()
    login(member, "works")
    status, body = page(member, SEARCH)
    assert status == 200
    assert 'method="post" action="/cases/search"' in body
    assert "หน่วยงานของท่านมีเรื่องที่ยังดำเนินการอยู่ 1 เรื่อง" in body
    login(executive, "executive")
    assert page(executive, SEARCH)[0] == 403
