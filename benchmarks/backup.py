"""Backup and restore: time and archive size for an installation of N complaints with M files.

    .venv/bin/python -m benchmarks.backup                                # SQLite, 1,000 / 200
    .venv/bin/python -m benchmarks.backup --backend postgresql --complaints 1000 --files 200

Builds the demo municipality with ``--complaints`` complaints (through
:func:`rongrian.intake.store.file_complaint`) of which the first ``--files`` get one attachment
each (:func:`rongrian.intake.attachments.attach_to_new_complaint`; random bytes, sizes cycling
through 0.1, 0.5, 1 and 2 MiB: ~180 MiB for 200 files, what phone photos and scanned letters
weigh), then times, in this process:

1. ``make_backup`` (SQLite online backup or ``pg_dump``, tar, encryption, fsync, rename);
2. ``restore_archive`` into a new empty instance and database (authentication pass, unpack,
   ``pg_restore`` or file move, migrations check);

and prints the archive's size against the data's, with the machine's load (``/proc/loadavg``).
The PostgreSQL target database is ``<database>_restore`` (made and dropped here).
"""

import argparse
import io
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from benchmarks.common import (
    DEFAULT_PG_URL,
    ensure_pg_database,
    fresh_database,
    install_demo,
    load_line,
    machine_line,
)
from rongrian.admin.backup import make_backup
from rongrian.admin.restore import restore_archive
from rongrian.crypto.keys import parse_recovery_key
from rongrian.intake.attachments import attach_to_new_complaint
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.store import Submission, file_complaint
from rongrian.settings import create_secrets

MB = 1024 * 1024
SIZES = (MB // 10, MB // 2, MB, 2 * MB)


def _submission(number: int) -> Submission:
    return Submission(kind="complaint", category_code="general", unit_code="WORKS",
                      channel="web", what_happened=f"ถนนชำรุดหน้าบ้านเลขที่ {number} เป็นหลุมลึก",
                      when_happened="เมื่อวานนี้", where_happened="ซอย 3", who_involved="")


def populate(url: str, instance: Path, complaints: int, files: int) -> tuple[str, int]:
    """Demo organisation, complaints and attachments; return the recovery key and file bytes."""
    engine = make_engine(url)
    organisation, _ = install_demo(engine, "test")
    pepper = create_secrets(instance).tracking_pepper
    factory = make_session_factory(engine)
    data = 0
    now = datetime.now(UTC)
    for number in range(complaints):
        with factory() as session:
            receipt = file_complaint(session, pepper, _submission(number), now=now)
            if number < files:
                size = SIZES[number % len(SIZES)]
                data += size
                attach_to_new_complaint(session, pepper, receipt.tracking_code,
                                        instance / "attachments",
                                        [(io.BytesIO(os.urandom(size)), "image/jpeg")], now=now)
            session.commit()
    engine.dispose()
    return organisation.recovery_key, data


def _pg_restore_target(url: str) -> str:
    target = make_url(url).set(database=f"{make_url(url).database}_restore")
    text_url = target.render_as_string(hide_password=False)
    admin = make_engine(make_url(url).set(database="postgres").render_as_string(
        hide_password=False)).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()
    ensure_pg_database(text_url)
    return text_url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--complaints", type=int, default=1000)
    parser.add_argument("--files", type=int, default=200)
    args = parser.parse_args()
    print(machine_line())
    print(load_line(), "| /proc/loadavg:", Path("/proc/loadavg").read_text().strip())
    with tempfile.TemporaryDirectory(prefix="rongrian-backup-bench-") as folder:
        root = Path(folder)
        source, restored = root / "source", root / "restored"
        engine = fresh_database(args.backend, args.database_url, root / "source.db")
        url = engine.url.render_as_string(hide_password=False)
        engine.dispose()
        started = time.perf_counter()
        recovery, data = populate(url, source, args.complaints, args.files)
        print(f"set-up: {args.complaints:,} complaints, {args.files} files "
              f"({data / MB:,.1f} MiB) in {time.perf_counter() - started:.1f} s")
        database_bytes = (Path(make_url(url).database or "").stat().st_size
                          if args.backend == "sqlite" else 0)
        archive = root / "rongrian.backup"
        started = time.perf_counter()
        summary = make_backup(url, source, archive)
        backup_s = time.perf_counter() - started
        target_url = (f"sqlite:///{restored / 'rongrian.db'}" if args.backend == "sqlite"
                      else _pg_restore_target(url))
        started = time.perf_counter()
        restore_archive(archive, parse_recovery_key(recovery), restored, target_url,
                        progress=lambda *_: None)
        restore_s = time.perf_counter() - started
        print(f"{args.backend}: backup {backup_s:.2f} s ({summary.size / MB / backup_s:,.0f} "
              f"MiB/s), restore {restore_s:.2f} s ({summary.size / MB / restore_s:,.0f} MiB/s "
              "incl. the authentication pass)")
        print(f"archive {summary.size / MB:,.1f} MiB for {data / MB:,.1f} MiB of files"
              + (f" and a {database_bytes / MB:,.1f} MiB SQLite file" if database_bytes else ""))
        print(load_line(), "| /proc/loadavg:", Path("/proc/loadavg").read_text().strip())


if __name__ == "__main__":
    main()
