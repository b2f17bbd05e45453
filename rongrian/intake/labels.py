"""Labels (tags) a unit defines for its own cases (issue 9 §1), e.g. "รอผู้รับเหมา", "ต้องลงพื้นที่".

Any member of a unit creates, renames and deletes the unit's labels and puts them on the unit's
cases. A label's name is staff-chosen text kept in clear (it is shown on the queue and used to
filter it), so it must never hold a complainant's data: the pages say so. Names are unique within
a unit (compared after trimming and collapsing spaces; Thai text is compared as written).

Audited: ``label_created``, ``label_renamed``, ``label_deleted`` (with the unit) and
``case_labels_changed`` (with the case). Following :func:`rongrian.intake.audit.append_entry`'s
rule (clear facts only, never free text) the entries hold label ids, never names.

A case moved to another unit keeps its label rows, but only labels of the case's *current*
unit are shown or matched, so a receiving unit never sees the sending unit's labels.

Every function only flushes: the caller commits. Errors are :class:`InvalidSubmission` with
``{"name": "required" | "too_long" | "taken"}``, ``{"label": "unknown"}`` (not a label of one
of the account's units, or of the case's unit) or ``{"unit": "not_member"}``; nothing changed.
"""

import re
import uuid
from collections.abc import Collection

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from rongrian.intake.audit import actor_of, append_entry
from rongrian.intake.casework import case_for_member
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.keyring import unit_ids_of
from rongrian.intake.models import AuditAction, CaseLabel, Complaint, ComplaintLabel

#: Longest label name, in characters.
NAME_MAX = 40
#: Most labels a unit may define (keeps the queue's filter list usable).
UNIT_MAX = 100
_SPACES = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def clean_name(name: str) -> str:
    """A label name as stored: control characters removed, spaces trimmed and collapsed.
    Raises :class:`InvalidSubmission` (``{"name": "required" | "too_long"}``)."""
    cleaned = _SPACES.sub(" ", _CONTROL.sub(" ", name)).strip()
    if not cleaned:
        raise InvalidSubmission({"name": "required"})
    if len(cleaned) > NAME_MAX:
        raise InvalidSubmission({"name": "too_long"})
    return cleaned


def unit_labels(session: Session, unit_ids: Collection[int]) -> list[CaseLabel]:
    """The labels of the units ``unit_ids``, by unit then name."""
    if not unit_ids:
        return []
    return list(session.scalars(select(CaseLabel).where(CaseLabel.unit_id.in_(list(unit_ids)))
                                .order_by(CaseLabel.unit_id, CaseLabel.name)))


def labels_of_member(session: Session, account_id: int) -> list[CaseLabel]:
    """The labels of every unit ``account_id`` is a member of."""
    return unit_labels(session, unit_ids_of(session, account_id))


def usage(session: Session, label_ids: Collection[int]) -> dict[int, int]:
    """How many cases carry each label (ids not in use are absent)."""
    if not label_ids:
        return {}
    counted = session.execute(
        select(ComplaintLabel.label_id, func.count())
        .join(Complaint, Complaint.id == ComplaintLabel.complaint_id)
        .join(CaseLabel, CaseLabel.id == ComplaintLabel.label_id)
        .where(ComplaintLabel.label_id.in_(list(label_ids)),
               CaseLabel.unit_id == Complaint.unit_id)
        .group_by(ComplaintLabel.label_id)
    )
    return {label_id: int(count) for label_id, count in counted}


def _own_label(session: Session, account_id: int, label_id: int) -> CaseLabel:
    label = session.get(CaseLabel, label_id)
    if label is None or label.unit_id not in unit_ids_of(session, account_id):
        raise InvalidSubmission({"label": "unknown"})
    return label


def _check_free(session: Session, unit_id: int, name: str, *, keep: int | None = None) -> None:
    taken = session.scalar(select(CaseLabel.id).where(CaseLabel.unit_id == unit_id,
                                                      CaseLabel.name == name))
    if taken is not None and taken != keep:
        raise InvalidSubmission({"name": "taken"})


