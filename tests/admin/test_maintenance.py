"""``rongrian maintenance``: orphan files (not fresh ones, not stored ones), expired staff
sessions and LINE drafts purged with one audit entry; SQLite's secure_delete and integrity
check."""

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select

from rongrian.admin import backup_cli
from rongrian.admin.accounts import log_in
from rongrian.admin.maintenance import MaintenanceReport, run_maintenance, sqlite_integrity
from rongrian.intake.audit import verify_chain
from rongrian.intake.db import _sqlite_pragmas, make_engine
from rongrian.intake.models import (
    Attachment,
    AuditAction,
    AuditEntry,
    LineConversation,
    SpentSubmissionToken,
    StaffSession,
)
from rongrian.settings import Settings
from tests.admin.backup_helpers import file_case, run
from tests.channels import samples
from tests.conftest import PASSWORDS, Demo


def _ctime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_ctime, UTC)


def test_an_orphan_file_goes_but_a_fresh_one_and_stored_ones_stay(
        public_client: FlaskClient, settings: Settings, engine: Engine, demo: Demo) -> None:
    file_case(public_client, "ถนนซอย 3 เป็นหลุมลึก", [(samples.jpeg_with_gps(), "a.jpg")])
    folder = settings.attachments_dir
    stored = set(os.listdir(folder))
    old, fresh = folder / ("0" * 32), folder / ("f" * 32)
    old.write_bytes(b"left by a crash")
    fresh.write_bytes(b"an upload in flight")
    grace = timedelta(hours=1)
    gap = _ctime(fresh) - _ctime(old)
    assert gap > timedelta(0)
    # "now" is such that the older file is past the grace period and the newer one is not.
    now = _ctime(fresh) + grace - gap / 2
    report = run_maintenance(engine, folder, grace=grace, now=now)
    assert report.counts["orphan_files"] == 1
    assert not old.exists()
    assert fresh.exists()
    assert stored <= set(os.listdir(folder))
    with demo.sessions() as session:
        names = set(session.scalars(select(Attachment.storage_name)))
    assert names == stored


def test_expired_sessions_and_line_drafts_are_purged_and_audited(
        settings: Settings, demo: Demo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    now = datetime.now(UTC)
    with demo.sessions() as session:
        log_in(session, "works", PASSWORDS["works"], strength="test")
        log_in(session, "palad", PASSWORDS["palad"], strength="test")
        session.flush()
        expired = session.scalars(select(StaffSession)).first()
        assert expired is not None
        expired.expires_at = now - timedelta(minutes=1)
        session.add(LineConversation(user_digest=b"\x01" * 32, state=b"x",
                                     expires_at=now - timedelta(hours=1), version=1))
        session.add(LineConversation(user_digest=b"\x02" * 32, state=b"x",
                                     expires_at=now + timedelta(hours=1), version=1))
        session.add(SpentSubmissionToken(digest=b"\x03" * 32,
                                         expires_at=now - timedelta(hours=1)))
        session.commit()
    assert run(monkeypatch, settings.instance_path, settings.database_url, "maintenance") == 0
    out = capsys.readouterr().out
    assert "staff_sessions 1" in out
    assert "line_drafts 1" in out
    assert "submission_tokens 1" in out
    with demo.sessions() as session:
        assert session.scalar(select(func.count()).select_from(StaffSession)) == 1
        assert session.scalar(select(func.count()).select_from(LineConversation)) == 1
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == AuditAction.MAINTENANCE_PURGED.value)).one()
        assert '"staff_sessions":1' in entry.detail
        assert '"line_drafts":1' in entry.detail
        assert verify_chain(session).ok


def test_nothing_to_purge_writes_no_audit_entry(settings: Settings, demo: Demo,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(monkeypatch, settings.instance_path, settings.database_url, "maintenance") == 0
    with demo.sessions() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == AuditAction.MAINTENANCE_PURGED.value)) == 0


def test_sqlite_secure_delete_is_on_and_the_integrity_check_reported(
        settings: Settings, engine: Engine, demo: Demo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own pragmas")
    assert run(monkeypatch, settings.instance_path, settings.database_url, "maintenance") == 0
    assert "secure_delete on, integrity_check ok" in capsys.readouterr().out
    # Every connection of the apps sets it, not only maintenance's. Debian builds SQLite with
    # SQLITE_SECURE_DELETE (on by default), so start from a connection where it is off.
    with closing(sqlite3.connect(":memory:")) as raw:
        raw.execute("PRAGMA secure_delete=OFF")
        _sqlite_pragmas(raw, None)
        assert raw.execute("PRAGMA secure_delete").fetchone()[0] == 1


def test_a_failed_integrity_check_exits_1_and_says_what_to_do(
        settings: Settings, demo: Demo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    damaged = MaintenanceReport({"orphan_files": 0}, ["row 3 missing from index ix_x"], True)
    monkeypatch.setattr(backup_cli, "run_maintenance", lambda *_a, **_k: damaged)
    assert run(monkeypatch, settings.instance_path, settings.database_url, "maintenance") == 1
    err = capsys.readouterr().err
    assert "integrity_check ไม่ผ่าน" in err
    assert "restore the latest backup" in err
    assert "row 3 missing from index ix_x" in err


def test_a_damaged_sqlite_file_fails_the_integrity_check(tmp_path: Path) -> None:
    path = tmp_path / "damaged.db"
    with closing(sqlite3.connect(path)) as connection:
        connection.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        connection.execute("CREATE INDEX ix_t_v ON t (v)")
        connection.executemany("INSERT INTO t (v) VALUES (?)",
                               [(f"value {number}",) for number in range(200)])
        connection.commit()
        connection.execute("PRAGMA writable_schema=ON")
        # Point the index at the table's root page: the b-tree is then nonsense.
        connection.execute("UPDATE sqlite_master SET rootpage = (SELECT rootpage FROM "
                           "sqlite_master WHERE name = 't') WHERE name = 'ix_t_v'")
        connection.commit()
    damaged = make_engine(f"sqlite:///{path}")
    try:
        lines = sqlite_integrity(damaged)
    finally:
        damaged.dispose()
    assert lines != ["ok"]
    assert not MaintenanceReport({}, lines).sound


def test_a_killed_backups_database_copy_goes_after_a_day(settings: Settings, engine: Engine,
                                                         demo: Demo) -> None:
    stale, running = (settings.instance_path / ".backup-stale",
                      settings.instance_path / ".backup-running")
    for folder in (stale, running):
        folder.mkdir()
        (folder / "rongrian.sqlite3").write_bytes(b"copy")
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).timestamp()
    for path in (stale / "rongrian.sqlite3", stale):
        os.utime(path, (two_days_ago, two_days_ago))
    report = run_maintenance(engine, settings.attachments_dir)
    assert report.counts["backup_leftovers"] == 1
    assert not stale.exists()
    assert (running / "rongrian.sqlite3").exists()
