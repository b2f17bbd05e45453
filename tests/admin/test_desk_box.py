"""Suggestion-box rounds (issue 8): one opening entered note by note; complaints filed without
a code and counted by box in the summary and the Word report; "no action" notes counted on the
opening; a bad note files nothing of the round."""

import json
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from docx import Document
from flask.testing import FlaskClient
from sqlalchemy import select

from rongrian.admin.report_docx import docx_bytes
from rongrian.intake.models import AuditAction, AuditEntry, BoxOpening, Complaint
from rongrian.intake.reporting import parse_period, summarise
from rongrian.intake.thaidate import fiscal_year_of
from tests.admin.helpers import login, post_form
from tests.channels.web.helpers import count_complaints
from tests.conftest import Demo

BOX = "ตู้หน้าห้องประชาสัมพันธ์"



def _item(n: int, action: str, text: str = "", unit: str = "WORKS") -> dict[str, str]:
    return {f"item-{n}-action": action, f"item-{n}-kind": "grievance",
            f"item-{n}-category": "general", f"item-{n}-unit": unit,
            f"item-{n}-what_happened": text}


def _round(client: FlaskClient, *items: dict[str, str], **fields: str):  # type: ignore[no-untyped-def]
    data = {"place": BOX, "opened_on": datetime.now(UTC).date().isoformat(),
            "backdating_reason": "", **fields}
    for item in items:
        data.update(item)
    return post_form(client, "/desk/box", "/desk/box", data)


def test_a_round_files_its_complaints_and_counts_them_by_box(
        staff_client: FlaskClient, demo: Demo, desk_officer: str) -> None:
    login(staff_client, desk_officer)
    answer = _round(staff_client, _item(1, "case", "ไฟถนนหน้าตลาดดับ"),
                    _item(2, "no_action"), _item(3, "case", "ขยะไม่เก็บสามวัน", unit="PALAD"))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 200, html
    assert "บันทึกเป็นเรื่องร้องเรียน 2 เรื่อง ไม่ต้องดำเนินการ 1 รายการ" in html
    with demo.sessions() as session:
        complaints = session.scalars(select(Complaint)).all()
        assert {c.channel.value for c in complaints} == {"suggestion_box"}
        opening = session.scalars(select(BoxOpening)).one()
        assert (opening.box.place, opening.items, opening.no_action) == (BOX, 3, 1)
        assert {c.box_opening_id for c in complaints} == {opening.id}
        summary = summarise(session, parse_period(str(fiscal_year_of(opening.opened_on))))
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.BOX_OPENED)).one()
    assert summary.by_box == {BOX: 2}
    assert summary.by_channel["suggestion_box"] == 2
    assert json.loads(entry.detail or "{}")["no_action"] == 1
    document = Document(BytesIO(docx_bytes(summary, organisation="ทต.ร่มเย็น")))
    cells = [[c.text for c in row.cells] for t in document.tables for row in t.rows]
    assert any(BOX in row[1] and row[2].strip() == "2" for row in cells)


def test_a_bad_note_files_nothing_of_the_round(staff_client: FlaskClient, demo: Demo,
                                                desk_officer: str) -> None:
    login(staff_client, desk_officer)
    answer = _round(staff_client, _item(1, "case", "ถนนชำรุด"), _item(2, "case", ""))
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert 'id="item-2"' in html
    assert "กรุณาบันทึกสิ่งที่ผู้ร้องแจ้ง" in html
    assert "ถนนชำรุด" in html  # what was typed is kept
    assert count_complaints(demo) == 0
    with demo.sessions() as session:
        assert session.scalars(select(BoxOpening)).all() == []


@pytest.mark.parametrize(("fields", "items", "message"), [
    ({"place": ""}, [_item(1, "no_action")], "กรุณาระบุตู้ที่เปิด"),
    ({"place": "ก" * 81}, [_item(1, "no_action")], "กรุณาระบุตู้ที่เปิด"),
    ({}, [], "กรุณาบันทึกอย่างน้อยหนึ่งรายการ"),
    ({"opened_on": (datetime.now(UTC).date() + timedelta(days=1)).isoformat()},
     [_item(1, "case", "ท่อตัน")], "ต้องไม่เป็นวันในอนาคต"),
    ({"opened_on": (datetime.now(UTC).date() - timedelta(days=3)).isoformat()},
     [_item(1, "case", "ท่อตัน")], "กรุณาระบุเหตุผล"),
])
def test_round_level_problems_are_clear_and_nothing_is_stored(
        staff_client: FlaskClient, demo: Demo, desk_officer: str, fields: dict[str, str],
        items: list[dict[str, str]], message: str) -> None:
    login(staff_client, desk_officer)
    answer = _round(staff_client, *items, **fields)
    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert count_complaints(demo) == 0
    with demo.sessions() as session:
        assert session.scalars(select(BoxOpening)).all() == []
