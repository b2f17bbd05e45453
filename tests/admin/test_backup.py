"""``rongrian backup`` and ``rongrian restore`` when things go wrong: a target that is not empty,
a wrong key, a changed or cut archive (all refused before anything is written), an interrupted
backup (no file under the final name), a separate backup key, missing ``pg_dump``; and the
threat-table row "a stolen backup archive"."""

import base64
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine, inspect, select

from rongrian.admin import pgtools
from rongrian.admin.archive import (
    CHUNK_SIZE,
    ArchiveUnreadable,
    BackupError,
    generate_backup_key,
    open_archive,
    parse_private_key,
)
from rongrian.admin.backup import make_backup
from rongrian.admin.migrate import upgrade
from rongrian.admin.restore import verify_archive
from rongrian.crypto import keys, stream
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import format_recovery_key
from rongrian.intake.db import make_engine
from rongrian.intake.keyring import active_unit_ring, ring_private_key
from rongrian.intake.models import StaffAccount, Unit
from rongrian.settings import Settings
from tests.admin.backup_helpers import (
    Target,
    file_case,
    file_some,
    make_target,
    restore_database,
    run,
)
from tests.channels import samples
from tests.conftest import Demo
from tests.intake.helpers import unlock


@pytest.fixture(scope="module")
def restore_url(engine: Engine) -> Iterator[str | None]:
    yield from restore_database(engine)


@pytest.fixture
def target(restore_url: str | None, tmp_path: Path) -> Target:
    return make_target(restore_url, tmp_path)


@pytest.fixture
def archive(public_client: FlaskClient, settings: Settings, tmp_path: Path,
            monkeypatch: pytest.MonkeyPatch) -> Path:
    """An archive of the demo with a complaint and its photo, sealed to the recovery key."""
    file_case(public_client, "ถนนซอย 3 เป็นหลุมลึก รถล้มทุกคืน", [(samples.jpeg_with_gps(), "a.jpg")])
    out = tmp_path / "demo.backup"
    assert run(monkeypatch, settings.instance_path, settings.database_url,
               "backup", "--out", str(out), "--quiet") == 0
    return out


def target_tables(target: Target) -> list[str]:
    """The target database's tables (a missing SQLite file has none and is not made)."""
    if target.url.startswith("sqlite"):
        path = Path(target.url.removeprefix("sqlite:///"))
        if not path.exists():
            return []
        with closing(sqlite3.connect(path)) as connection:
            return [row[0] for row in connection.execute("SELECT name FROM sqlite_master")]
    engine = make_engine(target.url)
    try:
        with engine.connect() as connection:
            return inspect(connection).get_table_names()
    finally:
        engine.dispose()


def assert_untouched(target: Target, listing: list[str] | None = None) -> None:
    """Nothing written: the instance folder as it was (or still missing), no table made."""
    if listing is None:
        assert not target.instance.exists()
    else:
        assert sorted(os.listdir(target.instance)) == listing
    assert target_tables(target) == []


def test_the_archive_holds_no_plaintext(archive: Path, settings: Settings) -> None:
    data = archive.read_bytes()
    for secret in (settings.secrets.tracking_pepper, settings.secrets.public_secret_key):
        assert secret not in data
        assert base64.b64encode(secret) not in data
    for clear in (b"SQLite format 3", b"PGDMP", b"ustar", b"secrets.json", b"manifest",
                  "ถนนซอย 3".encode()):
        assert clear not in data


@pytest.mark.parametrize("what", ["secrets", "attachment", "stray file", "database tables"])
def test_restore_refuses_a_target_that_is_not_empty(
        archive: Path, target: Target, what: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], demo: Demo) -> None:
    target.instance.mkdir()
    if what == "secrets":
        (target.instance / "secrets.json").write_text("{}")
    elif what == "attachment":
        (target.instance / "attachments").mkdir()
        (target.instance / "attachments" / ("a" * 32)).write_bytes(b"x")
    elif what == "stray file":
        (target.instance / "notes.txt").write_text("x")
    else:
        upgrade(make_engine(target.url))
    listing = sorted(os.listdir(target.instance))
    tables = target_tables(target)
    code = run(monkeypatch, target.instance, target.url, "restore", str(archive),
               stdin=demo.organisation.recovery_key)
    err = capsys.readouterr().err
    assert code == 2
    assert "ปลายทางไม่ว่าง" in err
    assert "the target is not empty" in err
    assert sorted(os.listdir(target.instance)) == listing
    assert target_tables(target) == tables


