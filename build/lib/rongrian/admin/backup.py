"""``rongrian backup``: one consistent, encrypted archive of an installation.

What the archive holds (a pax tar stream inside :mod:`rongrian.admin.archive`'s encryption):

- ``manifest.json``: format, creation time, database backend, schema revision, counts;
- ``secrets.json``: the instance's secrets (cookie keys and the tracking-code pepper);
- ``database/rongrian.sqlite3`` (SQLite's online backup API, :meth:`sqlite3.Connection.backup`:
  one consistent copy while the app keeps running) or ``database/rongrian.pgdump`` (``pg_dump``
  in custom format, :mod:`rongrian.admin.pgtools`);
- ``attachments/<name>``: the encrypted attachment files that the database copy names (files
  without a row are orphans of a failed upload and are left out; a row whose file is missing
  is reported).

Consistency: the database is copied first; attachment files are written before their row is
committed and never change afterwards, so every row of the copy has its file. On PostgreSQL the
list of files is read in the very snapshot ``pg_dump`` dumps (``pg_export_snapshot()``).

The archive is written to a temporary file beside ``out`` (mode 0600) and renamed at the end: a
killed backup leaves no half-archive under the final name. The database snapshot is kept in a
private folder of the instance while the archive is made and deleted afterwards.
"""

import json
import os
import secrets
import shutil
import sqlite3
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from rongrian.admin import pgtools
from rongrian.admin.archive import BackupError, write_encrypted
from rongrian.crypto.keys import X25519PublicKey, load_public
from rongrian.intake.db import make_engine
from rongrian.settings import SECRETS_FILE

FORMAT = 1
MANIFEST = "manifest.json"
SECRETS_MEMBER = "secrets.json"
SQLITE_MEMBER = "database/rongrian.sqlite3"
PGDUMP_MEMBER = "database/rongrian.pgdump"
ATTACHMENTS = "attachments/"
#: Folders in the instance folder holding a backup's database copy while it is archived.
SNAPSHOT_PREFIX = ".backup-"

#: ``progress(bytes_done, bytes_total, files_done, files_total)``.
Progress = Callable[[int, int, int, int], None]


def _no_progress(_done: int, _total: int, _files: int, _files_total: int) -> None:
    return None


@dataclass
class Snapshot:
    """A consistent copy of the database, and what it says."""

    backend: str
    database_file: Path
    attachment_names: list[str]
    revision: str
    recovery_public_key: bytes
    extra: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class BackupSummary:
    """What went into an archive: ``missing`` lists attachment files the database names but
    the folder lacks (the backup goes on without them)."""

    path: Path
    size: int
    attachments: int
    missing: list[str]
    backend: str


