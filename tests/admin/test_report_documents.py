"""The period reports as PDF memo and Excel workbook (issue 10 §2): every figure equals the
seeded oracle's, the public PDF shows only suppressed published tables, Sarabun is embedded,
pages render, and ``rongrian report --format`` with its bad inputs."""

import io
import re
import shutil
import subprocess
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from rongrian.admin.cli import main
from rongrian.admin.report_xlsx import SHEET_NAME_LIMIT
from rongrian.intake.models import Category, Sensitivity
from rongrian.intake.period_report import OUTCOMES
from rongrian.intake.reporting import parse_period
from rongrian.intake.thaidate import BE_OFFSET, fiscal_year_bounds
from rongrian.settings import Settings
from tests.admin.helpers import login, page, post_form
from tests.conftest import Demo
from tests.intake.report_seed import Seeded, expected

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm, pdffonts) is not installed")
CASE_NUMBER = re.compile(r"\d{4}/\d{6}")
#: Thai vowels and tone marks above and below: text extraction may reorder them.
_MARKS = re.compile("[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e]")
LABELS = ["2568", "2568-H1", "2568-Q3", "2568-03"]


def pdf_text(data: bytes, tmp_path: Path) -> str:
    """The PDF's text laid out (pdftotext -layout), vowels and tone marks dropped."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    found = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"],  # noqa: S603, S607
                           capture_output=True, check=True, text=True).stdout
    return _MARKS.sub("", found.replace("\u0e33", "\u0e32"))  # SARA AM comes out split


def number_rows(text: str, width: int, pattern: str = r"\d[\d,]*") -> list[list[str]]:
    """Each line holding exactly ``width`` values (matches of ``pattern``), in order."""
    rows = []
    for line in text.splitlines():
        values = re.findall(pattern, line)
        if len(values) == width and re.search(r"\d\s*$|ปกปด\s*$", line):
            rows.append([value.replace(",", "") for value in values])
    return rows


def month_rows(text: str) -> list[tuple[int, int]]:
    """The trend table's (this year, previous year) counts: lines ``ต.ค. 67  5  6``."""
    found = re.findall(r"^\s*[^\d\s]+\.[^\d\s]*\.?\s+\d{2}\s+([\d,]+)\s+([\d,]+)\s*$", text,
                       re.M)
    return [(int(a.replace(",", "")), int(b.replace(",", ""))) for a, b in found][:12]


def _category_order(demo: Demo, corruption: bool) -> list[str]:
    with demo.sessions() as session:
        found = session.scalars(select(Category).order_by(Category.position, Category.code))
        return [c.code for c in found
                if (c.sensitivity == Sensitivity.WHISTLEBLOWER) == corruption]


