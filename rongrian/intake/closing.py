"""Status and message in one step, and closing with reasons (issue 9 §3).

:func:`move_case` is the staff path for a status change: a status that finishes the case
(:data:`~rongrian.intake.workflow.FINISHED`: resolved, closed, rejected) requires a message to
the complainant (the reason, or what was done), posted as a reply they read with their code; for
a category marked ``needs_evidence`` resolving requires an "after" photo, already cleaned by the
adapter, stored encrypted as an attachment of that reply under the complaint's current data key.
(:func:`rongrian.intake.casework.change_status` stays the bare move for imports and tests.)

Reply templates: each unit keeps stock messages (:class:`~rongrian.intake.models.ReplyTemplate`)
that its members add and delete; a chosen one fills the message field.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.attachments import Attachment, discard_files, store_attachment
from rongrian.intake.audit import actor_of, append_entry
from rongrian.intake.casework import case_for_member, change_status, data_keys_of, reply
from rongrian.intake.errors import InvalidSubmission, InvalidTransition
from rongrian.intake.keyring import UnlockedAccount, unit_ids_of
from rongrian.intake.models import AuditAction, CaseEvent, EventKind, ReplyTemplate, Status
from rongrian.intake.store import LIMITS, clean_text
from rongrian.intake.workflow import FINISHED, TRANSITIONS

TEMPLATE_TITLE_MAX = 100
#: What an "after" photo may be once cleaned (HEIC arrives converted to JPEG).
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})


def move_case(
    session: Session,
    unlocked: UnlockedAccount,
    complaint_id: uuid.UUID,
    target: Status,
    *,
    note: str = "",
    message: str = "",
    evidence: Sequence[tuple[IO[bytes], str]] = (),
    attachments_dir: Path | None = None,
    now: datetime | None = None,
) -> list[Attachment]:
    """Change the status with an internal ``note`` and, when given, a ``message`` to the
    complainant; return the evidence attachments stored (the caller deletes their files if it
    rolls back: :func:`rongrian.intake.attachments.discard_files`).

    Raises ``ComplaintNotFound``, ``KeyNotGranted``, ``InvalidTransition`` or
    :class:`InvalidSubmission`: ``{"message": "required"}`` (a finishing status without a
    message), ``{"message": "too_long"}``, ``{"evidence": "required"}`` (resolving a
    ``needs_evidence`` category without a photo), ``{"evidence": "not_photo"}``, or the note's
    problems. Checked before anything is written.
    """
    now = now or datetime.now(UTC)
    complaint = case_for_member(session, unlocked.account_id, complaint_id)
    if target not in TRANSITIONS[complaint.status]:
        raise InvalidTransition(f"{complaint.status.value} -> {target.value}")
    cleaned = clean_text(message)
    if target in FINISHED and not cleaned:
        raise InvalidSubmission({"message": "required"})
    if len(cleaned) > LIMITS["reply"]:
        raise InvalidSubmission({"message": "too_long"})
    if any(media_type not in PHOTO_TYPES for _stream, media_type in evidence):
        raise InvalidSubmission({"evidence": "not_photo"})
    if target is Status.RESOLVED and complaint.category.needs_evidence and not evidence:
        raise InvalidSubmission({"evidence": "required"})
    if evidence and not cleaned:
        raise InvalidSubmission({"message": "required"})
    change_status(session, unlocked, complaint_id, target, note, now=now)
    if not cleaned:
        return []
    reply(session, unlocked, complaint_id, cleaned, now=now)
    if not evidence or attachments_dir is None:
        return []
    event = session.scalars(select(CaseEvent).where(CaseEvent.complaint_id == complaint.id)
                            .order_by(CaseEvent.seq.desc()).limit(1)).one()
    data_keys = data_keys_of(session, unlocked, complaint)
    stored: list[Attachment] = []
    try:
        for stream, media_type in evidence:
            stored.append(store_attachment(session, attachments_dir, complaint, data_keys,
                                           stream, media_type, event_id=event.id, now=now))
    except BaseException:
        discard_files(attachments_dir, stored)
        raise
    return stored


def agency_files(session: Session, complaint_id: uuid.UUID) -> set[uuid.UUID]:
    """Ids of the attachments that came with the agency's replies (the "after" photos), as
    opposed to the complainant's own files."""
    return set(session.scalars(
        select(Attachment.id)
        .join(CaseEvent, CaseEvent.id == Attachment.event_id)
        .where(Attachment.complaint_id == complaint_id, CaseEvent.kind == EventKind.REPLY)
    ))


@dataclass(frozen=True)
class TemplateChoice:
    """A reply template as the case page offers it."""

    id: int
    title: str
    body: str


def templates_for(session: Session, unit_id: int) -> list[TemplateChoice]:
    """The reply templates of ``unit_id``, by title."""
    rows = session.scalars(select(ReplyTemplate).where(ReplyTemplate.unit_id == unit_id)
                           .order_by(ReplyTemplate.title, ReplyTemplate.id))
    return [TemplateChoice(row.id, row.title, row.body) for row in rows]


def save_template(session: Session, account_id: int, unit_id: int, title: str, body: str
                  ) -> ReplyTemplate:
    """Add a reply template to a unit the account is a member of. Audited.

    Raises :class:`InvalidSubmission` (``{"title"|"body": "required"|"too_long"}``,
    ``{"unit": "not_member"}``).
    """
    if unit_id not in unit_ids_of(session, account_id):
        raise InvalidSubmission({"unit": "not_member"})
    title, body = clean_text(title), clean_text(body)
    for field, value, limit in (("title", title, TEMPLATE_TITLE_MAX),
                                ("body", body, LIMITS["reply"])):
        if not value:
            raise InvalidSubmission({field: "required"})
        if len(value) > limit:
            raise InvalidSubmission({field: "too_long"})
    row = ReplyTemplate(unit_id=unit_id, title=title, body=body)
    session.add(row)
    session.flush()
    append_entry(session, AuditAction.REPLY_TEMPLATE_SAVED, actor_of(session, account_id),
                 unit_id=unit_id, detail={"template": row.id})
    return row


def delete_template(session: Session, account_id: int, template_id: int) -> None:
    """Delete a reply template of one of the account's units (audited); raises
    :class:`InvalidSubmission` ``{"template": "unknown"}`` otherwise."""
    row = session.get(ReplyTemplate, template_id)
    if row is None or row.unit_id not in unit_ids_of(session, account_id):
        raise InvalidSubmission({"template": "unknown"})
    append_entry(session, AuditAction.REPLY_TEMPLATE_DELETED, actor_of(session, account_id),
                 unit_id=row.unit_id, detail={"template": row.id})
    session.delete(row)
    session.flush()
