"""``rongrian desk import`` (issue 8): a backlog of telephone calls and letters filed at once,
all or nothing, with the codes written once to a private file."""

import csv
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, select

from rongrian.admin.cli import main
from rongrian.intake.models import AuditAction, AuditEntry, Complaint
from rongrian.settings import Settings
from tests.channels.web.helpers import count_complaints, track
from tests.conftest import Demo

HEADER = ["channel", "received_on", "backdating_reason", "referral_body", "referral_reference",
          "category", "unit", "what_happened", "name", "phone", "no_contact"]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, settings: Settings, engine: Engine,
        desk_officer: str) -> str:
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return desk_officer


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _yesterday() -> str:
    return (datetime.now(UTC).date() - timedelta(days=1)).isoformat()


GOOD = [
    ["phone", _yesterday(), "สมุดรับโทรศัพท์ของเมื่อวาน", "", "", "general", "WORKS",
     "โทรแจ้งไฟถนนดับซอย 4", "", "", ""],
    ["letter", _yesterday(), "จดหมายมาถึงเมื่อวาน", "", "", "general", "PALAD",
     "บัตรสนเท่ห์เรื่องขยะ", "", "", "ใช่"],
    ["referral", _yesterday(), "รับจากศูนย์ดำรงธรรมเมื่อวาน", "damrongdham", "ชม 0099/2569",
     "general", "WORKS", "ถนนชำรุดหน้าโรงเรียน", "นางสมศรี", "0812345678", ""],
]


def test_a_backlog_is_filed_and_the_codes_go_to_a_private_file_once(
        cli: str, tmp_path: Path, demo: Demo, public_client: FlaskClient,
        capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "codes.csv"
    assert main(["desk", "import", str(_csv(tmp_path / "in.csv", GOOD)), "--officer", cli,
                 "--out", str(out)]) == 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [bool(row["tracking_code"]) for row in rows] == [True, False, True]
    assert track(public_client, rows[0]["tracking_code"]).status_code == 200
    with demo.sessions() as session:
        channels = [c.channel.value for c in session.scalars(
            select(Complaint).order_by(Complaint.case_number))]
        referral = session.scalars(select(Complaint).where(
            Complaint.case_number == rows[2]["case_number"])).one()
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.DESK_INTAKE)).all()
    assert channels == ["phone", "letter", "referral"]
    assert (referral.referral_body, referral.referral_reference) == ("damrongdham",
                                                                     "ชม 0099/2569")
    assert len(entries) == 3
    out_text = capsys.readouterr().out
    assert rows[0]["tracking_code"] not in out_text  # the codes are only in the file
    assert main(["desk", "import", str(tmp_path / "in.csv"), "--officer", cli,
                 "--out", str(out)]) == 2  # never overwritten


def test_one_bad_row_files_nothing_and_every_problem_is_named(
        cli: str, tmp_path: Path, demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    bad = [*GOOD,
           ["referral", _yesterday(), "เหตุผล", "nacc", "", "general", "", "ไม่มีเลขอ้างอิง",
            "", "", ""],
           ["phone", "31/12/2569", "", "", "", "general", "", "วันที่ผิดรูปแบบ", "", "", ""],
           ["fax", _yesterday(), "เหตุผล", "", "", "general", "", "ช่องทางที่ไม่มี", "", "", ""]]
    code = main(["desk", "import", str(_csv(tmp_path / "in.csv", bad)), "--officer", cli,
                 "--out", str(tmp_path / "codes.csv")])
    err = capsys.readouterr().err
    assert code == 2
    assert "แถว 5 คอลัมน์ referral_reference" in err
    assert "row 6, column received_on" in err
    assert "row 7, column channel" in err
    assert "nothing was filed" in err
    assert count_complaints(demo) == 0
    assert not (tmp_path / "codes.csv").exists()


@pytest.mark.parametrize("officer", ["works", "nobody"])
def test_only_a_desk_officer_may_import(cli: str, tmp_path: Path, demo: Demo, officer: str,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["desk", "import", str(_csv(tmp_path / "in.csv", GOOD)), "--officer", officer,
                 "--out", str(tmp_path / "codes.csv")]) == 2
    assert "intake-desk role" in capsys.readouterr().err
    assert count_complaints(demo) == 0


def test_an_unknown_column_is_refused(cli: str, tmp_path: Path, demo: Demo,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "in.csv"
    source.write_text("channel,received_on,category,what_happened,national_id\n",
                      encoding="utf-8")
    assert main(["desk", "import", str(source), "--officer", cli,
                 "--out", str(tmp_path / "codes.csv")]) == 2
    assert "national_id" in capsys.readouterr().err
