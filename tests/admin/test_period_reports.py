"""The period reports on the executive page, in the Word file and on the public statistics
pages (issue 10): every figure equals the oracle's, the analysis and acknowledgement rules, and
nothing unacknowledged or small is public."""

import base64
import csv
import io
import json
import re
from collections import Counter

import pytest
from docx import Document
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from rongrian.intake.models import AuditEntry, PeriodReport
from rongrian.intake.period_report import OUTCOMES
from rongrian.intake.reporting import parse_period
from tests.admin.helpers import login, page, post_form
from tests.conftest import Demo
from tests.intake.report_seed import Seeded, expected
from tests.intake.test_suppression import attack

ANALYSIS = "เรื่องถนนชำรุดมีมากที่สุด ควรเพิ่มรอบการตรวจถนนทุกเดือน\nเรื่องล่าช้า: ปรับขั้นตอนการส่งต่อ"


def page_table(html: str) -> dict[str, Counter[str]]:
    """Category code → outcome counts of the page's ``report-outcomes`` table (non-zero)."""
    start = html.index('<table id="report-outcomes">')
    table = html[start:html.index("</table>", start)]
    found: dict[str, Counter[str]] = {}
    for code, row in re.findall(r'<tr data-code="([a-z_]+)">(.*?)</tr>', table, re.S):
        cells = dict(re.findall(r'data-outcome="([a-z_]+)">([\d,]+)<', row))
        counts = Counter({k: int(v.replace(",", "")) for k, v in cells.items()
                          if k != "total" and v != "0"})
        if counts:
            found[code] = counts
    return found


def _chart_svg(html: str, element_id: str) -> bytes:
    """The SVG of the ``<img id=element_id>`` data picture on ``html``, checked to be a
    self-contained SVG: no script, no address it would fetch."""
    found = re.search(rf'id="{element_id}" src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"',
                      html)
    assert found, f"no {element_id} picture"
    svg = base64.b64decode(found.group(1))
    assert b"<svg" in svg
    assert b"<script" not in svg
    assert not re.search(rb'href="(?!#)', svg)
    return svg


def _wanted(seeded: list[Seeded], label: str, kind: str) -> dict[str, Counter[str]]:
    period = parse_period(label)
    return expected(seeded, period.start, period.end, kind == "corruption")


@pytest.mark.parametrize("label", ["2568", "2568-H1", "2568-Q3", "2568-03"])
@pytest.mark.parametrize("kind", ["general", "corruption"])
def test_page_and_docx_figures_equal_the_known_outcomes(
        staff_client: FlaskClient, seeded: list[Seeded], label: str, kind: str) -> None:
    login(staff_client, "executive")
    status, body = page(staff_client, f"/summary?period={label}&kind={kind}")
    assert status == 200
    wanted = _wanted(seeded, label, kind)
    assert page_table(body) == wanted
    response = staff_client.get(f"/summary.docx?period={label}&kind={kind}")
    document = Document(io.BytesIO(response.data))
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "ประเภทเรื่อง")
    names = {}
    with_names = page_names(body)
    for row in table.rows[1:-1]:
        cells = [cell.text for cell in row.cells]
        counts = Counter({key: int(v.replace(",", "")) for key, v in zip(OUTCOMES, cells[1:6],
                                                                          strict=True)
                          if v != "0"})
        if counts:
            names[with_names[cells[0]]] = counts
    assert names == wanted
    if kind == "corruption":  # counts and outcomes only: never a case number
        assert not re.search(r"\d{4}/\d{6}", body)
        assert not any(re.search(r"\d{4}/\d{6}", cell.text) for t in document.tables
                       for row in t.rows for cell in row.cells)


def page_names(html: str) -> dict[str, str]:
    """Thai category name → code, from the page's outcome table."""
    start = html.index('<table id="report-outcomes">')
    table = html[start:html.index("</table>", start)]
    return {name: code for code, name in re.findall(
        r'<tr data-code="([a-z_]+)">\s*<th scope="row">([^<]+)</th>', table)}


def _acknowledged(demo: Demo, label: str, kind: str) -> PeriodReport | None:
    with demo.sessions() as session:
        record = session.get(PeriodReport, (label, kind))
        return record if record and record.acknowledged_on else None


