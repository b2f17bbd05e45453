"""``rongrian restore``: an archive of :mod:`rongrian.admin.backup` into an empty installation.

Order of work, so that a wrong key or a changed archive changes nothing:

1. The target is checked to be empty: the instance folder holds no ``secrets.json``, no
   attachment and nothing else (an empty SQLite file is allowed), and the database has no table.
2. The archive is opened with the key and read **to its end** once without writing anything:
   every chunk authenticated, the tar's members checked (names, kinds, the manifest, the
   counts), the backend compared with the target's.
3. Only then is it read again and unpacked into a private staging folder inside the instance
   folder; the database is restored (SQLite: the file moved into place; PostgreSQL:
   ``pg_restore`` in one transaction), the attachments and ``secrets.json`` moved into place,
   and the schema migrated to this version of Rongrian. A failure in step 3 removes what was
   written (a PostgreSQL restore is rolled back by its transaction).

Across backends (a SQLite archive into PostgreSQL, or the reverse) is refused: the dump formats
differ, and a fresh ``rongrian init`` plus a data copy is a different procedure.
"""

import json
import os
import re
import shutil
import sqlite3
import tarfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from sqlalchemy import inspect

from rongrian.admin import pgtools
from rongrian.admin.archive import ArchiveUnreadable, BackupError, open_archive
from rongrian.admin.backup import (
    ATTACHMENTS,
    MANIFEST,
    PGDUMP_MEMBER,
    SECRETS_MEMBER,
    SQLITE_MEMBER,
    Progress,
    is_sqlite,
    sqlite_path,
)
from rongrian.admin.migrate import upgrade
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake.db import make_engine
from rongrian.settings import SECRETS_FILE

_ATTACHMENT_NAME = re.compile(r"attachments/[0-9a-f]{32}")
_STAGING = ".restore-staging"


@dataclass(frozen=True)
class RestoreSummary:
    """What was restored: the manifest of the archive and the number of attachment files."""

    manifest: dict[str, object]
    attachments: int


def _not_empty(what_th: str, what_en: str) -> BackupError:
    return BackupError(
        f"ปลายทางไม่ว่าง: {what_th} การนำข้อมูลกลับทำได้เฉพาะในระบบที่ว่างเปล่า ไม่มีการเปลี่ยนแปลงใด ๆ",
        f"the target is not empty: {what_en}. Restore only into an empty instance folder and "
        "an empty database; nothing was changed")


def check_empty_target(instance: Path, database_url: str) -> None:
    """Raise :class:`BackupError` (exit 2) unless the instance folder and database are empty.

    An existing SQLite file without tables (and its ``-wal``/``-shm``) is allowed.
    """
    sqlite_file = sqlite_path(database_url) if is_sqlite(database_url) else None
    allowed = ({sqlite_file.name, sqlite_file.name + "-wal", sqlite_file.name + "-shm"}
               if sqlite_file and sqlite_file.parent.resolve() == instance.resolve() else set())
    if instance.is_dir():
        for entry in instance.iterdir():
            if entry.name == SECRETS_FILE:
                raise _not_empty(f"มี {entry} อยู่แล้ว", f"{entry} exists")
            if entry.name == "attachments" and entry.is_dir() and not any(entry.iterdir()):
                continue
            if entry.name not in allowed:
                raise _not_empty(f"โฟลเดอร์ {instance} มี {entry.name}",
                                 f"the instance folder {instance} holds {entry.name}")
    if sqlite_file is not None:
        if sqlite_file.exists() and _sqlite_tables(sqlite_file):
            raise _not_empty(f"ฐานข้อมูล {sqlite_file} มีตารางอยู่แล้ว",
                             f"the database {sqlite_file} has tables")
        return
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = [name for schema in inspect(connection).get_schema_names()
                      if schema not in {"information_schema"} and not schema.startswith("pg_")
                      for name in inspect(connection).get_table_names(schema=schema)]
    finally:
        engine.dispose()
    if tables:
        raise _not_empty(f"ฐานข้อมูลมีตาราง {len(tables)} ตาราง",
                         f"the database has {len(tables)} tables (e.g. {tables[0]})")


def _sqlite_tables(path: Path) -> int:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(connection.execute("SELECT count(*) FROM sqlite_master").fetchone()[0])
    except sqlite3.DatabaseError:
        return 1  # not a database at all: certainly not an empty target
    finally:
        connection.close()


def _bad_member(name: str) -> ArchiveUnreadable:
    return ArchiveUnreadable(f"ไฟล์สำรองข้อมูลมีรายการที่ไม่รู้จัก {name!r} ไม่มีการเขียนข้อมูลใด ๆ",
                             f"the archive holds an unexpected member {name!r}; nothing was "
                             "written")


def _walk(source: IO[bytes], on_member: Callable[[tarfile.TarInfo, IO[bytes]], None]
          ) -> dict[str, object]:
    """Read the whole decrypted tar stream, checking it; call ``on_member`` for each file
    after the manifest; return the manifest. Raises :class:`ArchiveUnreadable`."""
    manifest: dict[str, object] | None = None
    seen: set[str] = set()
    try:
        with tarfile.open(fileobj=source, mode="r|") as archive:
            for member in archive:
                name = member.name
                data = archive.extractfile(member) if member.isfile() else None
                if data is None or name in seen:
                    raise _bad_member(name)
                seen.add(name)
                if manifest is None:
                    if name != MANIFEST:
                        raise _bad_member(name)
                    manifest = json.loads(data.read(1 << 20))
                    continue
                if name not in {SECRETS_MEMBER, SQLITE_MEMBER, PGDUMP_MEMBER} and \
                        not _ATTACHMENT_NAME.fullmatch(name):
                    raise _bad_member(name)
                on_member(member, data)
        while source.read(1 << 20):  # authenticate the stream to its very last chunk
            pass
    except (tarfile.TarError, ValueError, EOFError) as exc:
        raise ArchiveUnreadable("ไฟล์สำรองข้อมูลอ่านไม่ได้ ไม่มีการเขียนข้อมูลใด ๆ",
                                "the archive's contents are unreadable; nothing was written"
                                ) from exc
    if manifest is None or not isinstance(manifest, dict):
        raise _bad_member(MANIFEST)
    return manifest


