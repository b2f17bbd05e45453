"""``rongrian report-send --period last-quarter|<period> --kind general|corruption|both --to
executives|<address>`` (also spelt ``rongrian report send``): e-mail the period report
documents (issue 10 §4).

- ``last-quarter`` is the fiscal quarter before the one today falls in (Thai fiscal year from
  1 October; on 1 December 2569 BE that is ``2569-Q4``, July–September); any label
  :func:`rongrian.intake.reporting.parse_period` takes works too.
- ``executives``: every active account with the executive role and an e-mail address (set by an
  administrator; the daily-digest opt-out does not apply to reports). Each gets a message of
  their own.
- The documents come from one function, :func:`report_documents`: for each kind the memo as
  DOCX and PDF, and with both kinds the XLSX workbook (the files of ``rongrian report
  --format``). They hold counts and outcomes, and for the ``general`` kind overdue case
  numbers; never complaint content, and the ``corruption`` report counts only. The e-mail body
  names the period and the files, nothing more.
- Audited as ``report_sent`` (period, kinds, whom), and the documents print that entry's audit
  head like a download. A relay that fails before any message went out: nothing is recorded.

Exit codes: 0 sent; 1 not set up, e-mail off or misconfigured, the relay failed; 2 a bad
period, kind or address, or no executive has an address.
"""

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.message import EmailMessage

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin.period_docx import KIND_TITLES
from rongrian.admin.report_documents import build
from rongrian.admin.report_docx import canonical_label, period_name, period_range
from rongrian.admin.staff_email import email_problem
from rongrian.intake.audit import COMMAND_LINE, Actor, ChainHead, append_entry
from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.errors import InvalidPeriod, SetupError
from rongrian.intake.models import AuditAction, Installation, Role, StaffAccount
from rongrian.intake.period_report import ReportKind, build_report
from rongrian.intake.reporting import Period, parse_period
from rongrian.intake.thaidate import fiscal_year_of
from rongrian.mail import MailError, MailSettings, compose, named_address, send
from rongrian.mail import settings_from_environment as mail_settings
from rongrian.settings import from_environment

Fail = Callable[..., int]
#: ``--kind`` and the reports it sends.
KINDS: dict[str, tuple[ReportKind, ...]] = {
    "general": (ReportKind.GENERAL,), "corruption": (ReportKind.CORRUPTION,),
    "both": (ReportKind.GENERAL, ReportKind.CORRUPTION)}
#: An attachment: (file name, MIME type, bytes), as :func:`rongrian.mail.compose` takes it.
Document = tuple[str, str, bytes]


def last_quarter(today: date) -> str:
    """The label of the fiscal quarter before the one containing ``today`` (``2569-Q4`` for
    1 December 2026, which is in 2570-Q1)."""
    quarter = ((today.month - 10) % 12) // 3 + 1
    year = fiscal_year_of(today)
    return f"{year - 1}-Q4" if quarter == 1 else f"{year}-Q{quarter - 1}"


def resolve_period(text: str, today: date) -> Period:
    """``last-quarter`` or a period label; raises :class:`InvalidPeriod`."""
    if text.strip().lower() == "last-quarter":
        return parse_period(last_quarter(today))
    return parse_period(text)


def report_documents(session: Session, period: Period, kinds: Sequence[ReportKind], *,
                     as_of: date, audit_head: ChainHead) -> list[Document]:
    """The documents of ``period``'s reports of ``kinds``, as e-mail attachments, all from
    :func:`rongrian.admin.report_documents.build` (the files ``rongrian report --format`` and
    the executive page give): for each kind the memo as DOCX and as PDF (Thai font embedded),
    and with both kinds the workbook (XLSX) that holds both. Raises :class:`InvalidPeriod`
    for a period before the agency's first fiscal year."""
    documents: list[Document] = []
    for kind in kinds:
        report = build_report(session, period, kind, as_of=as_of)
        for fmt in ("docx", "pdf"):
            built = build(session, period, kind, fmt, audit_head=audit_head, today=as_of,
                          report=report)
            documents.append((built.filename, built.media_type, built.data))
    if set(kinds) == set(ReportKind):  # the workbook holds both kinds: sent with both only
        built = build(session, period, ReportKind.GENERAL, "xlsx", audit_head=audit_head,
                      today=as_of)
        documents.append((built.filename, built.media_type, built.data))
    return documents


@dataclass(frozen=True)
class Delivery:
    """What to send: the period, the kinds, and the ``(name, address)`` recipients."""

    period: Period
    kinds: tuple[ReportKind, ...]
    recipients: list[tuple[str, str]]
    to: str


def executives(session: Session) -> list[tuple[str, str]]:
    """``(display name, address)`` of active executives with an address, by user name."""
    return [(account.display_name, account.email or "") for account in session.scalars(
        select(StaffAccount).where(StaffAccount.role == Role.EXECUTIVE, StaffAccount.active,
                                   StaffAccount.email.is_not(None))
        .order_by(StaffAccount.username))]


def report_body(delivery: Delivery, organisation: str, documents: list[Document]) -> str:
    """The message body: which period and which files, in Thai then English; no figures."""
    period, label = delivery.period, canonical_label(delivery.period)
    names = [name for name, _, _ in documents]
    titles = [f"- รายงาน{KIND_TITLES[kind]}" for kind in delivery.kinds]
    return "\n".join([
        f"ส่งรายงานสถิติเรื่องร้องเรียน {period_name(period)} ({period_range(period)}) "
        f"ของ{organisation} มาพร้อมนี้", *titles,
        "ไฟล์แนบ: " + ", ".join(names), "",
        "รายงานแสดงจำนวนและผลการดำเนินการเท่านั้น ไม่มีเนื้อหาของเรื่องร้องเรียนและไม่มีข้อมูลผู้ร้อง "
        "ผู้บริหารรับทราบรายงานและอนุญาตให้เผยแพร่ได้ที่หน้ารายงานในระบบ", "", "----",
        f"Complaint statistics of {organisation} for {period_name(period, 'en')} ({label}, "
        f"{period.start.isoformat()} – {period.end.isoformat()}): " + ", ".join(names) + ".",
        "Counts and outcomes only: no complaint content, nothing about who complained. "
        "Executives acknowledge a report and permit its publication on the report page of "
        "the system.", ""])


