"""``rongrian backup``, ``rongrian backup keygen``, ``rongrian restore``, ``rongrian maintenance``.

All read ``RONGRIAN_INSTANCE`` and ``RONGRIAN_DATABASE_URL`` (``restore`` writes there). Keys:
the archive is sealed to the installation's recovery public key unless ``--to`` names a backup
public key file (``rongrian backup keygen``); ``restore`` reads the recovery key or the backup
private key from ``--key-file`` or standard input (a prompt that does not echo on a terminal).
Keys are never printed, logged or written by these commands (but ``keygen``'s files).
Progress goes to standard error.

Exit codes: 0 done; 2 bad input (message in Thai and English, nothing changed): wrong key,
damaged archive, target not empty, ``--out`` exists; 1 set-up problem: not set up, ``pg_dump``
missing or failing, the SQLite integrity check failed.
"""

import argparse
import getpass
import os
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path

from sqlalchemy.exc import OperationalError

from rongrian.admin.archive import (
    BackupError,
    generate_backup_key,
    parse_private_key,
    parse_public_key,
)
from rongrian.admin.backup import BackupSummary, make_backup, progress_printer
from rongrian.admin.maintenance import Purge, run_maintenance
from rongrian.admin.restore import restore_archive
from rongrian.crypto.errors import MalformedKey
from rongrian.crypto.keys import X25519PrivateKey, X25519PublicKey
from rongrian.intake.audit import COMMAND_LINE, RECOVERY_KEY, Actor, append_entry
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.models import AuditAction
from rongrian.settings import default_database_url, default_instance_path, from_environment

KEY_PROMPT = "กุญแจกู้คืนหรือกุญแจสำรองข้อมูล / Recovery or backup key (RGR1-… / RGBK1-…): "

#: Actor name of a restore done with a backup key (:data:`RECOVERY_KEY` with the recovery key).
BACKUP_KEY = "(backup key)"
#: The channels' purge steps, supplied by :mod:`rongrian.admin.cli` (which may import them).
PurgeSource = Callable[[], Sequence[Purge]]


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _failed(exc: BackupError) -> int:
    print(f"ข้อผิดพลาด: {exc.th}\nError: {exc.en}", file=sys.stderr)
    return exc.exit_code


def _unreachable() -> BackupError:
    """The database cannot be reached (the driver's message is not repeated: it may name
    hosts and users; the database server's own log has it)."""
    return BackupError("เชื่อมต่อฐานข้อมูลตาม RONGRIAN_DATABASE_URL ไม่ได้ (ฐานข้อมูลมีอยู่และเปิดทำงานหรือไม่)",
                       "cannot connect to the database of RONGRIAN_DATABASE_URL (does it exist, "
                       "is the server running?)", exit_code=1)


