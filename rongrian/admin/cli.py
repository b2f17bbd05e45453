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
from sqlalchemy.orm import Session

from rongrian.admin import (
    backup_cli,
    cli_custody,
    days_off_cli,
    digest_cli,
    keys_cli,
    notices_cli,
    report_send,
    serve_cli,
    setup_cli,
)
from rongrian.admin.desk_import import add_desk_commands
from rongrian.admin.maintenance import Purge
from rongrian.admin.migrate import upgrade
from rongrian.channels.line.cli import add_line_commands
from rongrian.channels.qr.cli import add_qr_commands
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import InvalidPeriod, SetupError
from rongrian.intake.models import AuditAction, Installation
from rongrian.settings import (
    Settings,
    create_secrets,
    default_database_url,
    default_instance_path,
    following_listen_address,
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
        notices_cli.ensure_key(instance, session)  # issue 9 §4: e-mail notices
        if session.scalars(select(Installation)).first() is not None:
            print("ตั้งค่าระบบไว้แล้ว / Already set up:", instance)
            return False
        if not demo:
            print("ฐานข้อมูลพร้อมแล้ว ตั้งค่าหน่วยงานด้วย rongrian setup --organisation FILE\n"
                  "Database ready. Set up the agency with `rongrian setup --organisation FILE` "
                  "(docs/organisation-file.md), or use --demo for a demo organisation.")
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
    from rongrian.admin.memo_docx import memo_details
    from rongrian.admin.report_documents import FORMATS, UnknownFormat, build, format_of
    from rongrian.admin.report_docx import canonical_label, write_docx
    from rongrian.intake.audit import COMMAND_LINE, Actor, ChainHead, append_entry
    from rongrian.intake.period_report import ReportKind, build_report
    from rongrian.intake.publication import find
    from rongrian.intake.reporting import parse_period, summarise

    try:  # --format, else the suffix of --out, else docx (issue 10 §2)
        fmt = format_of(args.format, Path(args.out))
    except UnknownFormat:
        return _fail(f"รูปแบบ {args.format!r} ไม่รองรับ ใช้ {', '.join(FORMATS)}",
                     f"format {args.format!r} is not supported; use {', '.join(FORMATS)}")
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
        kind = ReportKind(args.kind)
        try:  # a fiscal year before the agency's first one does not exist for it (issue 10)
            report = build_report(session, period, kind, as_of=datetime.now(UTC).date())
        except InvalidPeriod:
            return _fail(f"รอบรายงาน {args.period!r} อยู่ก่อนปีงบประมาณแรกของหน่วยงาน",
                         f"period {args.period!r} is before the agency's first fiscal year")
        # "Open past due" is counted as of today for a period still running (else its end).
        summary = summarise(session, period, as_of=datetime.now(UTC).date())
        entry = append_entry(session, AuditAction.SUMMARY_EXPORTED, Actor(None, COMMAND_LINE),
                             detail={"period": canonical_label(period), "format": fmt})
        out = Path(args.out)
        record = find(session, canonical_label(period), kind)
        if fmt == "docx":
            write_docx(summary, out, organisation=installation.organisation_name,
                       audit_head=ChainHead(entry.seq, entry.entry_hash.hex()), report=report,
                       record=record, memo=memo_details(session, record))
        else:  # the memo PDF, or the workbook of both kinds
            out.write_bytes(build(session, period, kind, fmt, report=report,
                                  audit_head=ChainHead(entry.seq, entry.entry_hash.hex())).data)
        try:
            session.commit()
        except Exception:
            out.unlink(missing_ok=True)  # no file whose audit entry was not kept
            raise
    print(f"{args.out}: {summary.total} complaints, {period.start} – {period.end}")
    return 0


def cmd_serve_embedded(args: argparse.Namespace) -> int:
    """Werkzeug's embedded server (``rongrian demo``); ``rongrian serve`` is gunicorn
    (:mod:`.serve_cli`). Tracking links follow ``--host``/``--port`` unless
    ``RONGRIAN_PUBLIC_URL`` is set."""
    from rongrian.admin.serve_cli import print_addresses
    from rongrian.admin.server import serve

    settings = following_listen_address(_settings(), args.host, args.port)
    print_addresses(settings, args.host, args.port)
    serve(settings, args.host, args.port)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    init(demo=True)
    return cmd_serve_embedded(args)


def cmd_init(args: argparse.Namespace) -> int:
    init(demo=args.demo)
    return 0


def cmd_migrate(_args: argparse.Namespace) -> int:
    upgrade(make_engine(default_database_url(default_instance_path())))
    print("migrated")
    return 0


def channel_purges() -> list[Purge]:
    """The channels' purge steps for ``rongrian maintenance`` (expired LINE drafts and
    redelivery records; expired one-time submission tokens of the web forms), wired here
    because only the command line may import channels."""
    from rongrian.channels.line.state import purge as purge_line
    from rongrian.intake.submission_tokens import purge_spent

    def line(session: Session, now: datetime) -> dict[str, int]:
        drafts, redeliveries = purge_line(session, now)
        return {"line_drafts": drafts, "line_redeliveries": redeliveries}

    def tokens(session: Session, now: datetime) -> dict[str, int]:
        return {"submission_tokens": purge_spent(session, now)}

    return [Purge("line", line), Purge("submission_tokens", tokens)]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="rongrian", description="Rongrian (ร้องเรียน)")
    sub = parser.add_subparsers(dest="command", required=True)
    p_init = sub.add_parser("init", help="create secrets, migrate, optionally the demo")
    p_init.add_argument("--demo", action="store_true", help="set up the demo municipality")
    p_init.set_defaults(func=cmd_init)
    sub.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)
    p_demo = sub.add_parser("demo", help="set up the demo and run it on the embedded server")
    p_demo.add_argument("--host", default="127.0.0.1")
    p_demo.add_argument("--port", type=int, default=8000)
    p_demo.set_defaults(func=cmd_demo)
    serve_cli.register(sub)
    p_report = sub.add_parser("report", help="executive summary as a Word file")
    p_report.add_argument("--period", required=True, help="2568, 2568-Q1, 2568-H1 or 2568-10")
    p_report.add_argument("--out", required=True, help="output file (.docx, .pdf or .xlsx)")
    p_report.add_argument("--format", help="docx, pdf or xlsx (both kinds in one workbook); "
                                           "default: the suffix of --out, else docx")
    p_report.add_argument("--kind", choices=["general", "corruption"], default="general",
                          help="general (service, suggestions, compliments) or corruption")
    p_report.set_defaults(func=cmd_report)
    cli_custody.add_commands(sub, _fail)
    keys_cli.register(sub)
    setup_cli.register(sub)
    add_line_commands(sub)
    backup_cli.register(sub, channel_purges)
    add_qr_commands(sub)
    add_desk_commands(sub)
    days_off_cli.register(sub)  # issue 9: the agency's own days off
    digest_cli.register(sub, _fail)  # issue 9 §2: the daily digest e-mail
    report_send.register(sub, _fail)  # issue 10 §4: reports by e-mail
    notices_cli.register(sub)  # issue 9 §4: the complainant's e-mail notices
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``rongrian`` command."""
    args = build_parser().parse_args(report_send.spelt_as_report_send(
        sys.argv[1:] if argv is None else argv))
    try:
        return int(args.func(args))
    except SetupError as exc:
        return _fail("ระบบยังไม่ได้ตั้งค่า", str(exc), code=1)


if __name__ == "__main__":
    sys.exit(main())
