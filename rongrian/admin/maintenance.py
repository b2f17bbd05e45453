"""``rongrian maintenance``: the daily housekeeping (run by a systemd timer).

Each step calls the function that owns the data; nothing is deleted here by its own SQL:

- orphan attachment files (written by an upload whose transaction then failed or crashed;
  unreadable, their keys never reached the database), older than a grace period so that an
  upload in flight is never touched: :func:`rongrian.intake.attachments.remove_orphans`;
- the database copy a killed ``rongrian backup`` left in the instance folder, after a day:
  :func:`rongrian.admin.backup.remove_stale_snapshots`;
- expired staff sessions: :func:`rongrian.admin.accounts.purge_expired`;
- finished cases past their category's retention period (issue 9 §5): content, identity, keys,
  thread and attachment files deleted, the clear columns kept for the reports:
  :func:`rongrian.intake.retention.purge_finished`;
- expired LINE drafts and old redelivery records (:func:`rongrian.channels.line.state.purge`)
  and expired one-time submission tokens
  (:func:`rongrian.intake.submission_tokens.purge_spent`): handed in by the command line as
  :class:`Purge` steps (:func:`rongrian.admin.cli.channel_purges`; the staff side never
  imports the channels: DESIGN.md, layers);
- SQLite only: ``PRAGMA secure_delete=ON`` for the purges (deleted rows are overwritten with
  zeros; every connection of the apps sets it too, :mod:`rongrian.intake.db`), a WAL checkpoint
  so that deleted content does not linger in the write-ahead log, and ``PRAGMA integrity_check``.

Everything the purges delete is committed in one transaction with one audit entry
(``maintenance_purged``, counts only) when anything was deleted.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm import Session

from rongrian.admin.accounts import purge_expired as purge_staff_sessions
from rongrian.admin.backup import remove_stale_snapshots
from rongrian.intake.attachments import remove_orphans
from rongrian.intake.audit import COMMAND_LINE, Actor, append_entry
from rongrian.intake.db import make_session_factory
from rongrian.intake.models import AuditAction
from rongrian.intake.retention import purge_finished

#: Orphan files younger than this are kept (an upload may be between writing and committing).
DEFAULT_GRACE = timedelta(hours=1)
#: A killed backup's database copy (``<instance>/.backup-*``) is deleted after a day (a
#: running backup of a large database may take hours).
SNAPSHOT_GRACE = timedelta(days=1)


@dataclass(frozen=True)
class Purge:
    """One purge step: ``run(session, now)`` deletes (flushes only) and returns counts by name,
    e.g. ``{"line_drafts": 3, "line_events": 10}``."""

    name: str
    run: Callable[[Session, datetime], dict[str, int]]


@dataclass
class MaintenanceReport:
    """What a run did: ``counts`` by name (``orphan_files``, ``staff_sessions``, …);
    ``integrity`` the lines of SQLite's ``integrity_check`` (``["ok"]`` when sound; empty on
    PostgreSQL, which has no such check); ``secure_delete`` whether SQLite's was on."""

    counts: dict[str, int] = field(default_factory=dict)
    integrity: list[str] = field(default_factory=list)
    secure_delete: bool = False

    @property
    def sound(self) -> bool:
        """False when SQLite's integrity check found a problem."""
        return not self.integrity or self.integrity == ["ok"]


def _sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def run_maintenance(
    engine: Engine,
    attachments_dir: Path,
    purges: Sequence[Purge] = (),
    *,
    grace: timedelta = DEFAULT_GRACE,
    staff_idle_minutes: int | None = None,
    now: datetime | None = None,
    say: Callable[[str], None] = lambda _line: None,
) -> MaintenanceReport:
    """Run every housekeeping step on ``engine``'s database and ``attachments_dir``.

    ``purges`` are the channels' steps (see :class:`Purge`); expired staff sessions are always
    purged, and with ``staff_idle_minutes`` also those unused that long
    (``RONGRIAN_STAFF_IDLE_MINUTES``). ``say`` receives one progress line per step. Database
    errors propagate (the purge transaction is then rolled back).
    """
    now = now or datetime.now(UTC)
    report = MaintenanceReport()
    factory = make_session_factory(engine)
    with factory() as session:
        say("ไฟล์แนบกำพร้า / orphan attachment files …")
        report.counts["orphan_files"] = remove_orphans(session, attachments_dir,
                                                       older_than=grace, now=now)
    report.counts["backup_leftovers"] = remove_stale_snapshots(
        attachments_dir.parent, older_than=SNAPSHOT_GRACE, now=now)

    def staff_sessions(session: Session, moment: datetime) -> dict[str, int]:
        return {"staff_sessions": purge_staff_sessions(
            session, idle_minutes=staff_idle_minutes, now=moment)}

    def finished_cases(session: Session, moment: datetime) -> dict[str, int]:
        return purge_finished(session, attachments_dir, moment.date())

    with factory() as session:
        if _sqlite(engine):
            session.execute(text("PRAGMA secure_delete=ON"))
            report.secure_delete = bool(session.execute(text("PRAGMA secure_delete")).scalar())
        _purge(session, [Purge("staff_sessions", staff_sessions),
                         Purge("finished_cases", finished_cases), *purges], report, now, say)
        session.commit()
    if _sqlite(engine):
        say("ตรวจสอบความสมบูรณ์ของฐานข้อมูล / checking the database's integrity …")
        report.integrity = sqlite_integrity(engine)
    return report


def _purge(session: Session, purges: Sequence[Purge], report: MaintenanceReport,
           now: datetime, say: Callable[[str], None]) -> None:
    """Run the purge steps (flushed, not committed) and audit what they deleted, if anything."""
    for step in purges:
        say(f"ลบข้อมูลหมดอายุ / purging {step.name} …")
        report.counts.update(step.run(session, now))
    deleted = {name: count for name, count in report.counts.items() if count}
    if deleted:
        append_entry(session, AuditAction.MAINTENANCE_PURGED, Actor(None, COMMAND_LINE),
                     detail=deleted, now=now)


def sqlite_integrity(engine: Engine) -> list[str]:
    """Checkpoint the write-ahead log into the SQLite file (so deleted content does not linger
    there), then run ``PRAGMA integrity_check``; return its lines (``["ok"]`` when sound; the
    SQLite error, e.g. ``database disk image is malformed``, when the check cannot even run)."""
    try:
        with engine.connect() as connection:
            connection.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
            return [str(row[0]) for row in connection.execute(text("PRAGMA integrity_check"))]
    except DatabaseError as exc:  # damaged beyond what the check itself can read
        return [str(exc.orig)]
