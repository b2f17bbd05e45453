"""QR posters (issue 8 §1): ``rongrian qr poster`` registers a poster and writes it; the printed
PDF reads back (poppler) with its Thai intact and its QR codes decode (ZXing) to the poster's
link; a citizen arriving from it sees the unit and the place; the complaint records the poster
and the summary counts it; forged ids count nowhere."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import zxingcpp
from flask.testing import FlaskClient
from PIL import Image
from sqlalchemy import Engine, select

from rongrian.admin.cli import main
from rongrian.channels.qr.poster import line_add_friend_link
from rongrian.intake.models import Agency, Complaint, QrPoster, Unit
from rongrian.intake.reporting import parse_period, summarise
from rongrian.intake.thaidate import fiscal_year_of
from rongrian.settings import Settings
from tests.channels.qr.matrix import svg_as_picture
from tests.channels.web.helpers import CASE_NUMBER, post_report
from tests.conftest import Demo, csrf_token

PLACE = "ห้องประชาสัมพันธ์ ชั้น 1"
POSTER_LINE = re.compile(r"poster (\w+) \((A\d)\) → (\S+)")

needs_poppler = pytest.mark.skipif(shutil.which("pdftoppm") is None,
                                   reason="poppler-utils (pdftoppm, pdftotext) is not installed")


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine,
            demo: Demo) -> Demo:
    """The command line pointed at the test database, instance and public URL."""
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("RONGRIAN_PUBLIC_URL", "https://report.example.go.th")
    return demo


def _make(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["qr", "poster", *args])
    out, err = capsys.readouterr()
    return code, out, err


def _posters(demo: Demo) -> list[QrPoster]:
    with demo.sessions() as session:
        return list(session.scalars(select(QrPoster)))


def _decoded(png: Path) -> set[str]:
    with Image.open(png) as picture:
        return {found.text for found in zxingcpp.read_barcodes(picture)}


def _render(pdf: Path) -> tuple[Path, str]:
    """The PDF's single page as a PNG (150 dpi) and its text in content order."""
    picture = ["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(pdf.with_suffix(""))]
    subprocess.run(picture, check=True)  # noqa: S603
    words = ["pdftotext", "-raw", str(pdf), "-"]
    text = subprocess.run(words, check=True, capture_output=True, text=True).stdout  # noqa: S603
    return pdf.with_suffix(".png"), text


def _squeezed(text: str) -> str:
    """``text`` without whitespace: pdftotext may put a space after a shaped SARA AM (ำ)."""
    return re.sub(r"\s+", "", text)


def _set_line_account(demo: Demo, account: str) -> None:
    with demo.sessions() as session:
        agency = session.scalars(select(Agency)).first()
        if agency is None:
            pytest.skip("no agency profile in this set-up")
        agency.line_official_account = account
        agency.hotline = "0 5400 0000"
        session.commit()


@needs_poppler
@pytest.mark.parametrize("size", ["A4", "A5", "A6"])
def test_the_printed_poster_decodes_to_its_link_and_reads_in_thai(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str], size: str) -> None:
    out = tmp_path / f"poster-{size}.pdf"
    code, printed, _err = _make(["--unit", "WORKS", "--place", PLACE, "--size", size,
                                 "--out", str(out)], capsys)
    assert code == 0
    match = POSTER_LINE.search(printed)
    assert match is not None, printed
    poster_id, printed_size, link = match.groups()
    assert printed_size == size
    assert link == ("https://report.example.go.th/report?unit=WORKS&channel=qr"
                    f"&place={poster_id}")
    png, text = _render(out)
    assert link in _decoded(png)
    squeezed = _squeezed(text)
    for expected in ("แจ้งเรื่องร้องเรียน ร้องทุกข์ แจ้งเบาะแส", "ถึง กองช่าง", PLACE,
                     "ไม่ต้องระบุชื่อก็แจ้งได้", link):
        assert _squeezed(expected) in squeezed, expected
    [poster] = _posters(cli_env)
    assert (poster.id, poster.place, poster.size) == (poster_id, PLACE, size)


@needs_poppler
def test_a_line_official_account_gets_its_add_friend_code_beside_the_link(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _set_line_account(cli_env, "@romyen")
    out = tmp_path / "poster.pdf"
    code, printed, _err = _make(["--unit", "WORKS", "--out", str(out)], capsys)
    assert code == 0
    png, text = _render(out)
    decoded = _decoded(png)
    assert line_add_friend_link("@romyen") == "https://line.me/R/ti/p/%40romyen"
    assert decoded == {printed.split("→ ")[1].strip(), "https://line.me/R/ti/p/%40romyen"}
    assert "@romyen" in text
    assert _squeezed("สายด่วน 0 5400 0000") in _squeezed(text)


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_the_code_alone_for_web_pages_and_flyers(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str], suffix: str) -> None:
    out = tmp_path / f"code{suffix}"
    code, printed, _err = _make(["--unit", "FINANCE", "--out", str(out)], capsys)
    assert code == 0
    link = printed.split("→ ")[1].strip()
    if suffix == ".svg":
        markup = out.read_text(encoding="utf-8")
        assert markup.startswith("<?xml")
        out = tmp_path / "svg.png"
        svg_as_picture(markup).save(out)
    assert _decoded(out) == {link}