def _trend(cases: list[Seeded], label: str, corruption: bool) -> list[tuple[int, int]]:
    """The oracle's (this year, previous year) counts for each month of the fiscal year."""
    year = parse_period(label).fiscal_year
    start, _ = fiscal_year_bounds(year)
    months = [((start.month - 1 + k) // 12 + start.year, (start.month - 1 + k) % 12 + 1)
              for k in range(12)]
    seen = Counter((c.received.year, c.received.month) for c in cases
                   if c.whistleblower == corruption)
    return [(seen[(y, m)], seen[(y - 1, m)]) for y, m in months]


@needs_poppler
@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("kind", ["general", "corruption"])
def test_pdf_figures_equal_the_known_outcomes(staff_client: FlaskClient, demo: Demo,
                                              seeded: list[Seeded], tmp_path: Path,
                                              label: str, kind: str) -> None:
    login(staff_client, "executive")
    response = staff_client.get(f"/summary.pdf?period={label}&kind={kind}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    corruption = kind == "corruption"
    wanted = _wanted(seeded, label, kind)
    order = _category_order(demo, corruption)
    rows = number_rows(text, len(OUTCOMES) + 1)[:len(order) + 1]
    expected_rows = [[str(wanted.get(code, Counter())[key]) for key in OUTCOMES]
                     + [str(wanted.get(code, Counter()).total())] for code in order]
    totals = [sum(wanted.get(code, Counter())[key] for code in order) for key in OUTCOMES]
    expected_rows.append([str(n) for n in [*totals, sum(totals)]])
    assert rows == expected_rows
    assert month_rows(text) == _trend(seeded, label, corruption)
    assert "บนทกขอความ" in text  # บันทึกข้อความ, marks dropped
    assert f"รวมทงสน{sum(totals):,}เรอง" in re.sub(r"\s+", "", text)
    if corruption:  # counts and outcomes only: never a case number
        assert not CASE_NUMBER.search(text)
    else:  # overdue cases per unit, by case number
        overdue = {c.case_number for c in seeded if not c.whistleblower
                   and parse_period(label).start <= c.received <= parse_period(label).end
                   and c.finished is None and c.status.value != "rejected"
                   and c.due < min(date(2025, 9, 30), parse_period(label).end)}
        assert set(CASE_NUMBER.findall(text)) == overdue


def _wanted(seeded: list[Seeded], label: str, kind: str) -> dict[str, Counter[str]]:
    period = parse_period(label)
    return expected(seeded, period.start, period.end, kind == "corruption")


@pytest.mark.parametrize("label", LABELS)
def test_xlsx_figures_equal_the_known_outcomes(staff_client: FlaskClient,
                                               seeded: list[Seeded], label: str) -> None:
    login(staff_client, "executive")
    response = staff_client.get(f"/summary.xlsx?period={label}")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    for kind, prefix in (("general", "ทั่วไป"), ("corruption", "ทุจริต")):
        sheet = book[f"{prefix} ผลการดำเนินการตามประเภท"]
        header = [cell.value for cell in sheet[1]]
        assert header[2:] == [*(_outcome_names()), "รวม"]
        found = {}
        for row in sheet.iter_rows(min_row=2, values_only=True):
            code, counts = row[0], dict(zip(OUTCOMES, row[2:7], strict=True))
            assert all(isinstance(n, int) for n in counts.values())  # numbers, not text
            if code and any(counts.values()):
                found[code] = Counter({k: v for k, v in counts.items() if v})
        assert found == _wanted(seeded, label, kind)
        total_row = [cell.value for cell in sheet[sheet.max_row]]
        assert total_row[1] == "รวม"
        assert total_row[-1] == sum(c.total() for c in found.values())
        months = [(row[2], row[3]) for row in book[f"{prefix} รายเดือน"].iter_rows(
            min_row=2, values_only=True) if row[0]]
        assert months == _trend(seeded, label, kind == "corruption")
    overdue_sheets = [name for name in book.sheetnames if "เกินกำหนด" in name]
    assert overdue_sheets == ["ทั่วไป เรื่องเกินกำหนด"]  # never the corruption report's


def _outcome_names() -> list[str]:
    from rongrian.intake.period_report import OUTCOME_NAMES

    return [OUTCOME_NAMES[key][0] for key in OUTCOMES]


def test_xlsx_cover_sheet_names_bold_headers_and_widths(staff_client: FlaskClient,
                                                        seeded: list[Seeded]) -> None:
    login(staff_client, "executive")
    book = load_workbook(io.BytesIO(staff_client.get("/summary.xlsx?period=2568-H1").data))
    assert book.sheetnames[0] == "ปก"
    cover = {row[0]: row[1] for row in book["ปก"].iter_rows(min_row=2, values_only=True)}
    assert cover["หน่วยงาน"] == "เทศบาลตำบลร่มเย็น"
    assert cover["รอบรายงาน"] == "รอบ 6 เดือนแรก ปีงบประมาณ พ.ศ. 2568"
    made = datetime.now(UTC).date()
    assert str(made.year + BE_OFFSET) in str(cover["จัดทำเมื่อ"])
    statuses = [value for name, value in cover.items() if str(name).endswith("การรับทราบ")]
    assert statuses == ["ผู้บริหารยังไม่ได้รับทราบ (ยังไม่เผยแพร่)"] * 2
    for name in book.sheetnames:
        assert len(name) <= SHEET_NAME_LIMIT
        sheet = book[name]
        if name == "ปก":
            continue
        assert all(cell.font.bold for cell in sheet[1]), name
        assert all((sheet.column_dimensions[get_column_letter(index)].width or 0) >= 5
                   for index in range(1, sheet.max_column + 1)), name


def _acknowledge(staff_app: Flask, label: str, kind: str) -> None:
    data = {"period": label, "kind": kind}
    form = f"/summary?period={label}&kind={kind}"
    client = staff_app.test_client()
    login(client, "integrity")
    post_form(client, form, "/summary/analysis",
              {**data, "text": "เรื่องถนนชำรุดมีมากที่สุด ควรเพิ่มรอบการตรวจถนนทุกเดือน"})
    client = staff_app.test_client()
    login(client, "executive")
    post_form(client, form, "/summary/acknowledge",
              {**data, "name": "นายสมชาย ใจดี", "position": "นายกเทศมนตรีตำบลร่มเย็น"})


@needs_poppler
def test_public_pdf_shows_only_suppressed_published_tables(
        staff_app: Flask, public_client: FlaskClient, seeded: list[Seeded],
        tmp_path: Path) -> None:
    assert public_client.get("/statistics/2568-H1/general.pdf").status_code == 404
    _acknowledge(staff_app, "2568-H1", "general")
    _, shown = page(public_client, "/statistics/2568-H1/general")
    assert 'href="/statistics/2568-H1/general.pdf"' in shown
    response = public_client.get("/statistics/2568-H1/general.pdf")
    assert response.status_code == 200
    text = pdf_text(response.data, tmp_path)
    assert not CASE_NUMBER.search(text)
    assert "นอยกวา 5" in text  # น้อยกว่า 5, marks dropped
    published = public_client.get("/statistics/2568-H1/general.json").get_json()
    outcome = next(t for t in published["tables"] if t["key"] == "outcome")
    wanted_rows = []
    for row in outcome["rows"]:
        cells = [row["cells"][key] for key in outcome["columns"]]
        wanted_rows.append(["นอยกวา 5" if c["shown"] == "small" else
                            "ปกปด" if c["shown"] == "hidden" else str(c["value"])
                            for c in cells])
    rows = number_rows(text, len(OUTCOMES) + 1, r"นอยกวา\s*5|ปกปด|\d[\d,]*")
    assert [[re.sub(r"\s+", " ", v) for v in row] for row in rows[:len(wanted_rows)]] \
        == wanted_rows
    assert "(นายสมชาย ใจดี)" in text.replace("ใจด", "ใจดี")
    # the other kind, never acknowledged, is not public
    assert public_client.get("/statistics/2568-H1/corruption.pdf").status_code == 404
    assert public_client.get("/statistics/2568-H2/general.pdf").status_code == 404


@needs_poppler
@pytest.mark.slow
def test_pdf_embeds_sarabun_and_renders_every_page(staff_client: FlaskClient,
                                                   seeded: list[Seeded],
                                                   tmp_path: Path) -> None:
    from PIL import Image

    login(staff_client, "executive")
    path = tmp_path / "report.pdf"
    path.write_bytes(staff_client.get("/summary.pdf?period=2568&kind=general").data)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, check=True,  # noqa: S603, S607
                           text=True).stdout
    lines = [line.split() for line in fonts.splitlines()[2:]]
    assert lines
    assert all("Sarabun" in line[0] and line[-5] == "yes" for line in lines), fonts  # emb
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")],  # noqa: S603, S607
                   check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) >= 3
    for png in pages:
        with Image.open(png) as image:
            dark = sum(image.convert("L").histogram()[:128])
        assert dark > 200, png.name  # something was drawn on every page
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True,  # noqa: S603, S607
                          text=True).stdout
    assert "A4" in info or "595.28 x 841.89" in info