def _analysis(demo: Demo, label: str, kind: str) -> str:
    with demo.sessions() as session:
        record = session.get(PeriodReport, (label, kind))
        return record.analysis if record else ""


def _actions(demo: Demo) -> list[str]:
    with demo.sessions() as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


FORM = "/summary?period=2568-H1&kind=general"


def _as(app: Flask, username: str) -> FlaskClient:
    """A new client of the staff app logged in as ``username``."""
    client = app.test_client()
    login(client, username)
    return client


def test_analysis_acknowledgement_and_publication(
        staff_app: Flask, public_client: FlaskClient, demo: Demo,
        seeded: list[Seeded]) -> None:
    data = {"period": "2568-H1", "kind": "general"}
    # nothing is public yet
    assert public_client.get("/statistics/2568-H1/general").status_code == 404
    assert "ผู้บริหารได้รับทราบรายงานแล้ว" in public_client.get(
        "/statistics/2568-H1/general").get_data(as_text=True)
    # an executive cannot acknowledge before the analysis is written
    staff_client = _as(staff_app, "executive")
    response = post_form(staff_client, FORM, "/summary/acknowledge",
                         {**data, "name": "นายกเทศมนตรี", "position": "นายกเทศมนตรีตำบลร่มเย็น"})
    assert response.status_code == 303
    _, body = page(staff_client, FORM)
    assert "ยังไม่ได้จัดทำผลการวิเคราะห์" in body or "has not written" in body
    assert _acknowledged(demo, "2568-H1", "general") is None
    # the integrity officer writes it; too long is refused and changes nothing
    staff_client = _as(staff_app, "integrity")
    too_long = post_form(staff_client, FORM, "/summary/analysis", {**data, "text": "ก" * 20_001})
    assert too_long.status_code == 303
    assert _analysis(demo, "2568-H1", "general") == ""
    _, body = page(staff_client, FORM)
    assert "20,000" in body
    post_form(staff_client, FORM, "/summary/analysis", {**data, "text": ANALYSIS})
    assert _analysis(demo, "2568-H1", "general") == ANALYSIS
    assert "report_analysis_written" in _actions(demo)
    # an administrator is no executive
    staff_client = _as(staff_app, "admin")
    refused = post_form(staff_client, FORM, "/summary/acknowledge",
                        {**data, "name": "ผู้ดูแลระบบ", "position": "ผู้ดูแลระบบ"})
    assert refused.status_code == 403
    assert _acknowledged(demo, "2568-H1", "general") is None
    # still nothing public
    assert public_client.get("/statistics/2568-H1/general.csv").status_code == 404
    assert public_client.get("/statistics/2568-H1/general.json").status_code == 404
    # the executive acknowledges
    staff_client = _as(staff_app, "executive")
    post_form(staff_client, FORM, "/summary/acknowledge",
              {**data, "name": "นายสมชาย ใจดี", "position": "นายกเทศมนตรีตำบลร่มเย็น"})
    record = _acknowledged(demo, "2568-H1", "general")
    assert record is not None
    assert (record.acknowledged_name, record.acknowledged_position) == (
        "นายสมชาย ใจดี", "นายกเทศมนตรีตำบลร่มเย็น")
    assert "report_acknowledged" in _actions(demo)
    document = Document(io.BytesIO(staff_client.get("/summary.docx?period=2568-H1").data))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "ได้รับทราบ" in text
    assert "(นายสมชาย ใจดี)" in text
    assert "เรื่องถนนชำรุดมีมากที่สุด" in text
    # the analysis of an acknowledged report stays as it was
    staff_client = _as(staff_app, "integrity")
    post_form(staff_client, FORM, "/summary/analysis", {**data, "text": "เปลี่ยน"})
    assert _analysis(demo, "2568-H1", "general") == ANALYSIS

    # public: linked from the home page, listed, shown, as CSV and JSON
    home = public_client.get("/").get_data(as_text=True)
    assert 'href="/statistics"' in home
    listing = public_client.get("/statistics").get_data(as_text=True)
    assert "/statistics/2568-H1/general" in listing
    assert "/statistics/2568-H1/corruption" not in listing
    assert public_client.get("/statistics/2568-H1/corruption").status_code == 404
    shown = public_client.get("/statistics/2568-H1/general").get_data(as_text=True)
    assert "เรื่องถนนชำรุดมีมากที่สุด" in shown
    assert "นายสมชาย ใจดี" in shown
    assert not re.search(r"\d{4}/\d{6}", shown)
    wanted = _wanted(seeded, "2568-H1", "general")
    published = json.loads(public_client.get("/statistics/2568-H1/general.json").data)
    outcome = next(t for t in published["tables"] if t["key"] == "outcome")
    rows = {row["code"]: row["cells"] for row in outcome["rows"]}
    hidden = 0
    for code, cells in rows.items():
        if code == "total":
            continue
        for key in OUTCOMES:
            exact = wanted.get(code, Counter())[key]
            if cells[key]["value"] is None:
                hidden += 1
                assert exact > 0
            else:
                assert cells[key]["value"] == exact
            if 0 < exact < 5:
                assert cells[key]["value"] is None
                assert cells[key]["shown"] in ("small", "hidden")
    assert hidden  # the seeded year has small cells
    # the outcome chart: matplotlib SVG embedded as a data: picture (no script, nothing
    # fetched); the public one is drawn from the shown counts, so it differs from the staff one
    public_chart = _chart_svg(shown, "public-outcome-chart")
    staff_chart = _chart_svg(staff_client.get("/summary?period=2568-H1&kind=general")
                             .get_data(as_text=True), "report-outcome-chart")
    assert public_chart != staff_chart
    lines = list(csv.DictReader(io.StringIO(
        public_client.get("/statistics/2568-H1/general.csv").data.decode("utf-8-sig"))))
    for line in lines:
        if line["table"] == "outcome" and line["row"] != "total" and line["column"] in OUTCOMES:
            exact = wanted.get(line["row"], Counter())[line["column"]]
            json_value = rows[line["row"]][line["column"]]["value"]
            assert line["value"] == ("" if json_value is None else str(exact))
            if 0 < exact < 5:
                assert line["text_th"] in ("น้อยกว่า 5", "ปกปิด")
    page_cells = re.findall(r'<td class="num (value|small|hidden)" data-column="([a-z_]+)">'
                            r'([^<]+)</td>', shown)
    assert any(text == "น้อยกว่า 5" for state, _, text in page_cells if state == "small")


