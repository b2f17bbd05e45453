"""The executive summary page and its Word download: counts that match what was filed, for the
roles allowed to read them, and never any case content."""

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from docx import Document
from flask.testing import FlaskClient
from sqlalchemy import select

from rongrian.admin.report_docx import period_title
from rongrian.admin.web.summary import default_period, period_options
from rongrian.intake.casework import change_status
from rongrian.intake.keyring import unlock_account
from rongrian.intake.models import Complaint, StaffAccount, Status
from rongrian.intake.reporting import parse_period
from rongrian.intake.thaidate import fiscal_year_of
from tests.admin.helpers import FINANCE_TEXT, TIP_TEXT, WORKS_TEXT, Filer, login, page
from tests.conftest import PASSWORDS, Demo

#: Quarter 1 of fiscal year 2569: 1 Oct 2025 – 31 Dec 2025.
QUARTER = "2569-Q1"
FILED = datetime(2025, 10, 6, 9, 0, tzinfo=UTC)


def _move(demo: Demo, username: str, case_id: object, moves: list[tuple[Status, date]]) -> None:
    with demo.sessions() as session:
        account = session.scalars(
            select(StaffAccount).where(StaffAccount.username == username)).one()
        unlocked = unlock_account(account, PASSWORDS[username])
        for status, day in moves:
            change_status(session, unlocked, case_id, status, "",  # type: ignore[arg-type]
                          now=datetime(day.year, day.month, day.day, 10, tzinfo=UTC))
        session.commit()


pytestmark = pytest.mark.usefixtures("installed_before")


@pytest.fixture
def quarter(file: Filer, demo: Demo) -> None:
    """Five cases filed in 2569-Q1 (one finished in time, one late, two open past due, one
    open and not yet due) and one filed the day before the quarter."""
    in_time = file(now=FILED, channel="qr")
    late = file(now=FILED)
    file(now=FILED, unit_code="FINANCE", what_happened=FINANCE_TEXT)
    file(now=FILED, kind="tip", category_code="corruption", what_happened=TIP_TEXT,
         channel="line")
    file(now=datetime(2025, 12, 20, tzinfo=UTC))
    file(now=datetime(2025, 9, 30, tzinfo=UTC), unit_code="PALAD")
    _move(demo, "works", in_time.complaint_id,
          [(Status.IN_PROGRESS, date(2025, 10, 7)), (Status.RESOLVED, date(2025, 10, 10))])
    _move(demo, "works", late.complaint_id,
          [(Status.IN_PROGRESS, date(2025, 10, 7)), (Status.RESOLVED, date(2025, 11, 30))])
    # The page is checked against due days pinned to received + the category's days (calendar
    # arithmetic keeps the table above readable; the working-day clock has its own tests).
    with demo.sessions() as session:
        for complaint in session.scalars(select(Complaint)):
            complaint.due_on = complaint.received_on + timedelta(days=complaint.category.sla_days)
        session.commit()


def table_counts(html: str, key: str) -> dict[str, int]:
    """Code -> count of the summary table ``by-<key>``, plus ``"TOTAL"``."""
    start = html.index(f'id="by-{key}"')
    section = html[start:html.index("</section>", start)]
    counts = {code: int(count.replace(",", "")) for code, count in re.findall(
        r'data-code="([a-z_A-Z]+)">\s*<td>[^<]*</td>\s*<td class="num">([\d,]+)</td>', section)}
    total = re.search(r'<tr class="total">\s*<th scope="row">[^<]*</th>\s*'
                      r'<td class="num">([\d,]+)</td>', section)
    assert total is not None
    counts["TOTAL"] = int(total.group(1).replace(",", ""))
    return counts


def _nonzero(counts: dict[str, int]) -> dict[str, int]:
    return {code: n for code, n in counts.items() if n}


@pytest.mark.usefixtures("quarter")
@pytest.mark.parametrize("username", ["executive", "admin", "integrity"])
def test_summary_counts_match_what_was_filed(staff_client: FlaskClient, username: str) -> None:
    login(staff_client, username)
    status, body = page(staff_client, f"/summary?period={QUARTER}")
    assert status == 200
    assert ("สรุปสถิติเรื่องร้องเรียน ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2569 "
            "(1 ต.ค. 2568 – 31 ธ.ค. 2568)") in body
    assert re.search(r'id="total">5<', body)
    assert _nonzero(table_counts(body, "category")) == {"general": 4, "corruption": 1,
                                                        "TOTAL": 5}
    assert _nonzero(table_counts(body, "unit")) == {"WORKS": 3, "FINANCE": 1, "AUDIT": 1,
                                                    "TOTAL": 5}
    assert _nonzero(table_counts(body, "channel")) == {"web": 3, "qr": 1, "line": 1, "TOTAL": 5}
    assert _nonzero(table_counts(body, "kind")) == {"complaint": 4, "tip": 1, "TOTAL": 5}
    assert _nonzero(table_counts(body, "status")) == {"received": 3, "resolved": 2, "TOTAL": 5}
    assert table_counts(body, "timeliness") == {
        "within_standard": 1, "late": 1, "open_overdue": 2, "open_in_time": 1, "TOTAL": 5}
    assert re.search(r'id="within-standard">1<', body)
    assert re.search(r'id="late">1<', body)
    assert re.search(r'id="open-overdue">2<', body)