def _read_text(path: str, what_th: str, what_en: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BackupError(f"อ่าน{what_th} {path} ไม่ได้", f"cannot read the {what_en} {path}"
                          ) from exc


def _recipient(path: str | None) -> X25519PublicKey | None:
    if not path:
        return None
    try:
        return parse_public_key(_read_text(path, "ไฟล์กุญแจสาธารณะ", "public key file"))
    except MalformedKey as exc:
        raise BackupError(f"{path} ไม่ใช่กุญแจสาธารณะสำหรับสำรองข้อมูล (RGPK1-…)",
                          f"{path} is not a backup public key (RGPK1-…)") from exc


def _private_key(path: str | None) -> tuple[X25519PrivateKey, str]:
    """The key and the audit actor naming its kind (recovery key or backup key)."""
    if path:
        key_text = _read_text(path, "ไฟล์กุญแจ", "key file")
    elif sys.stdin.isatty():
        key_text = getpass.getpass(KEY_PROMPT, stream=sys.stderr)
    else:
        key_text = sys.stdin.readline()
    kind = BACKUP_KEY if key_text.strip().upper().startswith("RGBK") else RECOVERY_KEY
    try:
        return parse_private_key(key_text), kind
    except MalformedKey as exc:
        raise BackupError("ข้อความนี้ไม่ใช่กุญแจกู้คืน (RGR1-…) หรือกุญแจสำรองข้อมูล (RGBK1-…)",
                          "that is neither a recovery key (RGR1-…) nor a backup key (RGBK1-…)"
                          ) from exc


def _audit(database_url: str, action: AuditAction, actor: str,
           detail: dict[str, str | int | bool | None]) -> None:
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            append_entry(session, action, Actor(None, actor), detail=detail)
            session.commit()
    finally:
        engine.dispose()


def cmd_backup(args: argparse.Namespace) -> int:
    if not args.out:
        return _failed(BackupError("ระบุไฟล์ปลายทางด้วย --out", "give the archive's path with --out"))
    instance = default_instance_path()
    database_url = default_database_url(instance)

    def audited(summary: BackupSummary) -> None:
        _audit(database_url, AuditAction.BACKUP_MADE, COMMAND_LINE, {
            "attachments": summary.attachments, "bytes": summary.size,
            "sealed_to": "backup_key" if args.to else "recovery_key"})

    try:
        summary = make_backup(database_url, instance, Path(args.out),
                              recipient=_recipient(args.to),
                              progress=(lambda *_: None) if args.quiet
                              else progress_printer("สำรองแล้ว", "backed up"),
                              before_rename=audited)
    except BackupError as exc:
        return _failed(exc)
    except OperationalError:
        return _failed(_unreachable())
    for name in summary.missing:
        _say(f"คำเตือน: ไม่พบไฟล์แนบ {name} / warning: attachment file {name} is missing")
    sealed = "กุญแจสำรองข้อมูล / the backup key" if args.to else "กุญแจกู้คืน / the recovery key"
    print(f"{summary.path}: {summary.size:,} bytes, {summary.attachments} attachment files; "
          f"เปิดได้ด้วย {sealed} only")
    return 0


def _write_new(path: Path, content: str, mode: int) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(content + "\n")


def cmd_keygen(args: argparse.Namespace) -> int:
    private, public = Path(args.out_private), Path(args.out_public)
    for path in (private, public):
        if path.exists():
            return _failed(BackupError(f"มีไฟล์ {path} อยู่แล้ว", f"{path} already exists"))
    key = generate_backup_key()
    _write_new(public, key.public, 0o644)
    _write_new(private, key.private, 0o600)
    print(f"กุญแจสาธารณะ / public key: {public} (ใช้กับ / use with `rongrian backup --to`)\n"
          f"กุญแจส่วนตัว / private key: {private} — เก็บแบบออฟไลน์ ห้ามเก็บไว้บนเซิร์ฟเวอร์ / "
          "keep it offline, never on the server")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    instance = default_instance_path()
    database_url = default_database_url(instance)
    archive = Path(args.archive)
    try:
        if not archive.is_file():
            raise BackupError(f"ไม่พบไฟล์ {archive}", f"{archive} does not exist")
        key, actor = _private_key(args.key_file)
        _say("กำลังตรวจสอบไฟล์สำรองข้อมูลทั้งไฟล์ / authenticating the whole archive …")
        summary = restore_archive(archive, key, instance, database_url,
                                  progress=progress_printer("นำกลับแล้ว", "restored"))
    except BackupError as exc:
        return _failed(exc)
    except OperationalError:
        return _failed(_unreachable())
    _audit(database_url, AuditAction.BACKUP_RESTORED, actor, {
        "archive_created_at": str(summary.manifest.get("created_at")),
        "attachments": summary.attachments})
    print(f"นำข้อมูลกลับแล้ว / restored into {instance}: {summary.attachments} attachment files "
          f"(backup of {summary.manifest.get('created_at')}). "
          "ตรวจสอบด้วย / check with: rongrian audit verify")
    return 0


def _maintenance(purges: PurgeSource) -> Callable[[argparse.Namespace], int]:
    def command(args: argparse.Namespace) -> int:
        settings = from_environment()
        engine = make_engine(settings.database_url)
        try:
            report = run_maintenance(engine, settings.attachments_dir, purges(),
                                     grace=timedelta(minutes=args.grace_minutes),
                                     staff_idle_minutes=settings.staff_idle_minutes, say=_say)
        finally:
            engine.dispose()
        counts = ", ".join(f"{name} {count}" for name, count in report.counts.items())
        print(f"บำรุงรักษาเสร็จ / maintenance done: {counts}"
              + (f"; secure_delete {'on' if report.secure_delete else 'off'}, "
                 f"integrity_check {'ok' if report.sound else 'FAILED'}"
                 if report.integrity else ""))
        if not report.sound:
            print("ข้อผิดพลาด: ฐานข้อมูล SQLite เสียหาย (integrity_check ไม่ผ่าน) หยุดบริการ "
                  "เก็บสำเนาไฟล์ที่เสียไว้ แล้วนำข้อมูลกลับจากไฟล์สำรองล่าสุด (docs/backups.md)\n"
                  "Error: the SQLite database is damaged (integrity_check failed): stop the "
                  "service, keep a copy of the damaged file, and restore the latest backup "
                  "(docs/backups.md).\n" + "\n".join(report.integrity[:20]), file=sys.stderr)
            return 1
        return 0

    return command


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]",
             purges: PurgeSource) -> None:
    """Add ``backup [keygen]``, ``restore`` and ``maintenance`` to the ``rongrian`` parser.

    ``purges`` lists the channels' purge steps for ``maintenance``.
    """
    backup = sub.add_parser("backup", help="write one encrypted archive of the installation")
    backup.add_argument("--out", help="the archive to write (must not exist)")
    backup.add_argument("--to", metavar="PUBLIC_KEY_FILE",
                        help="seal to this backup public key instead of the recovery key")
    backup.add_argument("--quiet", action="store_true", help="no progress on standard error")
    backup.set_defaults(func=cmd_backup)
    keygen_parent = backup.add_subparsers(dest="backup_command")
    keygen = keygen_parent.add_parser("keygen", help="make a key pair for sealing backups")
    keygen.add_argument("--out-private", required=True, help="private key file (keep offline)")
    keygen.add_argument("--out-public", required=True, help="public key file (for --to)")
    keygen.set_defaults(func=cmd_keygen)
    restore = sub.add_parser("restore", help="restore an archive into an empty installation")
    restore.add_argument("archive", help="the archive written by `rongrian backup`")
    restore.add_argument("--key-file", help="file holding the recovery or backup key "
                         "(default: standard input)")
    restore.set_defaults(func=cmd_restore)
    maintenance = sub.add_parser("maintenance", help="daily housekeeping (systemd timer)")
    maintenance.add_argument("--grace-minutes", type=int, default=60,
                             help="keep orphan attachment files younger than this (default 60)")
    maintenance.set_defaults(func=_maintenance(purges))