def _messages(mail: MailSettings, delivery: Delivery, organisation: str,
              documents: list[Document]) -> list[EmailMessage]:
    subject = (f"รายงานสถิติเรื่องร้องเรียน {period_name(delivery.period)} / Complaint "
               f"statistics {canonical_label(delivery.period)}")
    body = report_body(delivery, organisation, documents)
    return [compose(mail, to=named_address(name, address) if name else address,
                    subject=subject, body=body, attachments=tuple(documents))
            for name, address in delivery.recipients]


def _deliver(session: Session, mail: MailSettings, delivery: Delivery, fail: Fail) -> int:
    installation = session.scalars(select(Installation)).first()
    if installation is None:
        raise SetupError("not set up: run `rongrian init` first")
    organisation = installation.organisation_name
    entry = append_entry(session, AuditAction.REPORT_SENT, Actor(None, COMMAND_LINE), detail={
        "period": canonical_label(delivery.period),
        "kinds": ",".join(kind.value for kind in delivery.kinds),
        "to": delivery.to, "recipients": len(delivery.recipients)})
    try:
        documents = report_documents(
            session, delivery.period, delivery.kinds, as_of=datetime.now(UTC).date(),
            audit_head=ChainHead(entry.seq, entry.entry_hash.hex()))
    except InvalidPeriod:
        label = canonical_label(delivery.period)
        return fail(f"รอบรายงาน {label} อยู่ก่อนปีงบประมาณแรกของหน่วยงาน",
                    f"period {label} is before the agency's first fiscal year")
    messages = _messages(mail, delivery, organisation, documents)
    sent: list[EmailMessage] = []
    try:
        send(mail, messages, on_sent=sent.append)
    except MailError as exc:
        if sent:
            session.commit()  # some executives have it: the audit log says it was sent
        return fail(f"ส่งรายงานไม่สำเร็จ (ส่งแล้ว {len(sent)} จาก {len(messages)} ฉบับ)", str(exc), 1)
    session.commit()
    files = ", ".join(name for name, _, _ in documents)
    print(f"{len(sent)} message(s) sent ({delivery.to}): {files}")
    return 0


def cmd_report_send(args: argparse.Namespace, fail: Fail) -> int:
    """E-mail the reports of ``--period`` and ``--kind`` to ``--to``."""
    try:
        period = resolve_period(args.period, datetime.now(UTC).date())
    except InvalidPeriod:
        examples = "last-quarter, 2569, 2569-Q1, 2569-H1, 2569-10"
        return fail(f"รอบรายงาน {args.period!r} ไม่ถูกต้อง ใช้ เช่น {examples}",
                    f"period {args.period!r} is not valid; use e.g. {examples}")
    to = args.to.strip()
    if to != "executives" and (not to or email_problem(to) is not None):
        return fail(f"ผู้รับ {args.to!r} ไม่ถูกต้อง ใช้ executives หรือที่อยู่อีเมลหนึ่งที่อยู่",
                    f"recipient {args.to!r} is not valid: use executives or one e-mail address")
    try:
        mail = mail_settings()
    except MailError as exc:
        return fail("ตั้งค่าอีเมลไม่ถูกต้อง", str(exc), 1)
    if mail is None:
        return fail("อีเมลปิดอยู่ (ไม่ได้ตั้ง RONGRIAN_SMTP_HOST) ไม่ได้ส่งรายงาน",
                    "e-mail is off (RONGRIAN_SMTP_HOST is unset): no report sent", 1)
    factory = make_session_factory(make_engine(from_environment().database_url))
    with factory() as session:
        recipients = executives(session) if to == "executives" else [("", to)]
        if not recipients:
            return fail("ไม่มีผู้บริหารที่มีที่อยู่อีเมล ให้ผู้ดูแลระบบใส่อีเมลในหน้าบัญชีของผู้บริหาร",
                        "no executive has an e-mail address: an administrator sets it on the "
                        "executive's account page (or `rongrian staff email`)")
        return _deliver(session, mail, Delivery(period, KINDS[args.kind], recipients, to), fail)


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", fail: Fail) -> None:
    """Add ``report-send`` to the ``rongrian`` parser; ``fail(th, en, code)`` prints an error."""
    parser = sub.add_parser("report-send", help="e-mail the report documents (also `report send`)")
    parser.add_argument("--period", required=True,
                        help="last-quarter, or 2569, 2569-Q1, 2569-H1, 2569-10")
    parser.add_argument("--kind", choices=sorted(KINDS), default="both",
                        help="general, corruption or both (default both)")
    parser.add_argument("--to", required=True,
                        help="executives (every executive with an e-mail address) or an address")
    parser.set_defaults(func=lambda args: cmd_report_send(args, fail))


def spelt_as_report_send(argv: Sequence[str]) -> list[str]:
    """``report send …`` (issue 10's spelling) read as ``report-send …``; other argv as is."""
    words = list(argv)
    return ["report-send", *words[2:]] if words[:2] == ["report", "send"] else words


__all__ = ["KINDS", "Delivery", "executives", "last_quarter", "register", "report_body",
           "report_documents", "resolve_period", "spelt_as_report_send"]
