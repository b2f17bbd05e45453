"""Assignment, extensions, closing with a message and evidence, and the complainant's reopen
and rating (issue 9 §2-4), on the demo municipality."""

import io
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rongrian.crypto.errors import DecryptionFailed
from rongrian.intake import complainant, envelope
from rongrian.intake.assignment import assign, extend_due, unit_officers
from rongrian.intake.audit import entries_for
from rongrian.intake.casework import change_status, data_keys_of, open_case
from rongrian.intake.closing import (
    agency_files,
    delete_template,
    move_case,
    save_template,
    templates_for,
)
from rongrian.intake.errors import InvalidSubmission
from rongrian.intake.models import (
    Attachment,
    AuditAction,
    Category,
    Complaint,
    EventKind,
    Rating,
    Status,
    UnitMembership,
)
from rongrian.intake.store import add_information, file_complaint, read_thread
from rongrian.intake.workflow import REOPEN_WINDOW_DAYS
from tests.intake.helpers import NOW, account, submission, unlock

#: A tiny valid PNG (1x1), standing for a cleaned "after" photo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _file(session: Session, pepper: bytes, **changes: object) -> tuple[uuid.UUID, str]:
    receipt = file_complaint(session, pepper, submission(**changes), now=NOW)
    return receipt.complaint_id, receipt.tracking_code


def _complaint(session: Session, case_id: uuid.UUID) -> Complaint:
    complaint = session.get(Complaint, case_id)
    assert complaint is not None
    return complaint


def _resolve(session: Session, case_id: uuid.UUID, **kwargs: object) -> None:
    palad = unlock(session, "palad")
    move_case(session, palad, case_id, Status.IN_PROGRESS, now=NOW)
    move_case(session, palad, case_id, Status.RESOLVED, message="ซ่อมแล้ว", now=NOW,
              **kwargs)  # type: ignore[arg-type]


# --- assignment ---------------------------------------------------------------------------

def test_assign_and_reassign_within_the_unit(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper)
    palad, clerk = account(session, "palad"), account(session, "clerk")
    session.add(UnitMembership(account_id=clerk.id, unit_id=_complaint(session, case_id).unit_id))
    session.flush()
    assert {a.username for a in unit_officers(session, _complaint(session, case_id).unit_id)
            } >= {"palad", "clerk"}
    me = unlock(session, "palad")
    assign(session, me, case_id, palad.id, now=NOW)
    assign(session, me, case_id, clerk.id, now=NOW)
    assert _complaint(session, case_id).assigned_to_id == clerk.id
    details = [e.detail for e in entries_for(session, case_id, (AuditAction.CASE_ASSIGNED,))]
    assert details == ['{"from":null,"to":"palad"}', '{"from":"palad","to":"clerk"}']


