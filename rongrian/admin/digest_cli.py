"""``rongrian digest send [--date YYYY-MM-DD] [--dry-run]``: the daily digest by e-mail
(issue 9 §2; who gets what: :mod:`rongrian.intake.digest`).

Each member of each unit with an e-mail address gets one plain-text message per unit (Thai, then
English) holding counts and case numbers only: no complaint content, no category, no tracking
code, no complainant. A digest with nothing in it is recorded but not sent. Every message is
recorded right after the relay accepted it, so a second run the same day sends nothing again and
a run stopped half-way (a crash, a relay that went down) sends only the rest next time.

Mail is off unless ``RONGRIAN_SMTP_HOST`` is set: the command then says so and sends nothing
(exit 0, so an enabled timer does no harm). ``--dry-run`` shows who would get what and changes
nothing (no relay needed). One line of progress per unit.

Exit codes: 0 done; 1 not set up, bad ``RONGRIAN_SMTP_*`` settings, the relay could not be
reached or refused a recipient (what was sent stays recorded; the rest goes on the next run);
2 a bad ``--date``.
"""

import argparse
import smtplib
from collections.abc import Callable
from datetime import UTC, date, datetime
from email.message import EmailMessage

from sqlalchemy.orm import Session

from rongrian.intake.db import make_engine, make_session_factory
from rongrian.intake.digest import (
    DUE_SOON_WORKING_DAYS,
    CaseNumbers,
    MemberDigest,
    UnitPlan,
    plan,
    record,
)
from rongrian.mail import MailError, MailSettings, compose, named_address, send
from rongrian.mail import settings_from_environment as mail_settings
from rongrian.settings import from_environment
from rongrian.web.thaidates import long_thai_date

Fail = Callable[..., int]



def _lines_th(title: str, numbers: CaseNumbers) -> list[str]:
    lines = [f"{title}: {numbers.count} เรื่อง"]
    if numbers.numbers:
        lines.append("  " + ", ".join(numbers.numbers))
    if numbers.more:
        lines.append(f"  และอีก {numbers.more} เรื่อง (ดูในระบบ)")
    if numbers.whistleblower:
        lines.append(f"  เรื่องแจ้งเบาะแสการทุจริต {numbers.whistleblower} เรื่อง "
                     "(ไม่แสดงเลขที่ในอีเมล ดูในระบบ)")
    return lines


def _line_en(title: str, numbers: CaseNumbers) -> str:
    tips = (f" ({numbers.whistleblower} whistleblower case(s): numbers not e-mailed)"
            if numbers.whistleblower else "")
    return f"{title}: {numbers.count}{tips}"


def digest_body(digest: MemberDigest, staff_url: str) -> str:
    """The plain-text body: the four lists in Thai with case numbers, their counts in English,
    where to open the system, and what the message never holds."""
    since, until = digest.new_since, digest.due_soon_until
    new_th = (f"เรื่องใหม่ (รับเมื่อวันที่ {long_thai_date(since)})" if (digest.day - since).days == 1
              else f"เรื่องใหม่ (รับตั้งแต่วันที่ {long_thai_date(since)})")
    lines = [f"เรียน {digest.recipient.display_name}", "",
             f"สรุปเรื่องของ{digest.unit_name_th} ประจำวันที่ {long_thai_date(digest.day)}", "",
             *_lines_th(new_th, digest.new),
             *_lines_th(f"ใกล้ครบกำหนด (ภายใน {DUE_SOON_WORKING_DAYS} วันทำการ ถึงวันที่ "
                        f"{long_thai_date(until)})", digest.due_soon),
             *_lines_th("เกินกำหนด", digest.overdue),
             *_lines_th("มอบหมายให้ท่าน (ยังไม่เสร็จ)", digest.assigned), "",
             f"เปิดระบบ: {staff_url}", "",
             "อีเมลนี้มีเพียงจำนวนและเลขที่เรื่อง ไม่มีเนื้อหาของเรื่องร้องเรียนและไม่มีข้อมูลผู้ร้อง "
             "หากไม่ต้องการรับสรุปประจำวัน แจ้งผู้ดูแลระบบ", "", "----",
             f"Daily digest of {digest.unit_name_en}, {digest.day.isoformat()} "
             "(case numbers above)",
             _line_en(f"New (received since {since.isoformat()})", digest.new),
             _line_en(f"Due within {DUE_SOON_WORKING_DAYS} working days (by "
                      f"{until.isoformat()})", digest.due_soon),
             _line_en("Overdue", digest.overdue),
             _line_en("Assigned to you (open)", digest.assigned), "",
             f"Open the system: {staff_url}",
             "This e-mail holds counts and case numbers only, never complaint content or who "
             "complained. To stop it, ask your administrator."]
    return "\n".join(lines) + "\n"


def digest_message(settings: MailSettings, digest: MemberDigest, staff_url: str
                   ) -> EmailMessage:
    """The message of ``digest`` to its recipient."""
    subject = (f"สรุปเรื่องร้องเรียนประจำวันที่ {long_thai_date(digest.day)} – {digest.unit_name_th} / "
               f"Daily digest {digest.day.isoformat()}")
    to = named_address(digest.recipient.display_name, digest.recipient.email)
    return compose(settings, to=to, subject=subject, body=digest_body(digest, staff_url))


def _counts(digest: MemberDigest) -> str:
    return (f"new {digest.new.count}, due soon {digest.due_soon.count}, overdue "
            f"{digest.overdue.count}, assigned {digest.assigned.count}")


