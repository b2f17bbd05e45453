"""The intake desk (เจ้าหน้าที่รับเรื่อง): complaints staff take down from other channels.

ITA lists the channels an agency must offer besides the web: telephone, letters, walking in,
suggestion boxes (ตู้รับฟังความคิดเห็น) and referrals from ศูนย์ดำรงธรรม, the 1111 centre, the NACC
(ป.ป.ช.) or another agency. A desk officer types what arrived; it is filed through the same core
as the web form (:func:`rongrian.intake.store.file_complaint`: routed, encrypted, sealed to the
unit and to the complainant's code) and **the officer gains no access to it**: nothing is sealed
to their key, so unless they are a member of the handling unit they cannot open it afterwards.

Rules (issue 8):
- The service clock starts on the day it was received: a date before today needs a reason, and
  both are audited. A date in the future, or before the start of the previous fiscal year (older
  paper belongs to the agency's old register, not to this system), is refused.
- A referral keeps its referring body and reference number (required), and for another agency
  its name, in clear: ITA and ศูนย์ดำรงธรรม ask what came from where.
- An anonymous letter with no way to reach the writer (บัตรสนเท่ห์) is filed with ``no_contact``:
  its tracking code is made, used once to wrap the data key, and dropped, never shown or kept.
"""

import enum
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import IO

from sqlalchemy.orm import Session

from rongrian.intake.attachments import attach_to_new_complaint
from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import Attachment, AuditAction, Channel, Complaint, StaffAccount
from rongrian.intake.store import Submission, clean_text, file_complaint
from rongrian.intake.thaidate import fiscal_year_bounds, fiscal_year_of

#: Channels a desk officer records (the web, QR and LINE channels file themselves).
DESK_CHANNELS = (Channel.PHONE, Channel.LETTER, Channel.WALK_IN, Channel.SUGGESTION_BOX,
                 Channel.REFERRAL)
#: Longest reason for a received date in the past, and longest reference number, in characters.
MAX_REASON = 500
MAX_REFERENCE = 64
MAX_AGENCY_NAME = 200


class ReferringBody(enum.StrEnum):
    """Who referred a complaint (DESIGN.md, domain word ``referral``)."""

    DAMRONGDHAM = "damrongdham"  # ศูนย์ดำรงธรรม
    CENTRE_1111 = "centre_1111"  # ศูนย์บริการประชาชน 1111
    NACC = "nacc"  # สำนักงาน ป.ป.ช.
    OTHER_AGENCY = "other_agency"


@dataclass(frozen=True)
class Referral:
    """The referring body, its reference number and (for another agency) the agency's name."""

    body: str
    reference: str
    agency: str = ""


@dataclass(frozen=True)
class DeskIntake:
    """What the desk officer typed: the complaint as the web form has it (``submission``, its
    channel one of :data:`DESK_CHANNELS`), the day it was received, the reason when that day is
    in the past, the referral (channel ``referral`` only) and whether there is no way to reach
    the complainant."""

    submission: Submission
    received_on: date
    backdating_reason: str = ""
    referral: Referral | None = None
    no_contact: bool = False


@dataclass(frozen=True)
class DeskReceipt:
    """What the officer is shown once: the case number and the tracking code (``None`` for a
    complaint with no contact)."""

    case_number: str
    tracking_code: str | None
    complaint_id: uuid.UUID
    attachments: list[Attachment] = field(default_factory=list)


def earliest_received_on(today: date) -> date:
    """The first day a received date may be: 1 October of the previous fiscal year."""
    return fiscal_year_bounds(fiscal_year_of(today) - 1)[0]


def _check_date(intake: DeskIntake, today: date, problems: dict[str, str]) -> str:
    reason = clean_text(intake.backdating_reason)
    if intake.received_on > today:
        problems["received_on"] = "future"
    elif intake.received_on < earliest_received_on(today):
        problems["received_on"] = "too_old"
    elif intake.received_on < today and not reason:
        problems["backdating_reason"] = "required"
    if len(reason) > MAX_REASON:
        problems["backdating_reason"] = "too_long"
    return reason