def test_unit_staff_cannot_download_the_reports(staff_client: FlaskClient,
                                                seeded: list[Seeded]) -> None:
    login(staff_client, "palad")
    assert staff_client.get("/summary.pdf?period=2568").status_code == 403
    assert staff_client.get("/summary.xlsx?period=2568").status_code == 403


@pytest.mark.parametrize("label", ["2569-Q5", "2569-13", "2566"])
@pytest.mark.parametrize("fmt", ["pdf", "xlsx"])
def test_a_download_of_a_period_that_does_not_exist_is_refused(
        staff_client: FlaskClient, seeded: list[Seeded], label: str, fmt: str) -> None:
    login(staff_client, "executive")
    status, body = page(staff_client, f"/summary.{fmt}?period={label}")
    assert status == 400
    assert f"“{label}” ไม่ใช่ช่วงเวลารายงานที่ถูกต้อง" in body


@pytest.fixture
def cli_environment(monkeypatch: pytest.MonkeyPatch, settings: Settings) -> None:
    """Point ``rongrian`` at the test instance folder and database."""
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", settings.database_url)


@pytest.mark.usefixtures("cli_environment")
@pytest.mark.parametrize(("out", "fmt", "magic"), [
    ("report.pdf", None, b"%PDF"),
    ("report.PDF", None, b"%PDF"),
    ("report.xlsx", None, b"PK"),
    ("report.bin", "xlsx", b"PK"),
    ("report.bin", "PDF", b"%PDF"),
])
def test_report_command_writes_each_format(seeded: list[Seeded], tmp_path: Path, out: str,
                                           fmt: str | None, magic: bytes) -> None:
    path = tmp_path / out
    argv = ["report", "--period", "2568-H1", "--kind", "corruption", "--out", str(path)]
    assert main([*argv, *(["--format", fmt] if fmt else [])]) == 0
    assert path.read_bytes().startswith(magic)
    if magic == b"PK":
        book = load_workbook(io.BytesIO(path.read_bytes()))
        assert "ทั่วไป ผลการดำเนินการตามประเภท" in book.sheetnames  # both kinds
        assert "ทุจริต ผลการดำเนินการตามประเภท" in book.sheetnames


@pytest.mark.usefixtures("cli_environment")
@pytest.mark.parametrize(("argv", "th", "en"), [
    (["--period", "2568-H1", "--format", "odt"], "รูปแบบ 'odt' ไม่รองรับ",
     "format 'odt' is not supported"),
    (["--period", "2569-Q5"], "รอบรายงาน '2569-Q5' ไม่ถูกต้อง", "is not valid"),
    (["--period", "2569-13"], "รอบรายงาน '2569-13' ไม่ถูกต้อง", "is not valid"),
    (["--period", "2566"], "อยู่ก่อนปีงบประมาณแรกของหน่วยงาน", "before the agency's first"),
])
def test_report_command_refuses_bad_input(seeded: list[Seeded], tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str],
                                          argv: list[str], th: str, en: str) -> None:
    out = tmp_path / "report.pdf"
    assert main(["report", *argv, "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert th in error
    assert en in error
    assert error.index(th) < error.index(en)  # Thai first, then English
    assert not out.exists()
