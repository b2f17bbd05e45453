"""The complainant's side of a finished case, through the tracking code alone (issue 9 §3-4):
what they filed, saying "not fixed" (a reopen) and rating the handling.

- **Reopen**: within :data:`~rongrian.intake.workflow.REOPEN_WINDOW_DAYS` days of the case
  finishing, with a message; the case goes back to ``in_progress``, ``Complaint.reopen_count``
  goes up (the reports count it: :func:`reopen_count`), ``Complaint.reopened_on`` marks it in
  the unit's queue until it finishes again, and a ``reopen`` thread entry holds the message.
- **Rating**: 1–5 with an optional comment, once the case is finished (any time after); a
  later rating replaces the earlier. The comment is encrypted under the complaint's current
  data-key generation (:func:`rating_aad`); the score is clear so the satisfaction figure can be
  reported without opening cases.

Both are audited without an actor name (``complainant``) and without any text. Functions only
flush; the caller commits.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rongrian.intake import envelope
from rongrian.intake.attachments import AttachmentInfo, OpenedAttachment, open_verified
from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.closing import agency_files
from rongrian.intake.duplicates import MergedInto, merged_into
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission
from rongrian.intake.models import (
    Attachment,
    AuditAction,
    Complaint,
    EventKind,
    Rating,
    Status,
)
from rongrian.intake.store import (
    LIMITS,
    ComplainantView,
    append_event,
    clean_text,
    unlock_by_code,
)
from rongrian.intake.workflow import FINISHED, information_open, reopen_until

#: Longest rating comment, in characters.
COMMENT_MAX = 2_000
SCORES = range(1, 6)
#: The audit log's actor for what a tracking-code holder did (no account, no name).
COMPLAINANT = Actor(None, "complainant")


def rating_aad(complaint_id: uuid.UUID, generation: int) -> bytes:
    """Associated data of a rating's encrypted comment (the complaint and key generation)."""
    return envelope.with_generation(b"complaint-rating:" + complaint_id.bytes, generation)


@dataclass(frozen=True)
class Standing:
    """What the code holder may do now, and what they filed (decrypted with their code)."""

    filed: dict[str, str]
    reopen_until: date | None
    can_reopen: bool
    information_open: bool
    can_rate: bool
    rating: int | None
    #: Ids of the attachments the agency sent (the "after" photos), among the case's files.
    agency_files: frozenset[uuid.UUID] = frozenset()
    #: The original case this one was joined with (issue 9 §1): its number and status only.
    merged_into: MergedInto | None = None


def standing(session: Session, pepper: bytes, code_text: str, *, today: date | None = None,
             view: ComplainantView | None = None,
             files: Sequence[AttachmentInfo] | None = None) -> Standing:
    """The complainant's filed text and the actions open to them today. ``view`` (from
    :func:`~rongrian.intake.store.read_thread`) and ``files`` (from
    :func:`~rongrian.intake.attachments.files_by_code`), read in the same session for the same
    code, save reading the rating and the agency's files again. Raises
    ``MalformedTrackingCode`` or ``ComplaintNotFound``."""
    today = today or datetime.now(UTC).date()
    complaint, data_keys = unlock_by_code(session, pepper, code_text)
    content = envelope.decrypt_record(data_keys.of(1), complaint.content,
                                      envelope.content_aad(complaint.id))
    filed = {field: str(content.get(field) or "") for field in
             ("what_happened", "when_happened", "where_happened", "who_involved")}
    until = reopen_until(complaint.status, complaint.finished_on)
    if view is not None:
        score = view.rating
    else:
        rating = session.get(Rating, complaint.id)
        score = rating.score if rating else None
    merged = merged_into(complaint)  # a duplicate follows its original (issue 9 §1)
    source = complaint.duplicate_of or complaint
    return Standing(
        filed=filed,
        reopen_until=until,
        can_reopen=merged is None and until is not None and today <= until,
        information_open=information_open(source.status, source.finished_on, today),
        can_rate=merged is None and complaint.status in FINISHED,
        rating=score,
        agency_files=frozenset(agency_files(session, complaint.id) if files is None
                               else (item.id for item in files if item.from_agency)),
        merged_into=merged,
    )