@pytest.mark.parametrize("key", ["another recovery key", "a backup key", "not a key"])
def test_a_wrong_key_fails_before_anything_is_written(
        archive: Path, target: Target, key: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    text = {"another recovery key": format_recovery_key(keys.generate_private_key()),
            "a backup key": generate_backup_key().private,
            "not a key": "hello"}[key]
    assert run(monkeypatch, target.instance, target.url, "restore", str(archive),
               stdin=text) == 2
    err = capsys.readouterr().err
    assert "ข้อผิดพลาด" in err
    assert ("sealed to another key" in err) if key != "not a key" else (
        "neither a recovery key" in err)
    assert_untouched(target)


DAMAGES = ["magic", "fingerprint", "sealed box", "first chunk", "middle", "last byte",
           "cut a chunk", "cut a few bytes", "appended", "empty"]


def damaged(original: bytes, damage: str) -> bytes:
    """``original`` with one kind of damage: a flipped bit somewhere, a cut end, a chunk
    appended, or nothing left."""
    data = bytearray(original)
    chunk = CHUNK_SIZE + 16
    header = 8 + 1 + 16 + 2 + 92 + 16  # archive header, then the stream's own header
    assert len(data) >= header + chunk
    flips = {"magic": 0, "fingerprint": 12, "sealed box": 60, "first chunk": header + 100,
             "middle": len(data) // 2, "last byte": len(data) - 1}
    if damage in flips:
        data[flips[damage]] ^= 0x01
    elif damage == "cut a chunk":
        del data[len(data) - chunk:]
    elif damage == "cut a few bytes":
        del data[len(data) - 5:]
    elif damage == "appended":
        data.extend(data[header:header + chunk])
    else:
        data.clear()
    return bytes(data)


def test_a_changed_or_cut_archive_fails_before_anything_is_written(
        archive: Path, target: Target, demo: Demo, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    original = archive.read_bytes()
    for damage in DAMAGES:
        archive.write_bytes(damaged(original, damage))
        code = run(monkeypatch, target.instance, target.url, "restore", str(archive),
                   stdin=demo.organisation.recovery_key)
        err = capsys.readouterr().err
        assert code == 2, damage
        assert "nothing was written" in err or "not a Rongrian backup archive" in err, damage
        assert_untouched(target)
    archive.write_bytes(original)  # the control: the undamaged archive restores
    assert run(monkeypatch, target.instance, target.url, "restore", str(archive),
               stdin=demo.organisation.recovery_key) == 0


def test_an_interrupted_backup_leaves_no_file_at_out(public_client: FlaskClient,
                                                     settings: Settings, tmp_path: Path) -> None:
    file_some(public_client)
    out = tmp_path / "out" / "rongrian.backup"
    out.parent.mkdir()
    seen: list[tuple[int, int]] = []

    def interrupt(done: int, total: int, _files: int, _files_total: int) -> None:
        assert not out.exists()  # never under the final name while being written
        seen.append((done, total))
        raise KeyboardInterrupt  # Ctrl+C in the middle (progress is reported while writing)

    with pytest.raises(KeyboardInterrupt):
        make_backup(settings.database_url, settings.instance_path, out, progress=interrupt)
    assert seen[0][0] < seen[0][1]  # stopped before everything was written
    assert os.listdir(out.parent) == []  # neither the archive nor its temporary file
    assert [p.name for p in settings.instance_path.iterdir() if p.name.startswith(".")] == []


def test_backup_refuses_to_overwrite(archive: Path, settings: Settings,
                                     monkeypatch: pytest.MonkeyPatch,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    before = archive.read_bytes()
    assert run(monkeypatch, settings.instance_path, settings.database_url,
               "backup", "--out", str(archive)) == 2
    assert "already exists" in capsys.readouterr().err
    assert archive.read_bytes() == before


def test_a_separate_backup_key_opens_what_the_recovery_key_does_not(
        public_client: FlaskClient, settings: Settings, demo: Demo, target: Target,
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    private, public = tmp_path / "backup.key", tmp_path / "backup.pub"
    assert run(monkeypatch, settings.instance_path, settings.database_url, "backup", "keygen",
               "--out-private", str(private), "--out-public", str(public)) == 0
    assert private.stat().st_mode & 0o777 == 0o600
    assert private.read_text().startswith("RGBK1-")
    assert public.read_text().startswith("RGPK1-")
    file_some(public_client)
    out = tmp_path / "to-key.backup"
    assert run(monkeypatch, settings.instance_path, settings.database_url,
               "backup", "--out", str(out), "--to", str(public), "--quiet") == 0
    assert run(monkeypatch, target.instance, target.url, "restore", str(out),
               stdin=demo.organisation.recovery_key) == 2
    assert_untouched(target)
    assert run(monkeypatch, target.instance, target.url, "restore", str(out),
               "--key-file", str(private)) == 0
    assert run(monkeypatch, target.instance, target.url, "audit", "verify") == 0


def test_a_stolen_archive_opens_with_no_key_the_other_adversaries_hold(
        archive: Path, settings: Settings, demo: Demo) -> None:
    """Threat row "a stolen backup archive": every key held by the other adversaries — the
    database copy (every public key and sealed blob in it), ``secrets.json``, a unit key, the
    custodian's and every staff account's key — is tried as the recipient's private key and as
    the archive key itself; none opens it. The recovery key does (the control)."""
    with demo.sessions() as session:
        works = session.scalars(select(Unit).where(Unit.code == "WORKS")).one()
        unlocked = unlock(session, "works")
        unit_key = ring_private_key(session, unlocked, active_unit_ring(session, works.id))
        account_keys = [unlock(session, name).private_key
                        for name in ("works", "palad", "integrity", "admin")]
        public_keys = [account.public_key for account in session.scalars(select(StaffAccount))]
    secrets_json = json.loads((settings.instance_path / "secrets.json").read_text())
    raw_candidates = [base64.b64decode(value) for value in secrets_json.values()]
    raw_candidates += [bytes(key) for key in public_keys]
    raw_candidates += [keys.private_bytes(unit_key)]
    private_candidates = [unit_key, *account_keys, *(keys.load_private(raw)
                                                     for raw in raw_candidates)]
    for candidate in private_candidates:
        with archive.open("rb") as source, pytest.raises(ArchiveUnreadable):
            open_archive(source, candidate)
    header = 8 + 1 + 16 + 2 + 92
    for raw in raw_candidates:
        with archive.open("rb") as source:
            source.seek(header)
            with pytest.raises(DecryptionFailed):
                next(stream.decrypt_stream(raw, source, b""))
    with archive.open("rb") as source:
        opened = open_archive(source, parse_private_key(demo.organisation.recovery_key))
        assert opened.plaintext(source).read(512)[:13] == b"manifest.json"


def test_a_missing_or_old_pg_dump_is_named_with_the_package_to_install(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(BackupError) as old:
        pgtools.find_tool("pg_dump", 99)
    assert "postgresql-client-99" in old.value.en
    assert old.value.exit_code == 1
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(pgtools, "_DEBIAN_BIN", tmp_path / "none")
    with pytest.raises(BackupError) as missing:
        pgtools.find_tool("pg_dump", 15)
    assert "pg_dump was not found: install postgresql-client-15" in missing.value.en
    assert "ไม่พบโปรแกรม pg_dump" in missing.value.th


def test_pg_dump_gets_the_password_from_the_environment_not_the_command_line() -> None:
    env = pgtools.libpq_environment(
        "postgresql+psycopg://rongrian:s3cret@db.example:6543/agency?sslmode=require")
    assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGPASSWORD"],
            env["PGDATABASE"], env["PGSSLMODE"]) == (
        "db.example", "6543", "rongrian", "s3cret", "agency", "require")


def test_an_archive_of_the_other_database_kind_is_refused_before_writing(
        archive: Path, engine: Engine, demo: Demo, tmp_path: Path) -> None:
    other = ("postgresql+psycopg://nobody@127.0.0.1:1/none" if engine.dialect.name == "sqlite"
             else f"sqlite:///{tmp_path / 'other.db'}")
    with pytest.raises(BackupError) as refused:
        verify_archive(archive, parse_private_key(demo.organisation.recovery_key), other)
    assert "restoring across database backends is not supported" in refused.value.en
    assert "ไม่รองรับการนำกลับข้ามชนิดฐานข้อมูล" in refused.value.th
    assert not (tmp_path / "other.db").exists()


KILLED_BACKUP = """
import os, signal, sys
from pathlib import Path
from rongrian.admin.backup import make_backup

def die(*_args):
    os.kill(os.getpid(), signal.SIGKILL)

make_backup(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), progress=die)
"""


def test_a_killed_backup_leaves_nothing_under_the_final_name(
        public_client: FlaskClient, settings: Settings, tmp_path: Path) -> None:
    file_case(public_client, "ถนนซอย 3 เป็นหลุมลึก", [(samples.jpeg_with_gps(), "a.jpg")])
    out = tmp_path / "out" / "rongrian.backup"
    out.parent.mkdir()
    done = subprocess.run(  # noqa: S603 - this interpreter, fixed arguments
        [sys.executable, "-c", KILLED_BACKUP, settings.database_url,
         str(settings.instance_path), str(out)], check=False, timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert not out.exists()
    leftovers = os.listdir(out.parent)  # at most the hidden temporary file, never the archive
    assert all(name.startswith(".rongrian.backup.partial-") for name in leftovers)
