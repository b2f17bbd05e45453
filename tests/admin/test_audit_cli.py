"""``rongrian audit verify`` (with ``--expect`` for a printed hash), the hash on ``rongrian
report``, and ``rongrian cases reroute|escalate`` with the recovery key file."""

from pathlib import Path

import pytest
from docx import Document
from sqlalchemy import select, text

from rongrian.admin.cli import main
from rongrian.intake.models import AuditEntry, Complaint
from rongrian.settings import Settings
from tests.admin.helpers import Filer
from tests.conftest import Demo

REASON = "เป็นเรื่องค่าธรรมเนียม ต้องให้กองคลังดำเนินการ"

# installed_before: reports of earlier fiscal years need the agency installed by then (issue 10)
pytestmark = pytest.mark.usefixtures("cli_environment", "installed_before")


@pytest.fixture
def cli_environment(monkeypatch: pytest.MonkeyPatch, settings: Settings, demo: Demo) -> None:
    """Point ``rongrian`` at the test instance folder and database (with the demo in it)."""
    monkeypatch.setenv("RONGRIAN_INSTANCE", str(settings.instance_path))
    monkeypatch.setenv("RONGRIAN_DATABASE_URL", settings.database_url)


def _report(tmp_path: Path) -> tuple[int, str]:
    """Run ``rongrian report`` and return the audit position and hash printed in the file."""
    out = tmp_path / "summary.docx"
    assert main(["report", "--period", "2569", "--out", str(out)]) == 0
    line = [p.text for p in Document(str(out)).paragraphs if "SHA-256" in p.text][0]
    seq = int(line.split("รายการที่ ")[1].split(" ")[0].replace(",", ""))
    return seq, line.split()[-1]


def test_verify_an_empty_log(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "OK: 0 entries" in out
    assert "ตรวจสอบแล้ว ถูกต้อง" in out


def test_report_prints_its_own_entry_and_verify_confirms_it(
        tmp_path: Path, demo: Demo, capsys: pytest.CaptureFixture[str]) -> None:
    seq, digest = _report(tmp_path)
    with demo.sessions() as session:
        entry = session.get(AuditEntry, seq)
        assert entry is not None
        assert (entry.action, entry.actor_name) == ("summary_exported", "(command line)")
        assert entry.entry_hash.hex() == digest
    capsys.readouterr()
    assert main(["audit", "verify", "--expect", f"{seq}:{digest}"]) == 0
    out = capsys.readouterr().out
    assert f"OK: 1 entries verified; latest #1 {digest}" in out


def test_verify_reports_the_first_broken_entry(tmp_path: Path, demo: Demo,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    for _ in range(3):
        _report(tmp_path)
    with demo.sessions() as session:
        session.execute(text("UPDATE audit_entry SET detail = '{\"period\":\"2570\"}' "
                             "WHERE seq = 2"))
        session.commit()
    capsys.readouterr()
    assert main(["audit", "verify"]) == 3
    err = capsys.readouterr().err
    assert "BROKEN at entry 2: the entry was changed" in err
    assert "ที่รายการที่ 2" in err


def test_a_rewritten_tail_fails_against_the_printed_hash(tmp_path: Path, demo: Demo,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    _report(tmp_path)
    seq, digest = _report(tmp_path)
    with demo.sessions() as session:  # cut the last entry and move the head back: consistent
        session.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
        first = session.scalars(select(AuditEntry)).one()
        session.execute(text("UPDATE audit_head SET seq = 1, entry_hash = :h"),
                        {"h": first.entry_hash})
        session.commit()
    assert main(["audit", "verify"]) == 0
    capsys.readouterr()
    assert main(["audit", "verify", "--expect", f"{seq}:{digest}"]) == 3
    assert f"entry {seq} does not match the printed hash" in capsys.readouterr().err


@pytest.mark.parametrize("expect", ["12", "x:" + "0" * 64, "1:abc", "1:" + "g" * 64])
def test_verify_refuses_a_malformed_expectation(expect: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["audit", "verify", "--expect", expect])
    assert exited.value.code == 2


def _key_file(tmp_path: Path, key: str) -> str:
    path = tmp_path / "recovery.txt"
    path.write_text(key + "\n", encoding="utf-8")
    return str(path)


def test_reroute_and_escalate_with_the_recovery_key(tmp_path: Path, demo: Demo, file: Filer,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    receipt = file()
    key_file = _key_file(tmp_path, demo.organisation.recovery_key)
    assert main(["cases", "reroute", receipt.case_number, "FINANCE", "--reason", REASON,
                 "--recovery-key-file", key_file]) == 0
    assert "to FINANCE" in capsys.readouterr().out
    assert main(["cases", "escalate", receipt.case_number, "--reason", REASON,
                 "--recovery-key-file", key_file]) == 0
    with demo.sessions() as session:
        complaint = session.get(Complaint, receipt.complaint_id)
        assert complaint is not None
        assert complaint.unit.code == "ORG"
        actors = session.scalars(select(AuditEntry.actor_name)).all()
        assert actors == ["(recovery key)", "(recovery key)"]
    assert main(["audit", "verify"]) == 0


@pytest.mark.parametrize(("args", "message"), [
    (["2500/000001", "FINANCE", "--reason", REASON], "no case numbered"),
    (["{case}", "NOPE", "--reason", REASON], "no active unit"),
    (["{case}", "WORKS", "--reason", REASON], "already at this unit"),
    (["{case}", "FINANCE", "--reason", "สั้น"], "give a reason"),
])
def test_bad_reroutes_say_why(tmp_path: Path, demo: Demo, file: Filer, args: list[str],
                              message: str, capsys: pytest.CaptureFixture[str]) -> None:
    receipt = file()
    argv = ["cases", "reroute", *[a.replace("{case}", receipt.case_number) for a in args],
            "--recovery-key-file", _key_file(tmp_path, demo.organisation.recovery_key)]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    with demo.sessions() as session:
        assert session.scalars(select(AuditEntry)).all() == []


@pytest.mark.parametrize(("content", "message"), [
    ("not a key", "does not hold a recovery key"),
    (None, "cannot read the recovery key file"),
    ("OTHER", "not this installation's"),
])
def test_a_bad_recovery_key_file_moves_nothing(tmp_path: Path, demo: Demo, file: Filer,
                                               content: str | None, message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    from rongrian.crypto.keys import format_recovery_key, generate_private_key

    receipt = file()
    if content is None:
        key_file = str(tmp_path / "missing.txt")
    elif content == "OTHER":
        key_file = _key_file(tmp_path, format_recovery_key(generate_private_key()))
    else:
        key_file = _key_file(tmp_path, content)
    assert main(["cases", "reroute", receipt.case_number, "FINANCE", "--reason", REASON,
                 "--recovery-key-file", key_file]) == 2
    assert message in capsys.readouterr().err
    with demo.sessions() as session:
        complaint = session.get(Complaint, receipt.complaint_id)
        assert complaint is not None
        assert complaint.unit.code == "WORKS"