@pytest.mark.usefixtures("quarter")
def test_summary_shows_no_case_content(staff_client: FlaskClient) -> None:
    login(staff_client, "executive")
    for path in (f"/summary?period={QUARTER}", "/summary?period=2569", "/summary"):
        _, body = page(staff_client, path)
        # case numbers appear only in the general report's overdue list (issue 10 §1)
        body = re.sub(r'<table id="report-overdue">.*?</table>', "", body, flags=re.S)
        for text in (WORKS_TEXT, FINANCE_TEXT, TIP_TEXT, "2569/0000"):
            assert text not in body


@pytest.mark.usefixtures("quarter")
@pytest.mark.parametrize(("period", "total"), [
    ("2569", 5), ("2569-H1", 5), ("2569-Q2", 0), ("2568-Q4", 1), ("2568-09", 1),
    ("2568-10", 4), ("2568-12", 1), (" 2569-q1 ", 5),
])
def test_each_kind_of_period_counts_its_own_days(staff_client: FlaskClient, period: str,
                                                 total: int) -> None:
    login(staff_client, "executive")
    status, body = page(staff_client, f"/summary?period={period}")
    assert status == 200
    assert table_counts(body, "category")["TOTAL"] == total


def test_default_period_is_the_current_quarter(staff_client: FlaskClient) -> None:
    today = datetime.now(UTC).date()
    login(staff_client, "executive")
    _, body = page(staff_client, "/summary")
    assert period_title(parse_period(default_period(today))) in body
    assert f"ปีงบประมาณ พ.ศ. {fiscal_year_of(today)}" in body
    assert re.search(rf'<option value="{default_period(today)}" selected>', body)


@pytest.mark.parametrize(("day", "label"), [
    (date(2024, 10, 1), "2568-Q1"), (date(2024, 12, 31), "2568-Q1"),
    (date(2025, 1, 1), "2568-Q2"), (date(2025, 6, 30), "2568-Q3"),
    (date(2025, 9, 30), "2568-Q4"), (date(2025, 10, 1), "2569-Q1"),
])
def test_default_period_follows_the_fiscal_year(day: date, label: str) -> None:
    assert default_period(day) == label


def test_period_picker_offers_years_halves_quarters_and_months() -> None:
    groups = period_options(parse_period("2560-H2"), date(2025, 11, 1), "th")
    titles = [title for title, _ in groups]
    assert titles == ["ปีงบประมาณ พ.ศ. 2569", "ปีงบประมาณ พ.ศ. 2568", "ปีงบประมาณ พ.ศ. 2567",
                      "ปีงบประมาณ พ.ศ. 2560"]
    values = [option.value for option in groups[0][1]]
    assert values[:7] == ["2569", "2569-H1", "2569-H2", "2569-Q1", "2569-Q2", "2569-Q3",
                          "2569-Q4"]
    assert values[7:] == ["2568-10", "2568-11", "2568-12"] + [f"2569-{m:02d}" for m in range(1, 10)]
    texts = [option.text for option in groups[0][1]]
    assert "ไตรมาสที่ 1 (1 ต.ค. 2568 – 31 ธ.ค. 2568)" in texts
    assert "ตุลาคม 2568" in texts