def reopen(session: Session, pepper: bytes, code_text: str, text: Any, *,
           now: datetime | None = None) -> None:
    """Say the finished case is not fixed: it goes back to ``in_progress`` with the message.

    Raises ``MalformedTrackingCode``, ``ComplaintNotFound`` or :class:`InvalidSubmission`:
    ``{"reopen": "required" | "too_long" | "invalid"}`` (the message), ``{"reopen":
    "not_finished"}`` (never finished, or open again), ``{"reopen": "window_closed"}`` (more
    than the window after it finished), ``{"reopen": "duplicate"}`` (a case joined with another
    one: issue 9 §1). Nothing changes on error.
    """
    now = now or datetime.now(UTC)
    cleaned = _message(text, "reopen", LIMITS["information"], required=True)
    complaint, data_keys = unlock_by_code(session, pepper, code_text, upgrade=True)
    if complaint.duplicate_of_id is not None:  # followed in its original (issue 9 §1)
        raise InvalidSubmission({"reopen": "duplicate"})
    until = reopen_until(complaint.status, complaint.finished_on)
    if until is None:
        raise InvalidSubmission({"reopen": "not_finished"})
    if now.date() > until:
        raise InvalidSubmission({"reopen": "window_closed"})
    append_entry(session, AuditAction.CASE_REOPENED, COMPLAINANT, complaint=complaint,
                 detail={"from": complaint.status.value, "to": Status.IN_PROGRESS.value},
                 now=now)
    append_event(session, complaint, data_keys, EventKind.REOPEN, {"text": cleaned}, now=now,
                 status=Status.IN_PROGRESS)
    complaint.status = Status.IN_PROGRESS
    complaint.finished_on = None
    complaint.reopen_count += 1
    complaint.reopened_on = now.date()
    complaint.updated_on = now.date()
    session.flush()


def rate(session: Session, pepper: bytes, code_text: str, score: Any, comment: Any = "", *,
         now: datetime | None = None) -> None:
    """Rate the handling of a finished case 1–5 with an optional comment (replaces an earlier
    rating).

    Raises ``MalformedTrackingCode``, ``ComplaintNotFound`` or :class:`InvalidSubmission`:
    ``{"rating": "out_of_range"}`` (not a whole number 1–5), ``{"rating": "not_finished" |
    "duplicate"}``,
    ``{"comment": "too_long" | "invalid"}``. Nothing changes on error.
    """
    now = now or datetime.now(UTC)
    if isinstance(score, bool) or not isinstance(score, int) or score not in SCORES:
        raise InvalidSubmission({"rating": "out_of_range"})
    cleaned = _message(comment, "comment", COMMENT_MAX, required=False)
    complaint, data_keys = unlock_by_code(session, pepper, code_text, upgrade=True)
    if complaint.duplicate_of_id is not None:  # rated in its original (issue 9 §1)
        raise InvalidSubmission({"rating": "duplicate"})
    if complaint.status not in FINISHED:
        raise InvalidSubmission({"rating": "not_finished"})
    row = session.get(Rating, complaint.id)
    if row is None:
        row = Rating(complaint_id=complaint.id)
        session.add(row)
    row.score = score
    row.rated_on = now.date()
    row.key_generation = data_keys.generation
    row.comment = envelope.encrypt_record(data_keys.current, {"comment": cleaned},
                                          rating_aad(complaint.id, data_keys.generation))
    append_entry(session, AuditAction.CASE_RATED, COMPLAINANT, complaint=complaint, now=now)
    session.flush()


def _message(value: Any, field: str, limit: int, *, required: bool) -> str:
    if not isinstance(value, str):
        raise InvalidSubmission({field: "invalid"})
    cleaned = clean_text(value)
    if required and not cleaned:
        raise InvalidSubmission({field: "required"})
    if len(cleaned) > limit:
        raise InvalidSubmission({field: "too_long"})
    return cleaned


def reopen_count(session: Session, complaint_ids: list[uuid.UUID] | None = None) -> int:
    """Reopens counted so far (all complaints, or those of ``complaint_ids``): for reports."""
    query = select(func.coalesce(func.sum(Complaint.reopen_count), 0))
    if complaint_ids is not None:
        query = query.where(Complaint.id.in_(complaint_ids))
    return int(session.scalar(query) or 0)


def rating_comment(complaint: Complaint, keys: dict[int, bytes], row: Rating) -> str:
    """A rating's comment, decrypted with the complaint's data keys (``keys[generation]``)."""
    record = envelope.decrypt_record(keys[row.key_generation], row.comment,
                                     rating_aad(complaint.id, row.key_generation))
    return str(record["comment"])


def open_agency_photo(session: Session, pepper: bytes, code_text: str,
                      attachment_id: uuid.UUID, attachments_dir: Path) -> OpenedAttachment:
    """An "after" photo the agency sent with a reply, opened with the tracking code and
    authenticated whole. Raises ``MalformedTrackingCode``, ``ComplaintNotFound`` (also for an
    attachment that is not the agency's photo of this case) or ``AttachmentUnavailable``."""
    complaint, data_keys = unlock_by_code(session, pepper, code_text)
    row = session.get(Attachment, attachment_id)
    if row is None or row.id not in agency_files(session, complaint.id):
        raise ComplaintNotFound
    return open_verified(complaint, data_keys, row, attachments_dir)