def test_published_tables_resist_the_linear_programming_attack(
        staff_app: Flask, demo: Demo, seeded: list[Seeded]) -> None:
    from rongrian.intake.period_report import ReportKind
    from rongrian.intake.public_tables import tables_of
    from rongrian.intake.publication import published_report

    data = {"period": "2568", "kind": "general"}
    post_form(_as(staff_app, "integrity"), FORM, "/summary/analysis",
              {**data, "text": ANALYSIS})
    post_form(_as(staff_app, "executive"), FORM, "/summary/acknowledge",
              {**data, "name": "นายสมชาย ใจดี", "position": "นายกเทศมนตรี"})
    with demo.sessions() as session:
        published = published_report(session, "2568", ReportKind.GENERAL)
    for table in tables_of(published, 5):
        for key, (low, high) in attack(table).items():
            assert high - low >= 1 - 1e-6, f"{table.key} {key} pinned to [{low}, {high}]"


@pytest.mark.parametrize("label", ["2569-Q5", "2569-13", "2566"])
def test_a_period_that_does_not_exist_is_refused(staff_client: FlaskClient,
                                                 seeded: list[Seeded], label: str) -> None:
    login(staff_client, "executive")
    status, body = page(staff_client, f"/summary?period={label}&kind=general")
    assert status == 400
    assert f"“{label}” ไม่ใช่ช่วงเวลารายงานที่ถูกต้อง" in body


def test_unit_staff_cannot_read_or_write_the_reports(staff_client: FlaskClient,
                                                     demo: Demo, seeded: list[Seeded]) -> None:
    login(staff_client, "palad")
    assert staff_client.get("/summary?period=2568").status_code == 403
    response = post_form(staff_client, "/cases", "/summary/analysis",
                         {"period": "2568", "kind": "general", "text": ANALYSIS})
    assert response.status_code == 403
    assert _analysis(demo, "2568", "general") == ""