def test_assigning_to_a_non_member_is_refused(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as refused:
        assign(session, unlock(session, "palad"), case_id, account(session, "works").id)
    assert refused.value.problems == {"officer": "not_member"}
    assert _complaint(session, case_id).assigned_to_id is None
    assert entries_for(session, case_id, (AuditAction.CASE_ASSIGNED,)) == []


# --- extensions ---------------------------------------------------------------------------

def test_extension_moves_the_due_day_and_the_complainant_sees_it(session: Session,
                                                                 pepper: bytes) -> None:
    case_id, code = _file(session, pepper)
    old_due = _complaint(session, case_id).due_on
    new_due = old_due + timedelta(days=10)
    extend_due(session, unlock(session, "palad"), case_id, new_due, "รอผลตรวจจากจังหวัด", now=NOW)
    assert _complaint(session, case_id).due_on == new_due
    view = read_thread(session, pepper, code)
    assert view.due_on == new_due
    extension = view.entries[-1]
    assert (extension.kind, extension.due_on, extension.text) == (EventKind.EXTENSION, new_due,
                                                                  None)
    staff_view = open_case(session, unlock(session, "palad"), case_id)
    assert staff_view.entries[-1].text == "รอผลตรวจจากจังหวัด"
    [audit] = entries_for(session, case_id, (AuditAction.DUE_EXTENDED,))
    assert "รอผล" not in audit.detail
    assert new_due.isoformat() in audit.detail


@pytest.mark.parametrize(("days_from_due", "reason", "problem"), [
    (5, "", {"reason": "required"}),
    (0, "เหตุผล", {"due_on": "not_later"}),
    (-1, "เหตุผล", {"due_on": "not_later"}),
])
def test_bad_extensions_change_nothing(session: Session, pepper: bytes, days_from_due: int,
                                       reason: str, problem: dict[str, str]) -> None:
    case_id, _ = _file(session, pepper)
    due = _complaint(session, case_id).due_on
    with pytest.raises(InvalidSubmission) as refused:
        extend_due(session, unlock(session, "palad"), case_id,
                   due + timedelta(days=days_from_due), reason, now=NOW)
    assert refused.value.problems == problem
    assert _complaint(session, case_id).due_on == due


def test_extension_to_a_day_before_today_is_refused(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper)
    due = _complaint(session, case_id).due_on
    with pytest.raises(InvalidSubmission) as refused:
        extend_due(session, unlock(session, "palad"), case_id, due + timedelta(days=1),
                   "เหตุผล", now=NOW + timedelta(days=60))
    assert refused.value.problems == {"due_on": "past"}


# --- closing ------------------------------------------------------------------------------

@pytest.mark.parametrize("target", [Status.REJECTED, Status.CLOSED])
def test_finishing_without_a_message_is_refused(session: Session, pepper: bytes,
                                                target: Status) -> None:
    case_id, code = _file(session, pepper)
    palad = unlock(session, "palad")
    move_case(session, palad, case_id, Status.SCREENING, now=NOW)
    with pytest.raises(InvalidSubmission) as refused:
        move_case(session, palad, case_id, target, message="   ", now=NOW)
    assert refused.value.problems == {"message": "required"}
    assert _complaint(session, case_id).status is Status.SCREENING
    move_case(session, palad, case_id, target, message="ไม่อยู่ในอำนาจหน้าที่ ส่งเรื่องให้จังหวัด",
              now=NOW)
    view = read_thread(session, pepper, code)
    assert view.status is target
    assert view.entries[-1].text == "ไม่อยู่ในอำนาจหน้าที่ ส่งเรื่องให้จังหวัด"
    assert _complaint(session, case_id).acknowledged_on == NOW.date()


def test_resolving_a_marked_category_needs_an_after_photo(session: Session, pepper: bytes,
                                                          tmp_path: Path) -> None:
    session.scalars(select(Category).where(Category.code == "general")).one(
        ).needs_evidence = True
    case_id, code = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as refused:
        _resolve(session, case_id)
    assert refused.value.problems == {"evidence": "required"}
    assert _complaint(session, case_id).status is Status.IN_PROGRESS
    with pytest.raises(InvalidSubmission) as not_photo:
        move_case(session, unlock(session, "palad"), case_id, Status.RESOLVED, message="ok",
                  evidence=[(io.BytesIO(b"%PDF"), "application/pdf")],
                  attachments_dir=tmp_path, now=NOW)
    assert not_photo.value.problems == {"evidence": "not_photo"}
    move_case(session, unlock(session, "palad"), case_id, Status.RESOLVED, message="ซ่อมแล้ว",
              evidence=[(io.BytesIO(PNG), "image/png")], attachments_dir=tmp_path, now=NOW)
    [photo] = session.scalars(select(Attachment).where(Attachment.complaint_id == case_id))
    assert agency_files(session, case_id) == {photo.id}
    complaint = _complaint(session, case_id)
    assert photo.key_generation == complaint.key_generation
    assert PNG not in next(tmp_path.iterdir()).read_bytes()
    assert read_thread(session, pepper, code).status is Status.RESOLVED


# --- reply templates ----------------------------------------------------------------------

def test_reply_templates_belong_to_a_unit(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper)
    unit_id = _complaint(session, case_id).unit_id
    palad, works = account(session, "palad"), account(session, "works")
    row = save_template(session, palad.id, unit_id, "ซ่อมแล้ว", "ดำเนินการซ่อมแซมเรียบร้อยแล้ว")
    assert [t.title for t in templates_for(session, unit_id)] == ["ซ่อมแล้ว"]
    with pytest.raises(InvalidSubmission):
        save_template(session, works.id, unit_id, "x", "y")
    with pytest.raises(InvalidSubmission):
        delete_template(session, works.id, row.id)
    delete_template(session, palad.id, row.id)
    assert templates_for(session, unit_id) == []


# --- the complainant's side ---------------------------------------------------------------

def test_reopen_within_the_window(session: Session, pepper: bytes) -> None:
    case_id, code = _file(session, pepper)
    _resolve(session, case_id)
    later = NOW + timedelta(days=REOPEN_WINDOW_DAYS)
    complainant.reopen(session, pepper, code, "ยังไม่ได้ซ่อม หลุมยังอยู่", now=later)
    complaint = _complaint(session, case_id)
    assert (complaint.status, complaint.reopen_count, complaint.reopened_on,
            complaint.finished_on) == (Status.IN_PROGRESS, 1, later.date(), None)
    assert complainant.reopen_count(session, [case_id]) == 1
    view = read_thread(session, pepper, code)
    assert (view.entries[-1].kind, view.entries[-1].text) == (EventKind.REOPEN,
                                                              "ยังไม่ได้ซ่อม หลุมยังอยู่")
    # Finishing again clears the queue marker but keeps the count.
    move_case(session, unlock(session, "palad"), case_id, Status.RESOLVED, message="ซ่อมใหม่",
              now=later)
    assert (complaint.reopened_on, complaint.reopen_count) == (None, 1)


def test_reopen_after_the_window_or_never_finished_is_refused(session: Session,
                                                               pepper: bytes) -> None:
    case_id, code = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as never:
        complainant.reopen(session, pepper, code, "ยังไม่ได้ซ่อม", now=NOW)
    assert never.value.problems == {"reopen": "not_finished"}
    _resolve(session, case_id)
    too_late = NOW + timedelta(days=REOPEN_WINDOW_DAYS + 1)
    with pytest.raises(InvalidSubmission) as late:
        complainant.reopen(session, pepper, code, "ยังไม่ได้ซ่อม", now=too_late)
    assert late.value.problems == {"reopen": "window_closed"}
    assert _complaint(session, case_id).status is Status.RESOLVED
    # "Add information" closes with the window.
    assert complainant.standing(session, pepper, code, today=too_late.date()
                                ).information_open is False
    with pytest.raises(InvalidSubmission) as closed:
        add_information(session, pepper, code, "เพิ่มเติม", now=too_late)
    assert closed.value.problems == {"information": "closed"}
    add_information(session, pepper, code, "เพิ่มเติม", now=NOW + timedelta(days=1))


@pytest.mark.parametrize("score", [0, 6, -1, "5", 4.5, True, None])
def test_ratings_outside_one_to_five_are_refused(session: Session, pepper: bytes,
                                                 score: object) -> None:
    case_id, code = _file(session, pepper)
    _resolve(session, case_id)
    with pytest.raises(InvalidSubmission) as refused:
        complainant.rate(session, pepper, code, score, "", now=NOW)
    assert refused.value.problems == {"rating": "out_of_range"}
    assert session.scalar(select(func.count()).select_from(Rating)) == 0


def test_rating_a_finished_case(session: Session, pepper: bytes) -> None:
    case_id, code = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as open_case_rating:
        complainant.rate(session, pepper, code, 5, now=NOW)
    assert open_case_rating.value.problems == {"rating": "not_finished"}
    _resolve(session, case_id)
    complainant.rate(session, pepper, code, 2, "ช้าไปหน่อย", now=NOW)
    complainant.rate(session, pepper, code, 5, "ดีมาก ขอบคุณครับ", now=NOW)
    row = session.get(Rating, case_id)
    assert row is not None
    assert row.score == 5
    assert "ดีมาก".encode() not in row.comment
    complaint = _complaint(session, case_id)
    keys = data_keys_of(session, unlock(session, "palad"), complaint)
    assert complainant.rating_comment(complaint, dict(keys.keys), row) == "ดีมาก ขอบคุณครับ"
    with pytest.raises(DecryptionFailed):  # bound to its complaint: a copied blob fails
        envelope.decrypt_record(keys.of(row.key_generation), row.comment,
                                complainant.rating_aad(uuid.uuid4(), row.key_generation))
    assert complainant.standing(session, pepper, code).rating == 5


def test_a_tip_names_the_integrity_unit_never_the_accused(session: Session,
                                                          pepper: bytes) -> None:
    _, code = _file(session, pepper, kind="tip", category_code="corruption", unit_code="WORKS")
    view = read_thread(session, pepper, code)
    assert view.handled_by_integrity
    assert (view.unit_name_th, view.unit_name_en) == ("", "")
    _, plain = _file(session, pepper)
    assert read_thread(session, pepper, plain).unit_name_en == "Office of the Municipal Clerk"


def test_standing_shows_what_was_filed(session: Session, pepper: bytes) -> None:
    _, code = _file(session, pepper)
    standing = complainant.standing(session, pepper, code, today=date(2026, 11, 3))
    assert standing.filed["what_happened"] == submission().what_happened
    assert (standing.can_reopen, standing.can_rate, standing.information_open) == (
        False, False, True)
    assert change_status is not None