def _check_referral(intake: DeskIntake, problems: dict[str, str]) -> Referral | None:
    channel = intake.submission.channel
    if channel not in {c.value for c in DESK_CHANNELS}:
        problems["channel"] = "unknown"
        return None
    if channel != Channel.REFERRAL.value:
        return None
    given = intake.referral or Referral("", "")
    referral = Referral(given.body, clean_text(given.reference), clean_text(given.agency))
    if referral.body not in {body.value for body in ReferringBody}:
        problems["referral_body"] = "required"
    if not referral.reference:
        problems["referral_reference"] = "required"
    elif len(referral.reference) > MAX_REFERENCE:
        problems["referral_reference"] = "too_long"
    if referral.body == ReferringBody.OTHER_AGENCY and not referral.agency:
        problems["referral_agency"] = "required"
    elif len(referral.agency) > MAX_AGENCY_NAME:
        problems["referral_agency"] = "too_long"
    return referral


def take_down(session: Session, pepper: bytes, intake: DeskIntake, *, officer: StaffAccount,
              today: date | None = None, attachments_dir: Path | None = None,
              files: Sequence[tuple[IO[bytes], str]] = ()) -> DeskReceipt:
    """File what the desk officer typed; return the receipt to show once.

    Adds the complaint and an audit entry (``desk_intake``: case number, channel, received day,
    the reason when back-dated, the referring body) to ``session``; the caller commits. Raises
    :class:`InvalidSubmission` with every problem (the form's fields and ``received_on``:
    ``future``/``too_old``, ``backdating_reason``: ``required``/``too_long``, ``channel``:
    ``unknown``, ``referral_body``/``referral_reference``/``referral_agency``: ``required``/
    ``too_long``), nothing added. ``files`` (cleaned streams and their media types: a scanned
    letter, a photo of a note) are encrypted into ``attachments_dir`` like a web complaint's;
    the receipt's ``attachments`` lists their rows so the caller can delete them if its commit
    fails.
    """
    today = today or datetime.now(UTC).date()
    problems: dict[str, str] = {}
    reason = _check_date(intake, today, problems)
    referral = _check_referral(intake, problems)
    if problems:
        raise InvalidSubmission(problems)
    received_at = datetime.combine(intake.received_on, time(12), tzinfo=UTC)
    receipt = file_complaint(session, pepper, intake.submission, now=received_at)
    stored: list[Attachment] = []
    if files and attachments_dir is not None:
        stored = attach_to_new_complaint(session, pepper, receipt.tracking_code,
                                         attachments_dir, files, now=received_at)
    complaint = session.get_one(Complaint, receipt.complaint_id)
    if referral is not None:
        complaint.referral_body = referral.body
        complaint.referral_reference = referral.reference
        complaint.referral_agency = referral.agency or None
    detail: dict[str, str | int | bool | None] = {
        "case": receipt.case_number, "channel": complaint.channel.value,
        "received_on": intake.received_on.isoformat()}
    if reason:
        detail["backdated_because"] = reason
    if referral is not None:
        detail["referred_by"] = referral.body
    if intake.no_contact:
        detail["no_contact"] = True
    append_entry(session, AuditAction.DESK_INTAKE, Actor.of(officer), detail=detail)
    session.flush()
    code = None if intake.no_contact else receipt.tracking_code
    return DeskReceipt(receipt.case_number, code, receipt.complaint_id, stored)


def set_intake_desk(session: Session, account: StaffAccount, allowed: bool, *,
                    actor: Actor) -> bool:
    """Give ``account`` the intake-desk role (``allowed``) or take it away; audited as
    ``desk_role_changed`` when it changes. Returns whether it changed. The role opens nothing:
    it only lets the account take complaints down."""
    if account.intake_desk == allowed:
        return False
    account.intake_desk = allowed
    append_entry(session, AuditAction.DESK_ROLE_CHANGED, actor,
                 detail={"account": account.username, "intake_desk": allowed})
    session.flush()
    return True