def is_sqlite(url: str) -> bool:
    """Whether ``url`` names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///…`` URL; raises :class:`BackupError` for an in-memory one."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("ฐานข้อมูล SQLite ในหน่วยความจำสำรองไม่ได้",
                          "an in-memory SQLite database cannot be backed up")
    return Path(database)


def _facts(connection: sqlite3.Connection | Connection) -> tuple[str, bytes, list[str]]:
    """Schema revision, recovery public key and attachment file names of a database."""
    def rows(sql: str) -> list[tuple[object, ...]]:
        if isinstance(connection, sqlite3.Connection):
            return list(connection.execute(sql))
        return [tuple(row) for row in connection.execute(text(sql))]

    try:
        revision = rows("SELECT version_num FROM alembic_version")
        installation = rows("SELECT recovery_public_key FROM installation ORDER BY id")
        names = [str(row[0]) for row in rows("SELECT storage_name FROM attachment")]
    except (sqlite3.Error, DBAPIError):
        installation = []  # no schema yet
    if not installation:
        raise BackupError("ระบบยังไม่ได้ตั้งค่า (ไม่มีกุญแจกู้คืน) ไม่มีอะไรให้สำรอง",
                          "the installation is not set up (no recovery key): nothing to back up",
                          exit_code=1)
    recovery = installation[0][0]
    assert isinstance(recovery, bytes | memoryview)  # noqa: S101 - a LargeBinary column
    return str(revision[0][0]) if revision else "", bytes(recovery), names


def snapshot_sqlite(url: str, folder: Path) -> Snapshot:
    """Copy a live SQLite database into ``folder`` with the online backup API (readers and
    writers of the app may go on; the copy is one consistent state)."""
    source_path = sqlite_path(url)
    if not source_path.is_file():
        raise BackupError(f"ไม่พบไฟล์ฐานข้อมูล {source_path}",
                          f"the database file {source_path} does not exist", exit_code=1)
    target = folder / "rongrian.sqlite3"
    source = sqlite3.connect(source_path)
    copy = sqlite3.connect(target)
    try:
        source.execute("PRAGMA busy_timeout=10000")
        source.backup(copy)
        revision, recovery, names = _facts(copy)
    finally:
        copy.close()
        source.close()
    os.chmod(target, 0o600)
    return Snapshot("sqlite", target, names, revision, recovery)


def snapshot_postgresql(url: str, folder: Path) -> Snapshot:
    """``pg_dump`` a PostgreSQL database into ``folder``, reading the attachment list in the
    same snapshot. Raises :class:`BackupError` (exit 1) if ``pg_dump`` is missing or fails."""
    engine = make_engine(url)
    target = folder / "rongrian.pgdump"
    try:
        with engine.connect() as plain:
            connection = plain.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                connection.execute(text("SET TRANSACTION READ ONLY"))
                snapshot_id = str(connection.execute(text("SELECT pg_export_snapshot()"))
                                  .scalar_one())
                server = int(connection.execute(text("SHOW server_version_num")).scalar_one())
                revision, recovery, names = _facts(connection)
                tool = pgtools.dump(url, server // 10000, snapshot_id, target)
    finally:
        engine.dispose()
    return Snapshot("postgresql", target, names, revision, recovery,
                    {"server_major": server // 10000, "pg_dump_major": tool.major})


def _tarinfo(name: str, size: int, mtime: float) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = size, 0o600, int(mtime)
    return info


class _Counter:
    """Counts bytes and files written, and reports progress at most twice a second (and once
    at the end)."""

    def __init__(self, progress: Progress, total: int, files: int) -> None:
        self.progress, self.total, self.files_total = progress, total, files
        self.done = self.files = 0
        self._last = 0.0

    def add(self, size: int, *, file_done: bool = False) -> None:
        self.done += size
        self.files += int(file_done)
        now = time.monotonic()
        if now - self._last >= 0.5 or self.files == self.files_total and file_done:
            self._last = now
            self.progress(self.done, self.total, self.files, self.files_total)


def _add_file(archive: tarfile.TarFile, name: str, path: Path, counter: _Counter) -> None:
    with path.open("rb") as source:
        stat = os.fstat(source.fileno())
        archive.addfile(_tarinfo(name, stat.st_size, stat.st_mtime),
                        _Counting(source, counter))
    counter.add(0, file_done=True)


class _Counting:
    """A file wrapper that reports each read to a :class:`_Counter` (for progress)."""

    def __init__(self, source: IO[bytes], counter: _Counter) -> None:
        self._source, self._counter = source, counter

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._counter.add(len(data))
        return data


def _manifest(snapshot: Snapshot, files: int, total: int) -> bytes:
    return json.dumps({
        "format": FORMAT,
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "backend": snapshot.backend,
        "schema_revision": snapshot.revision,
        "database": SQLITE_MEMBER if snapshot.backend == "sqlite" else PGDUMP_MEMBER,
        "attachments": files,
        "bytes": total,
        **snapshot.extra,
    }, sort_keys=True).encode("utf-8")


def _producer(snapshot: Snapshot, instance: Path, present: list[Path], progress: Progress
              ) -> Callable[[IO[bytes]], None]:
    secrets_path = instance / SECRETS_FILE
    total = (snapshot.database_file.stat().st_size + secrets_path.stat().st_size
             + sum(path.stat().st_size for path in present))
    files_total = len(present) + 2

    def produce(plain: IO[bytes]) -> None:
        counter = _Counter(progress, total, files_total)
        manifest = _manifest(snapshot, len(present), total)
        with tarfile.open(fileobj=plain, mode="w|", format=tarfile.PAX_FORMAT) as archive:
            archive.addfile(_tarinfo(MANIFEST, len(manifest), time.time()),
                            _BytesReader(manifest))
            _add_file(archive, SECRETS_MEMBER, secrets_path, counter)
            member = SQLITE_MEMBER if snapshot.backend == "sqlite" else PGDUMP_MEMBER
            _add_file(archive, member, snapshot.database_file, counter)
            for path in present:
                _add_file(archive, ATTACHMENTS + path.name, path, counter)

    return produce


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)

    def read(self, size: int = -1) -> bytes:
        size = len(self._data) if size < 0 else size
        chunk, self._data = bytes(self._data[:size]), self._data[size:]
        return chunk


@contextmanager
def _temporary_archive(out: Path) -> Iterator[tuple[IO[bytes], Path]]:
    """A new file beside ``out`` (mode 0600), deleted unless the caller renamed it."""
    partial = out.parent / f".{out.name}.partial-{secrets.token_hex(6)}"
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as sink:
            yield sink, partial
    finally:
        partial.unlink(missing_ok=True)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def make_backup(
    database_url: str,
    instance: Path,
    out: Path,
    *,
    recipient: X25519PublicKey | None = None,
    progress: Progress = _no_progress,
    before_rename: Callable[[BackupSummary], None] | None = None,
) -> BackupSummary:
    """Write the archive of ``instance`` and ``database_url`` to ``out``.

    ``recipient`` is the public key the archive is sealed to: the installation's recovery
    public key (read from the database copy) when ``None``. ``before_rename`` runs once the
    archive is complete on disk, before it takes its final name (the command line appends the
    audit entry there). Raises :class:`BackupError`: ``out`` exists or its folder is missing
    (exit 2), the database is unreadable or ``pg_dump`` fails (exit 1). ``out`` never exists
    half-written.
    """
    out = out.resolve()
    if out.exists():
        raise BackupError(f"มีไฟล์ {out} อยู่แล้ว เลือกชื่ออื่นหรือลบไฟล์เดิมก่อน",
                          f"{out} already exists: choose another name or delete it first")
    if not out.parent.is_dir():
        raise BackupError(f"ไม่พบโฟลเดอร์ {out.parent}", f"the folder {out.parent} does not exist")
    if not (instance / SECRETS_FILE).is_file():
        raise BackupError(f"ไม่พบ {instance / SECRETS_FILE}",
                          f"{instance / SECRETS_FILE} is missing: is RONGRIAN_INSTANCE right?",
                          exit_code=1)
    with tempfile.TemporaryDirectory(prefix=SNAPSHOT_PREFIX, dir=instance) as folder:
        os.chmod(folder, 0o700)
        snapshot = (snapshot_sqlite(database_url, Path(folder)) if is_sqlite(database_url)
                    else snapshot_postgresql(database_url, Path(folder)))
        attachments = instance / "attachments"
        present = [attachments / name for name in sorted(snapshot.attachment_names)
                   if (attachments / name).is_file()]
        missing = sorted(set(snapshot.attachment_names) - {path.name for path in present})
        if recipient is None:
            recipient = load_public(snapshot.recovery_public_key)
        produce = _producer(snapshot, instance, present, progress)
        with _temporary_archive(out) as (sink, partial):
            write_encrypted(sink, recipient, produce)
            sink.flush()
            os.fsync(sink.fileno())
            summary = BackupSummary(out, partial.stat().st_size, len(present), missing,
                                    snapshot.backend)
            if before_rename is not None:
                before_rename(summary)
            os.replace(partial, out)
            _fsync_folder(out.parent)
    return summary


def remove_stale_snapshots(instance: Path, *, older_than: timedelta, now: datetime) -> int:
    """Delete database copies left in ``instance`` by a backup that was killed (``.backup-*``
    folders whose newest file is older than ``older_than``); return how many folders."""
    removed = 0
    for folder in instance.glob(SNAPSHOT_PREFIX + "*") if instance.is_dir() else ():
        if not folder.is_dir() or folder.is_symlink():
            continue
        newest = max((path.stat().st_mtime for path in (folder, *folder.iterdir())),
                     default=0.0)
        if now - datetime.fromtimestamp(newest, UTC) >= older_than:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def progress_printer(verb_th: str, verb_en: str) -> Progress:
    """Progress on standard error, e.g. ``สำรองแล้ว 12.0/300.5 MB, 40/201 ไฟล์ / backed up
    12.0/300.5 MB, 40/201 files`` (``verb_th``/``verb_en`` say what is being done)."""

    def show(done: int, total: int, files: int, files_total: int) -> None:
        mb, total_mb = done / 1e6, total / 1e6
        print(f"{verb_th} {mb:,.1f}/{total_mb:,.1f} MB, {files}/{files_total} ไฟล์ / "
              f"{verb_en} {mb:,.1f}/{total_mb:,.1f} MB, {files}/{files_total} files",
              file=sys.stderr, flush=True)

    return show