def create_label(session: Session, account_id: int, unit_id: int, name: str) -> CaseLabel:
    """A new label ``name`` of ``unit_id``, made by a member of it (audited). Raises
    :class:`InvalidSubmission` (``unit``: ``not_member``; ``name``: ``required``,
    ``too_long``, ``taken``, or ``too_many`` past :data:`UNIT_MAX`)."""
    if unit_id not in unit_ids_of(session, account_id):
        raise InvalidSubmission({"unit": "not_member"})
    cleaned = clean_name(name)
    _check_free(session, unit_id, cleaned)
    if (session.scalar(select(func.count()).select_from(CaseLabel)
                       .where(CaseLabel.unit_id == unit_id)) or 0) >= UNIT_MAX:
        raise InvalidSubmission({"name": "too_many"})
    label = CaseLabel(unit_id=unit_id, name=cleaned)
    session.add(label)
    session.flush()
    append_entry(session, AuditAction.LABEL_CREATED, actor_of(session, account_id),
                 unit_id=unit_id, detail={"label": label.id})
    return label


def rename_label(session: Session, account_id: int, label_id: int, name: str) -> CaseLabel:
    """Rename a label of one of the account's units (audited; the same name is no change).
    Raises :class:`InvalidSubmission` (``label``: ``unknown``; ``name``: as
    :func:`create_label`)."""
    label = _own_label(session, account_id, label_id)
    cleaned = clean_name(name)
    if cleaned == label.name:
        return label
    _check_free(session, label.unit_id, cleaned, keep=label.id)
    label.name = cleaned
    append_entry(session, AuditAction.LABEL_RENAMED, actor_of(session, account_id),
                 unit_id=label.unit_id, detail={"label": label.id})
    session.flush()
    return label


def delete_label(session: Session, account_id: int, label_id: int) -> int:
    """Delete a label of one of the account's units and take it off every case (audited with
    how many cases carried it); returns that number. Raises :class:`InvalidSubmission`
    (``label``: ``unknown``)."""
    label = _own_label(session, account_id, label_id)
    carried = usage(session, [label.id]).get(label.id, 0)
    append_entry(session, AuditAction.LABEL_DELETED, actor_of(session, account_id),
                 unit_id=label.unit_id, detail={"label": label.id, "cases": carried})
    session.execute(delete(ComplaintLabel).where(ComplaintLabel.label_id == label.id))
    session.delete(label)
    session.flush()
    return carried


def labels_of_case(session: Session, complaint: Complaint) -> list[CaseLabel]:
    """The labels on ``complaint`` of its current unit, by name."""
    return list(session.scalars(
        select(CaseLabel).join(ComplaintLabel, ComplaintLabel.label_id == CaseLabel.id)
        .where(ComplaintLabel.complaint_id == complaint.id,
               CaseLabel.unit_id == complaint.unit_id)
        .order_by(CaseLabel.name)))


def set_case_labels(session: Session, account_id: int, complaint_id: uuid.UUID,
                    label_ids: Collection[int]) -> tuple[list[int], list[int]]:
    """Make ``label_ids`` (labels of the case's unit) the case's labels; returns the ids added
    and removed (audited ``case_labels_changed`` with both, as comma-separated ids, when
    anything changed). Raises ``ComplaintNotFound`` (not a case of the account's units) or
    :class:`InvalidSubmission` (``label``: ``unknown``)."""
    complaint = case_for_member(session, account_id, complaint_id)
    available = {label.id for label in unit_labels(session, [complaint.unit_id])}
    wanted = set(label_ids)
    if not wanted <= available:
        raise InvalidSubmission({"label": "unknown"})
    current = {label.id for label in labels_of_case(session, complaint)}
    added, removed = sorted(wanted - current), sorted(current - wanted)
    if not added and not removed:
        return [], []
    if removed:
        session.execute(delete(ComplaintLabel).where(ComplaintLabel.complaint_id == complaint.id,
                                                     ComplaintLabel.label_id.in_(removed)))
    session.add_all(ComplaintLabel(complaint_id=complaint.id, label_id=label_id)
                    for label_id in added)
    append_entry(session, AuditAction.CASE_LABELS_CHANGED, actor_of(session, account_id),
                 complaint=complaint, detail={"added": ",".join(map(str, added)),
                                              "removed": ",".join(map(str, removed))})
    session.flush()
    return added, removed
