"""Command-line parts of the audit log and re-routing: ``rongrian audit verify`` and
``rongrian cases reroute|escalate … --recovery-key-file F``.

Exit codes as in :mod:`rongrian.admin.cli` (0 success, 2 bad input, 1 set-up error), plus
:data:`EXIT_BROKEN_CHAIN` (3) when the audit chain does not verify.
"""

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.orm import Session

from rongrian.crypto.errors import MalformedKey
from rongrian.crypto.keys import X25519PrivateKey, parse_recovery_key
from rongrian.intake.audit import ChainReport, hash_at, verify_chain
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, WrongRecoveryKey
from rongrian.intake.models import Unit
from rongrian.intake.transfers import REASON_MAX, REASON_MIN, move_with_recovery_key
from rongrian.settings import from_environment

EXIT_BROKEN_CHAIN = 3

#: What each problem of :class:`ChainReport` means, in Thai and English.
PROBLEMS: dict[str, tuple[str, str]] = {
    "missing": ("รายการนี้หายไป (ถูกลบ)", "this entry is missing (deleted)"),
    "out_of_order": ("ลำดับรายการซ้ำหรือย้อนกลับ", "the sequence repeats or goes back"),
    "relinked": ("ค่าแฮชก่อนหน้าไม่ตรงกับรายการก่อนหน้า (มีการลบ แทรก หรือสลับลำดับ)",
                 "its previous hash is not the entry before's (entries removed, inserted or "
                 "reordered)"),
    "changed": ("เนื้อหาของรายการถูกแก้ไข (ค่าแฮชไม่ตรง)",
                "the entry was changed (its hash does not match)"),
    "truncated": ("รายการท้ายบันทึกถูกตัดออก (หัวบันทึกชี้ไปยังรายการที่ไม่มีแล้ว)",
                  "entries were cut from the end (the head names an entry no longer stored)"),
    "head_changed": ("หัวบันทึกถูกแก้ไขหรือลบ", "the head row was changed or deleted"),
}

Messages = Callable[[str, str, int], int]


def _sessions() -> Session:
    settings = from_environment()
    return make_session_factory(make_engine(settings.database_url))()


def report_lines(report: ChainReport) -> list[str]:
    """What ``rongrian audit verify`` prints for ``report`` (Thai first, then English)."""
    head = f"#{report.latest.seq} {report.latest.entry_hash}"
    if report.ok:
        return [f"ตรวจสอบแล้ว ถูกต้อง: {report.count:,} รายการ ล่าสุด {head}",
                f"OK: {report.count:,} entries verified; latest {head}"]
    th, en = PROBLEMS.get(report.problem or "", (report.problem or "", report.problem or ""))
    return [
        f"บันทึกการใช้งานไม่สมบูรณ์ ที่รายการที่ {report.broken_seq}: {th}",
        f"BROKEN at entry {report.broken_seq}: {en}",
        f"ถูกต้องถึงรายการที่ {report.latest.seq} / verified up to {head} "
        f"({report.count:,} entries)",
    ]


def _expected(text: str) -> tuple[int, str]:
    """``SEQ:HASH`` as printed on a summary (commas in SEQ and case of HASH ignored)."""
    seq, sep, digest = text.partition(":")
    digest = digest.strip().lower()
    if not sep or len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
        raise argparse.ArgumentTypeError(f"{text!r}: use SEQ:HASH, e.g. 42:{'0' * 64}")
    try:
        return int(seq.replace(",", "").strip()), digest
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r}: SEQ must be a number") from exc


def expectation_lines(session: Session, expected: list[tuple[int, str]]) -> list[str]:
    """One line per published hash that the stored chain no longer holds (empty if all do)."""
    lines = []
    for seq, digest in expected:
        stored = hash_at(session, seq)
        if stored != digest:
            found = stored or "ไม่มีรายการนี้ / no such entry"
            lines.append(f"รายการที่ {seq} ไม่ตรงกับค่าที่พิมพ์ไว้ / entry {seq} does not match "
                         f"the printed hash: expected {digest}, stored {found}")
    return lines


def cmd_audit_verify(args: argparse.Namespace) -> int:
    """``rongrian audit verify [--expect SEQ:HASH …]``: 0 and the count and latest hash, or 3
    and the first break (or each printed hash the log no longer holds)."""
    with _sessions() as session:
        report = verify_chain(session)
        mismatches = expectation_lines(session, args.expect or [])
    ok = report.ok and not mismatches
    stream = sys.stdout if ok else sys.stderr
    print("\n".join([*report_lines(report), *mismatches]), file=stream)
    return 0 if ok else EXIT_BROKEN_CHAIN