def _check_complete(manifest: dict[str, object], names: set[str]) -> None:
    database = str(manifest.get("database"))
    attachments = sum(1 for name in names if name.startswith(ATTACHMENTS))
    if (SECRETS_MEMBER not in names or database not in names
            or attachments != manifest.get("attachments")):
        raise ArchiveUnreadable("ไฟล์สำรองข้อมูลไม่ครบ ไม่มีการเขียนข้อมูลใด ๆ",
                                "the archive is incomplete; nothing was written")


def _check_backend(manifest: dict[str, object], database_url: str) -> None:
    target = "sqlite" if is_sqlite(database_url) else "postgresql"
    if manifest.get("backend") != target:
        raise BackupError(
            f"ไฟล์สำรองนี้เป็นฐานข้อมูล {manifest.get('backend')} แต่ปลายทางเป็น {target} "
            "ระบบไม่รองรับการนำกลับข้ามชนิดฐานข้อมูล ไม่มีการเปลี่ยนแปลงใด ๆ",
            f"this archive holds a {manifest.get('backend')} database but the target is "
            f"{target}: restoring across database backends is not supported; nothing was changed")


def verify_archive(path: Path, key: X25519PrivateKey, database_url: str) -> dict[str, object]:
    """Authenticate the whole archive and check its contents, writing nothing; return its
    manifest. Raises :class:`ArchiveUnreadable` or :class:`BackupError` (another backend)."""
    names: set[str] = set()

    def note(member: tarfile.TarInfo, data: IO[bytes]) -> None:
        names.add(member.name)
        while data.read(1 << 20):
            pass

    with path.open("rb") as source:
        opened = open_archive(source, key)
        manifest = _walk(opened.plaintext(source), note)
    _check_complete(manifest, names)
    _check_backend(manifest, database_url)
    return manifest


def _write(data: IO[bytes], target: Path, on_bytes: Callable[[int], None]) -> None:
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as sink:
        while chunk := data.read(1 << 20):
            sink.write(chunk)
            on_bytes(len(chunk))
        sink.flush()
        os.fsync(sink.fileno())


def _unpack(path: Path, key: X25519PrivateKey, staging: Path, manifest: dict[str, object],
            progress: Progress) -> int:
    total, files_total = int(str(manifest.get("bytes", 0))), int(
        str(manifest.get("attachments", 0))) + 2
    state = {"bytes": 0, "files": 0}

    def bytes_done(size: int) -> None:
        state["bytes"] += size

    def unpack(member: tarfile.TarInfo, data: IO[bytes]) -> None:
        _write(data, staging / member.name, bytes_done)
        os.utime(staging / member.name, (member.mtime, member.mtime))
        state["files"] += 1
        progress(state["bytes"], total, state["files"], files_total)

    (staging / "attachments").mkdir(mode=0o700)
    (staging / "database").mkdir(mode=0o700)
    with path.open("rb") as source:
        opened = open_archive(source, key)
        _walk(opened.plaintext(source), unpack)
    return state["files"] - 2


def _place(staging: Path, instance: Path, database_url: str, manifest: dict[str, object]
           ) -> None:
    """Move the unpacked parts into place (the database first, ``secrets.json`` last)."""
    if is_sqlite(database_url):
        target = sqlite_path(database_url)
        target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for suffix in ("-wal", "-shm", ""):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
        shutil.move(staging / SQLITE_MEMBER, target)
        os.chmod(target, 0o600)
    else:
        pgtools.restore(database_url, int(str(manifest.get("pg_dump_major", 0))),
                        staging / PGDUMP_MEMBER)
    attachments = instance / "attachments"
    if attachments.is_dir():
        attachments.rmdir()  # checked empty before
    os.replace(staging / "attachments", attachments)
    os.replace(staging / SECRETS_MEMBER, instance / SECRETS_FILE)


def restore_archive(path: Path, key: X25519PrivateKey, instance: Path, database_url: str, *,
                    progress: Progress) -> RestoreSummary:
    """Restore the archive at ``path`` with ``key`` (the recovery key or the backup key the
    archive was sealed to) into the empty ``instance`` folder and database.

    Raises :class:`BackupError` (exit 2: target not empty, wrong key, damaged archive, other
    backend — nothing changed; exit 1: ``pg_restore`` missing or failing — nothing kept).
    """
    check_empty_target(instance, database_url)
    manifest = verify_archive(path, key, database_url)
    created = not instance.exists()
    instance.mkdir(parents=True, exist_ok=True, mode=0o700)
    staging = instance / _STAGING
    placed = False
    try:
        staging.mkdir(mode=0o700)
        count = _unpack(path, key, staging, manifest, progress)
        _place(staging, instance, database_url, manifest)
        placed = True
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if not placed and created:
            shutil.rmtree(instance, ignore_errors=True)
    engine = make_engine(database_url)
    try:
        upgrade(engine)  # an archive of an older version of Rongrian gets the newer schema
    finally:
        engine.dispose()
    return RestoreSummary(manifest, count)