@pytest.mark.parametrize(("label", "title"), [
    ("2568-Q1", "สรุปสถิติเรื่องร้องเรียน ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2568 "
                "(1 ต.ค. 2567 – 31 ธ.ค. 2567)"),
    ("2568", "สรุปสถิติเรื่องร้องเรียน ปีงบประมาณ พ.ศ. 2568 (1 ต.ค. 2567 – 30 ก.ย. 2568)"),
    ("2568-H2", "สรุปสถิติเรื่องร้องเรียน รอบ 6 เดือนหลัง ปีงบประมาณ พ.ศ. 2568 "
                "(1 เม.ย. 2568 – 30 ก.ย. 2568)"),
    ("2568-02", "สรุปสถิติเรื่องร้องเรียน เดือนกุมภาพันธ์ พ.ศ. 2568 (ปีงบประมาณ พ.ศ. 2568) "
                "(1 ก.พ. 2568 – 28 ก.พ. 2568)"),
    ("2568-10", "สรุปสถิติเรื่องร้องเรียน เดือนตุลาคม พ.ศ. 2568 (ปีงบประมาณ พ.ศ. 2569) "
                "(1 ต.ค. 2568 – 31 ต.ค. 2568)"),
])
def test_period_titles_read_like_an_official_report(label: str, title: str) -> None:
    assert period_title(parse_period(label)) == title


def test_period_title_in_english() -> None:
    assert period_title(parse_period("2568-Q1"), "en") == (
        "Complaint statistics, quarter 1 of fiscal year 2568 BE (1 Oct 2024 – 31 Dec 2024)")


@pytest.mark.parametrize("period", [
    "2568-Q5", "2568-H3", "2568-13", "2568-00", "abc", "1999", "2568-Q1-Q2", "<b>2568</b>",
    "2568 Q1", "2568-", "-Q1",
])
@pytest.mark.parametrize("path", ["/summary", "/summary.docx"])
def test_invalid_period_is_400_listing_valid_forms(staff_client: FlaskClient, period: str,
                                                   path: str) -> None:
    login(staff_client, "executive")
    response = staff_client.get(path, query_string={"period": period})
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    for form in ("2568-Q1", "2568-H1", "2568-10"):
        assert form in body
    assert "<b>2568</b>" not in body
    assert 'id="summary-title"' not in body


@pytest.mark.parametrize("path", ["/summary", f"/summary?period={QUARTER}", "/summary.docx"])
@pytest.mark.parametrize("username", ["works", "palad", "finance"])
def test_unit_staff_may_not_read_the_summary(staff_client: FlaskClient, path: str,
                                             username: str) -> None:
    login(staff_client, username)
    assert staff_client.get(path).status_code == 403


@pytest.mark.usefixtures("quarter")
def test_docx_download_is_a_real_word_file(staff_client: FlaskClient) -> None:
    login(staff_client, "executive")
    _, body = page(staff_client, f"/summary?period={QUARTER}")
    assert f'href="/summary.docx?period={QUARTER}"' in body
    response = staff_client.get(f"/summary.docx?period={QUARTER.lower()}")
    assert response.status_code == 200
    assert response.mimetype == ("application/vnd.openxmlformats-officedocument."
                                 "wordprocessingml.document")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="rongrian-summary-{QUARTER}.docx"')
    document = Document(io.BytesIO(response.data))
    text = "\n".join(paragraph.text for paragraph in document.paragraphs)
    assert "เทศบาลตำบลร่มเย็น" in text
    assert "สรุปสถิติเรื่องร้องเรียน" in text
    assert "ไตรมาสที่ 1 ปีงบประมาณ พ.ศ. 2569" in text
    assert "1 ต.ค. 2568 – 31 ธ.ค. 2568" in text
    assert "รวมทั้งสิ้น 5 เรื่อง" in text
    # the six summary tables, then the period report's (issue 10)
    assert len(document.tables) > 6
    for table in document.tables[:6]:
        total_row = [cell.text for cell in table.rows[-1].cells]
        assert total_row[0] == "รวม"
        assert total_row[2] == "5"
        counted = sum(int(row.cells[2].text) for row in table.rows[1:-1])
        assert counted == 5
    category_rows = {row.cells[1].text: row.cells[2].text for row in document.tables[0].rows}
    assert category_rows["เรื่องร้องทุกข์ทั่วไป"] == "4"
    assert category_rows["ทุจริตและประพฤติมิชอบของเจ้าหน้าที่"] == "1"
    for secret in (WORKS_TEXT, FINANCE_TEXT, TIP_TEXT):
        assert secret not in text
        assert secret not in "\n".join(cell.text for table in document.tables
                                       for row in table.rows for cell in row.cells)


@pytest.mark.parametrize(("typed", "label"), [
    ("๒๕๖๙", "2569"), ("2569-h1", "2569-H1"), ("๒๕๖๘-๑๐", "2568-10"),
])
def test_periods_typed_with_thai_digits_or_lower_case_get_a_plain_file_name(
        staff_client: FlaskClient, typed: str, label: str) -> None:
    login(staff_client, "executive")
    response = staff_client.get("/summary.docx", query_string={"period": typed})
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="rongrian-summary-{label}.docx"')