def _recovery_key(path: str) -> X25519PrivateKey:
    return parse_recovery_key(Path(path).read_text(encoding="utf-8"))


_UNIT_PROBLEMS = {
    "unknown": ("ไม่มีหน่วยงานรหัสนี้", "there is no active unit with this code"),
    "same": ("เรื่องอยู่ที่หน่วยงานนี้แล้ว", "the case is already at this unit"),
    "no_key_holders": ("หน่วยงานนี้ยังไม่มีเจ้าหน้าที่ที่ถือกุญแจ จึงไม่มีใครเปิดเรื่องได้",
                       "nobody holds this unit's key yet, so nobody could open the case"),
}


def _submission_problem(exc: InvalidSubmission, fail: Messages) -> int:
    if "unit" in exc.problems:
        th, en = _UNIT_PROBLEMS.get(exc.problems["unit"], ("หน่วยงานไม่ถูกต้อง", "invalid unit"))
        return fail(th, en, 2)
    return fail(f"กรุณาระบุเหตุผล {REASON_MIN}–{REASON_MAX} ตัวอักษร",
                f"give a reason of {REASON_MIN}-{REASON_MAX} characters", 2)


def cmd_move(args: argparse.Namespace, fail: Messages) -> int:
    """``rongrian cases reroute|escalate``: move a case with the recovery key."""
    escalation = args.cases_command == "escalate"
    try:
        recovery = _recovery_key(args.recovery_key_file)
    except OSError as exc:
        return fail("อ่านไฟล์กุญแจกู้คืนไม่ได้", f"cannot read the recovery key file: {exc}", 2)
    except MalformedKey:
        return fail("ไฟล์นี้ไม่ใช่กุญแจกู้คืน", "the file does not hold a recovery key", 2)
    with _sessions() as session:
        try:
            transfer = move_with_recovery_key(
                session, recovery, args.case_number, getattr(args, "unit", None), args.reason,
                escalation=escalation)
        except ComplaintNotFound:
            return fail(f"ไม่พบเรื่องเลขที่ {args.case_number}",
                        f"no case numbered {args.case_number}", 2)
        except WrongRecoveryKey:
            return fail("กุญแจกู้คืนนี้ไม่ใช่ของระบบนี้",
                        "this recovery key is not this installation's", 2)
        except InvalidSubmission as exc:
            return _submission_problem(exc, fail)
        session.commit()
        unit = session.get(Unit, transfer.to_unit_id)
        unit_code = unit.code if unit else ""
    verb = ("ยกระดับ", "escalated") if escalation else ("ย้าย", "moved")
    print(f"{verb[0]}เรื่อง {args.case_number} ไปยังหน่วยงาน {unit_code} แล้ว\n"
          f"Case {args.case_number} {verb[1]} to {unit_code}.")
    return 0


def add_commands(sub: "argparse._SubParsersAction[argparse.ArgumentParser]",
                 fail: Messages) -> None:
    """Add ``audit verify`` and ``cases reroute|escalate`` to the ``rongrian`` parser."""
    p_audit = sub.add_parser("audit", help="the audit log")
    audit_sub = p_audit.add_subparsers(dest="audit_command", required=True)
    p_verify = audit_sub.add_parser("verify", help="check the hash chain of the audit log")
    p_verify.add_argument("--expect", action="append", type=_expected, metavar="SEQ:HASH",
                          help="a hash printed on a summary that must still be in the log "
                               "(repeatable)")
    p_verify.set_defaults(func=cmd_audit_verify)
    p_cases = sub.add_parser("cases", help="move cases between units with the recovery key")
    cases_sub = p_cases.add_subparsers(dest="cases_command", required=True)
    p_reroute = cases_sub.add_parser("reroute", help="move a case to another unit")
    p_reroute.add_argument("case_number", help="e.g. 2568/000123")
    p_reroute.add_argument("unit", help="code of the receiving unit, e.g. FINANCE")
    p_escalate = cases_sub.add_parser(
        "escalate", help="move a case to the organisation-level unit")
    p_escalate.add_argument("case_number", help="e.g. 2568/000123")
    for parser in (p_reroute, p_escalate):
        parser.add_argument("--reason", required=True,
                            help=f"why ({REASON_MIN}-{REASON_MAX} characters; stored encrypted)")
        parser.add_argument("--recovery-key-file", required=True,
                            help="file holding the recovery key printed at set-up")
        parser.set_defaults(func=lambda args: cmd_move(args, fail))
