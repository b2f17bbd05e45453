"""The ``rongrian`` command line: set-up, serving, reports.

Exit codes: 0 success, 2 bad arguments or input (message in Thai and English), 1 set-up error,
3 the audit chain does not verify (``rongrian audit verify``, :mod:`.cli_custody`).
"""

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from rongrian.admin import cli_custody, keys_cli
from rongrian.admin.migrate import upgrade
from rongrian.channels.line.cli import add_line_commands
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import InvalidPeriod, SetupError
from rongrian.intake.models import AuditAction, Installation
from rongrian.settings import (
    Settings,
    create_secrets,
    default_database_url,
    default_instance_path,
    from_environment,
)


def _fail(th: str, en: str, code: int = 2) -> int:
    print(f"ข้อผิดพลาด: {th}\nError: {en}", file=sys.stderr)
    return code


def init(*, demo: bool) -> bool:
    """Create secrets, migrate, and (with ``demo``) set up the demo organisation.

    Returns ``True`` if it set up a new installation. Prints the recovery key and the demo logins
    once; neither is written anywhere (the recovery key is for offline keeping only).
    """
    instance = default_instance_path()
    create_secrets(instance)
    engine = make_engine(default_database_url(instance))
    upgrade(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        if session.scalars(select(Installation)).first() is not None:
            print("ตั้งค่าระบบไว้แล้ว / Already set up:", instance)
            return False
        if not demo:
            print("ฐานข้อมูลพร้อมแล้ว / Database ready. Use --demo for a demo organisation.")
            return False
        from rongrian.admin.organisation import create_demo_organisation

        org = create_demo_organisation(session)
        session.commit()
    _print_once(org.recovery_key, org.logins)
    return True


def _print_once(recovery_key: str, logins: Sequence[tuple[str, str, object]]) -> None:
    lines = [
        "",
        "=== กุญแจกู้คืน (แสดงครั้งเดียว จดเก็บแบบออฟไลน์ในที่ปลอดภัย) ===",
        "=== RECOVERY KEY (shown once: write it down and keep it offline) ===",
        recovery_key,
        "",
        "=== บัญชีทดลองใช้ / Demo logins (username / password / role) ===",
        *(f"  {user:<10} {password:<20} {getattr(role, 'value', role)}"
          for user, password, role in logins),
        "",
    ]
    print("\n".join(lines))


def _settings() -> Settings:
    return from_environment()


def cmd_report(args: argparse.Namespace) -> int:
    from rongrian.admin.report_docx import canonical_label, write_docx
    from rongrian.intake.audit import COMMAND_LINE, Actor, ChainHead, append_entry
    from rongrian.intake.reporting import parse_period, summarise

    try:
        period = parse_period(args.period)
    except InvalidPeriod:
        examples = "2568, 2568-Q1, 2568-H1, 2568-10"
        return _fail(f"รอบรายงาน {args.period!r} ไม่ถูกต้อง ใช้ เช่น {examples}",
                     f"period {args.period!r} is not valid; use e.g. {examples}")
    settings = _settings()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        installation = session.scalars(select(Installation)).first()
        if installation is None:
            raise SetupError("not set up: run `rongrian init` first")
        # "Open past due" is counted as of today for a period still running (else its end).
        summary = summarise(session, period, as_of=datetime.now(UTC).date())
        entry = append_entry(session, AuditAction.SUMMARY_EXPORTED, Actor(None, COMMAND_LINE),
                             detail={"period": canonical_label(period)})
        out = Path(args.out)
        write_docx(summary, out, organisation=installation.organisation_name,
                   audit_head=ChainHead(entry.seq, entry.entry_hash.hex()))
        try:
            session.commit()
        except Exception:
            out.unlink(missing_ok=True)  # no file whose audit entry was not kept
            raise
    print(f"{args.out}: {summary.total} complaints, {period.start} – {period.end}")
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from rongrian.admin.server import serve

    settings = _settings()
    base = f"http://{args.host}:{args.port}"
    print(f"ประชาชน / Citizens:   {base}/report   (ติดตามเรื่อง / tracking: {base}/track)")
    print(f"เจ้าหน้าที่ / Staff:    {base}/staff/login")
    print("กด Ctrl+C เพื่อหยุด / Press Ctrl+C to stop", flush=True)
    serve(settings, args.host, args.port)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    init(demo=True)
    return cmd_serve(args)


def cmd_init(args: argparse.Namespace) -> int:
    init(demo=args.demo)
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    upgrade(make_engine(default_database_url(default_instance_path())))
    print("migrated")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rongrian", description="Rongrian (ร้องเรียน)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_init = sub.add_parser("init", help="create secrets, migrate, optionally the demo")
    p_init.add_argument("--demo", action="store_true", help="set up the demo municipality")
    p_init.set_defaults(func=cmd_init)
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)
    for name, func in (("serve", cmd_serve), ("demo", cmd_demo)):
        p = sub.add_parser(name, help=f"{name}: run the public and staff apps")
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        p.set_defaults(func=func)
    p_report = sub.add_parser("report", help="executive summary as a Word file")
    p_report.add_argument("--period", required=True, help="2568, 2568-Q1, 2568-H1 or 2568-10")
    p_report.add_argument("--out", required=True, help="output .docx path")
    p_report.set_defaults(func=cmd_report)
    cli_custody.add_commands(sub, _fail)
    keys_cli.register(sub)
    add_line_commands(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rongrian`` command."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except SetupError as exc:
        return _fail("ระบบยังไม่ได้ตั้งค่า", str(exc), code=1)


if __name__ == "__main__":
    sys.exit(main())