@pytest.mark.parametrize(("args", "th", "en"), [
    (["--unit", "NOPE"], "ไม่มีหน่วยงานรหัส NOPE", "no unit has the code NOPE"),
    (["--unit", "WORKS", "--place", "ก" * 81], "ไม่เกิน 80 ตัวอักษร", "at most 80 characters"),
    (["--unit", "WORKS", "--place", "ชั้น 1\x07"], "อักขระควบคุม", "control characters"),
    (["--unit", "WORKS", "--size", "A3"], "ขนาดกระดาษ", "size must be one of"),
])
def test_bad_input_is_refused_and_nothing_is_registered_or_written(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str],
        th: str, en: str) -> None:
    out = tmp_path / "poster.pdf"
    code, _out, err = _make([*args, "--out", str(out)], capsys)
    assert code == 2
    assert th in err
    assert en in err
    assert not out.exists()
    assert _posters(cli_env) == []


def test_an_inactive_unit_gets_no_poster(cli_env: Demo, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    with cli_env.sessions() as session:
        session.scalars(select(Unit).where(Unit.code == "FINANCE")).one().active = False
        session.commit()
    code, _out, err = _make(["--unit", "FINANCE", "--out", str(tmp_path / "p.pdf")], capsys)
    assert code == 2
    assert "ปิดใช้งาน" in err
    assert "deactivated" in err
    assert _posters(cli_env) == []


def test_an_unknown_output_type_is_refused(cli_env: Demo, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _make(["--unit", "WORKS", "--out", str(tmp_path / "p.docx")], capsys)
    assert code == 2
    assert ".pdf, .png" in err
    assert _posters(cli_env) == []


def _poster_id(cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str],
               unit: str = "WORKS") -> str:
    code, printed, _err = _make(["--unit", unit, "--place", PLACE, "--out",
                                 str(tmp_path / "code.svg")], capsys)
    assert code == 0
    match = POSTER_LINE.search(printed)
    assert match is not None
    return match.group(1)


def test_a_citizen_from_the_poster_sees_the_unit_and_the_place_and_it_is_counted(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        public_client: FlaskClient) -> None:
    poster_id = _poster_id(cli_env, tmp_path, capsys)
    page = public_client.get(f"/report?unit=WORKS&channel=qr&place={poster_id}")
    html = page.get_data(as_text=True)
    assert "คุณกำลังแจ้งเรื่องถึงกองช่าง" in html
    assert PLACE in html
    assert 'href="#unit"' in html
    token = csrf_token(html)
    answer = post_report(public_client, {"channel": "qr", "place": poster_id,
                                         "category": "general"}, token=token)
    assert answer.status_code == 200
    number = CASE_NUMBER.search(answer.get_data(as_text=True))
    assert number is not None
    with cli_env.sessions() as session:
        complaint = session.scalars(
            select(Complaint).where(Complaint.case_number == number.group(1))).one()
        assert (complaint.channel.value, complaint.poster_id) == ("qr", poster_id)
        summary = summarise(session, parse_period(str(fiscal_year_of(complaint.received_on))))
    assert summary.by_place == {poster_id: 1}
    assert summary.place_names[poster_id] == (PLACE, "WORKS")


def test_the_poster_sets_the_unit_even_without_the_unit_in_the_link(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        public_client: FlaskClient) -> None:
    poster_id = _poster_id(cli_env, tmp_path, capsys, unit="FINANCE")
    html = public_client.get(f"/report?place={poster_id}").get_data(as_text=True)
    assert "คุณกำลังแจ้งเรื่องถึงกองคลัง" in html
    assert re.search(r'<option selected value="FINANCE">|<option value="FINANCE" selected>',
                     html)
    assert re.search(r'name="channel"[^>]*value="qr"|value="qr"[^>]*name="channel"', html)


@pytest.mark.parametrize("forged", ["zzzzzzzz", "../../etc", "' OR 1=1 --", "", "A" * 200])
def test_forged_or_unknown_poster_ids_count_nowhere(
        cli_env: Demo, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        public_client: FlaskClient, forged: str) -> None:
    _poster_id(cli_env, tmp_path, capsys)
    html = public_client.get("/report", query_string={"unit": "WORKS", "channel": "qr",
                                                     "place": forged}).get_data(as_text=True)
    assert "poster-unit" not in html
    answer = post_report(public_client, {"channel": "qr", "place": forged},
                         token=csrf_token(html))
    assert answer.status_code == 200
    with cli_env.sessions() as session:
        complaint = session.scalars(select(Complaint)).one()
        assert complaint.poster_id is None
        assert complaint.channel.value == "qr"
        summary = summarise(session, parse_period(str(fiscal_year_of(complaint.received_on))))
    assert summary.by_place == {}