def _dry_run(plans: list[UnitPlan]) -> None:
    for unit in plans:
        print(f"{unit.unit_code} {unit.unit_name_th}: {len(unit.digests)} to send, "
              f"{unit.done} already sent today, {unit.no_address} without e-mail (dry run)")
        for digest in unit.digests:
            state = "nothing to report" if digest.is_empty() else _counts(digest)
            print(f"  {digest.recipient.username} <{digest.recipient.email}>: {state}")


def _refused(error: MailError) -> bool:
    return isinstance(error.__cause__, smtplib.SMTPRecipientsRefused)


class _Run:
    """One sending run: records each accepted message at once and keeps the counts."""

    def __init__(self, session: Session, settings: MailSettings, staff_url: str) -> None:
        self.session, self.settings, self.staff_url = session, settings, staff_url
        self.refused: list[str] = []

    def _record(self, digest: MemberDigest, *, emailed: bool) -> None:
        record(self.session, digest, emailed=emailed, now=datetime.now(UTC))
        self.session.commit()

    def _send_once(self, pending: list[tuple[EmailMessage, MemberDigest]]
                   ) -> tuple[int, MailError | None]:
        """Send ``pending`` in order over one connection, recording each message the relay
        accepted; returns how many it accepted and the error that stopped it, if any."""
        digests = {id(message): digest for message, digest in pending}
        accepted = 0

        def accept(message: EmailMessage) -> None:
            nonlocal accepted
            self._record(digests[id(message)], emailed=True)
            accepted += 1

        try:
            send(self.settings, [message for message, _ in pending], on_sent=accept)
        except MailError as exc:
            return accepted, exc
        return accepted, None

    def unit(self, unit: UnitPlan) -> tuple[int, int]:
        """Send one unit's digests; returns (sent, empty). A recipient the relay refuses is
        noted in :attr:`refused` and skipped; any other failure raises :class:`MailError`."""
        empty = [d for d in unit.digests if d.is_empty()]
        for digest in empty:
            self._record(digest, emailed=False)
        pending = [(digest_message(self.settings, d, self.staff_url), d)
                   for d in unit.digests if not d.is_empty()]
        sent = 0
        while pending:
            accepted, error = self._send_once(pending)
            sent += accepted
            if error is None:
                break
            if not _refused(error):
                raise error
            refused = pending[accepted][1].recipient
            self.refused.append(f"{refused.username} <{refused.email}>")
            pending = pending[accepted + 1:]
        return sent, len(empty)


def _send(session: Session, settings: MailSettings, staff_url: str, plans: list[UnitPlan],
          fail: Fail) -> int:
    run = _Run(session, settings, staff_url)
    for unit in plans:
        try:
            sent, empty = run.unit(unit)
        except MailError as exc:
            print(f"{unit.unit_code}: stopped", flush=True)
            return fail("ส่งสรุปประจำวันไม่สำเร็จ ฉบับที่ส่งแล้วบันทึกไว้ ที่เหลือจะส่งเมื่อสั่งอีกครั้ง",
                        f"{exc} — the digests sent so far are recorded; run again to send the "
                        "rest", 1)
        print(f"{unit.unit_code} {unit.unit_name_th}: {sent} sent, {empty} with nothing to "
              f"report, {unit.done} already sent today, {unit.no_address} without e-mail",
              flush=True)
    if run.refused:
        return fail("เซิร์ฟเวอร์อีเมลไม่รับที่อยู่ของ " + ", ".join(run.refused),
                    "the relay refused " + ", ".join(run.refused) + ": correct the address on "
                    "the account page (the others were sent)", 1)
    return 0


def _day(text: str | None) -> date | None:
    """``--date`` as a day (``None`` when it is not ``YYYY-MM-DD``); today (UTC) if unset."""
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def cmd_digest_send(args: argparse.Namespace, fail: Fail) -> int:
    """Send (or with ``--dry-run`` show) the digests of ``--date`` (default today, UTC)."""
    day = _day(args.date)
    if day is None:
        return fail(f"วันที่ {args.date!r} ไม่ถูกต้อง ใช้รูปแบบ YYYY-MM-DD (ค.ศ.) เช่น 2026-12-01",
                    f"date {args.date!r} is not valid: use YYYY-MM-DD, e.g. 2026-12-01")
    try:
        mail = mail_settings()
    except MailError as exc:
        return fail("ตั้งค่าอีเมลไม่ถูกต้อง", str(exc), 1)
    if mail is None and not args.dry_run:
        print("อีเมลปิดอยู่ (ไม่ได้ตั้ง RONGRIAN_SMTP_HOST) ไม่ได้ส่งอะไร\n"
              "E-mail is off (RONGRIAN_SMTP_HOST is unset): nothing sent.")
        return 0
    settings = from_environment()
    factory = make_session_factory(make_engine(settings.database_url))
    with factory() as session:
        plans = plan(session, day)
        if args.dry_run or mail is None:
            _dry_run(plans)
            return 0
        return _send(session, mail, settings.public_base_url.rstrip("/") + "/staff/", plans,
                     fail)


def register(sub: "argparse._SubParsersAction[argparse.ArgumentParser]", fail: Fail) -> None:
    """Add ``digest send`` to the ``rongrian`` parser; ``fail(th, en, code)`` prints an error."""
    digest = sub.add_parser("digest", help="the daily digest e-mail to unit members")
    dsub = digest.add_subparsers(dest="digest_command", required=True)
    send_parser = dsub.add_parser("send", help="e-mail today's digest (once a day per member)")
    send_parser.add_argument("--date", help="the digest's day, YYYY-MM-DD (default today, UTC)")
    send_parser.add_argument("--dry-run", action="store_true",
                             help="show who would get what; send and record nothing")
    send_parser.set_defaults(func=lambda args: cmd_digest_send(args, fail))
