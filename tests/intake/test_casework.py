"""Staff casework: who sees which case, status moves, replies, and what stays internal."""

import uuid
from collections import deque
from datetime import date, timedelta

import pytest
from sqlalchemy.orm import Session

from rongrian.admin.accounts import add_staff
from rongrian.crypto.errors import DecryptionFailed
from rongrian.intake.casework import change_status, open_case, reply
from rongrian.intake.errors import (
    ComplaintNotFound,
    InvalidSubmission,
    InvalidTransition,
    KeyNotGranted,
)
from rongrian.intake.keyring import unlock_account
from rongrian.intake.models import (
    CaseEvent,
    Complaint,
    EventKind,
    Role,
    Status,
    Unit,
    UnitMembership,
)
from rongrian.intake.store import LIMITS, add_information, file_complaint, read_thread
from rongrian.intake.workflow import FINISHED, TRANSITIONS, allowed_next
from tests.intake.helpers import NOW, listed, named, submission, unlock


def _file(session: Session, pepper: bytes, **changes: object) -> tuple[uuid.UUID, str]:
    receipt = file_complaint(session, pepper, submission(**changes), now=NOW)
    return receipt.complaint_id, receipt.tracking_code


def _path_to(target: Status) -> list[Status]:
    """The shortest chain of allowed moves from ``received`` to ``target``."""
    paths: dict[Status, list[Status]] = {Status.RECEIVED: []}
    queue = deque([Status.RECEIVED])
    while queue:
        current = queue.popleft()
        for step in TRANSITIONS[current]:
            if step not in paths:
                paths[step] = [*paths[current], step]
                queue.append(step)
    return paths[target]


# --- who sees what ------------------------------------------------------------------------

def test_cases_are_listed_and_opened_only_for_the_units_members(session: Session,
                                                                pepper: bytes) -> None:
    works_case, _ = _file(session, pepper, unit_code="WORKS",
                          what_happened="ไฟถนนดับทั้งซอย")
    palad_case, _ = _file(session, pepper)
    audit_case, _ = _file(session, pepper, category_code="corruption", unit_code="WORKS")

    def seen_by(username: str) -> set[uuid.UUID]:
        return {row.id for row in listed(session, unlock(session, username).account_id,
                                         today=NOW.date())}

    assert seen_by("works") == {works_case}
    assert seen_by("palad") == {palad_case}
    assert seen_by("integrity") == {audit_case}
    assert seen_by("finance") == set()
    assert seen_by("executive") == set()
    assert seen_by("admin") == set()

    works = unlock(session, "works")
    assert open_case(session, works, works_case).what_happened == "ไฟถนนดับทั้งซอย"
    for username in ("finance", "palad", "integrity", "executive", "admin"):
        outsider = unlock(session, username)
        with pytest.raises(ComplaintNotFound):
            open_case(session, outsider, works_case)
        with pytest.raises(ComplaintNotFound):
            change_status(session, outsider, works_case, Status.SCREENING, "")
        with pytest.raises(ComplaintNotFound):
            reply(session, outsider, works_case, "ไม่ควรเขียนได้")
    # The accused unit named in a whistleblower complaint cannot see it.
    with pytest.raises(ComplaintNotFound):
        open_case(session, works, audit_case)
    with pytest.raises(ComplaintNotFound):
        open_case(session, works, uuid.uuid4())
    complaint = session.get(Complaint, works_case)
    assert complaint is not None
    assert complaint.status is Status.RECEIVED
    assert len(open_case(session, works, works_case).entries) == 1


def test_list_shows_clear_fields_and_overdue(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper, kind="grievance", channel="qr")
    palad = unlock(session, "palad")
    due = date(2026, 11, 23)  # 15 working days after Monday 2 November 2026
    [row] = listed(session, palad.account_id, today=due)
    assert (row.id, row.case_number, row.kind, row.channel, row.status) == (
        case_id, "2570/000001", "grievance", "qr", Status.RECEIVED)
    assert (row.received_on, row.due_on, row.age_days, row.overdue) == (
        NOW.date(), due, 21, False)
    [late] = listed(session, palad.account_id, today=due + timedelta(days=1))
    assert late.overdue
    change_status(session, palad, case_id, Status.REJECTED, "", now=NOW)
    [finished] = listed(session, palad.account_id, today=due + timedelta(days=1))
    assert not finished.overdue


def test_open_case_shows_the_complaint_and_the_whole_thread(session: Session,
                                                            pepper: bytes) -> None:
    case_id, code = _file(session, pepper, unit_code="WORKS", who_involved="ผู้รับเหมา")
    add_information(session, pepper, code, "มีรูปถ่ายประกอบ", now=NOW)
    works = unlock(session, "works")
    change_status(session, works, case_id, Status.SCREENING, "บันทึกภายใน", now=NOW)
    reply(session, works, case_id, "รับเรื่องแล้ว", now=NOW)
    detail = open_case(session, works, case_id, today=NOW.date())
    assert detail.what_happened == submission().what_happened
    assert detail.who_involved == "ผู้รับเหมา"
    assert detail.named_unit_code == "WORKS"
    assert [(e.kind, e.status, e.text) for e in detail.entries] == [
        (EventKind.STATUS, Status.RECEIVED, ""),
        (EventKind.INFORMATION, None, "มีรูปถ่ายประกอบ"),
        (EventKind.STATUS, Status.SCREENING, "บันทึกภายใน"),
        (EventKind.REPLY, None, "รับเรื่องแล้ว"),
    ]


def test_unit_staff_never_see_the_identity(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper, identity=named(name="ประภาพร ลับเฉพาะ",
                                                       phone="0899999999",
                                                       email="prapa@example.org"))
    detail = repr(open_case(session, unlock(session, "palad"), case_id))
    for secret in ("ประภาพร", "0899999999", "prapa@example.org"):
        assert secret not in detail


# --- status moves -------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("current", "target", "allowed"),
    [
        (Status.RECEIVED, Status.SCREENING, True),
        (Status.RECEIVED, Status.IN_PROGRESS, True),
        (Status.RECEIVED, Status.REJECTED, True),
        (Status.RECEIVED, Status.RESOLVED, False),
        (Status.RECEIVED, Status.CLOSED, False),
        (Status.RECEIVED, Status.RECEIVED, False),
        (Status.SCREENING, Status.CLOSED, True),
        (Status.IN_PROGRESS, Status.RESOLVED, True),
        (Status.IN_PROGRESS, Status.REJECTED, False),
        (Status.RESOLVED, Status.IN_PROGRESS, True),
        (Status.RESOLVED, Status.RECEIVED, False),
        (Status.CLOSED, Status.IN_PROGRESS, False),
        (Status.REJECTED, Status.SCREENING, False),
    ],
)
def test_status_moves(session: Session, pepper: bytes, current: Status, target: Status,
                      allowed: bool) -> None:
    assert (target in TRANSITIONS[current]) is allowed
    case_id, code = _file(session, pepper)
    palad = unlock(session, "palad")
    for step in _path_to(current):
        change_status(session, palad, case_id, step, "", now=NOW)
    events_before = len(open_case(session, palad, case_id).entries)
    if allowed:
        change_status(session, palad, case_id, target, "", now=NOW)
        assert read_thread(session, pepper, code).status is target
    else:
        with pytest.raises(InvalidTransition):
            change_status(session, palad, case_id, target, "", now=NOW)
        assert read_thread(session, pepper, code).status is current
        assert len(open_case(session, palad, case_id).entries) == events_before


def test_every_pair_of_statuses_follows_the_workflow(session: Session, pepper: bytes) -> None:
    palad = unlock(session, "palad")
    outcomes: dict[tuple[Status, Status], bool] = {}
    for current in Status:
        for target in Status:
            case_id, _ = _file(session, pepper)
            for step in _path_to(current):
                change_status(session, palad, case_id, step, "", now=NOW)
            try:
                change_status(session, palad, case_id, target, "", now=NOW)
            except InvalidTransition:
                outcomes[current, target] = False
            else:
                outcomes[current, target] = True
    assert outcomes == {(c, t): t in TRANSITIONS[c] for c in Status for t in Status}
    assert allowed_next(Status.CLOSED) == allowed_next(Status.REJECTED) == []


@pytest.mark.parametrize("finish", sorted(FINISHED))
def test_finished_on_is_set_for_finished_statuses_and_cleared_on_reopening(
    session: Session, pepper: bytes, finish: Status
) -> None:
    case_id, _ = _file(session, pepper)
    palad = unlock(session, "palad")
    path = _path_to(finish)
    for day, step in enumerate(path, start=1):
        change_status(session, palad, case_id, step, "", now=NOW + timedelta(days=day))
        complaint = session.get(Complaint, case_id)
        assert complaint is not None
        expected = (NOW + timedelta(days=day)).date() if step in FINISHED else None
        assert complaint.finished_on == expected
        assert complaint.updated_on == (NOW + timedelta(days=day)).date()
    if finish is Status.RESOLVED:
        change_status(session, palad, case_id, Status.IN_PROGRESS, "reopened",
                      now=NOW + timedelta(days=9))
        complaint = session.get(Complaint, case_id)
        assert complaint is not None
        assert complaint.finished_on is None


def test_too_long_note_is_refused(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as caught:
        change_status(session, unlock(session, "palad"), case_id, Status.SCREENING,
                      "x" * (LIMITS["note"] + 1), now=NOW)
    assert caught.value.problems == {"note": "too_long"}


# --- replies and internal notes -----------------------------------------------------------

def test_reply_is_visible_to_the_complainant_but_internal_notes_are_not(
    session: Session, pepper: bytes
) -> None:
    case_id, code = _file(session, pepper)
    palad = unlock(session, "palad")
    later = NOW + timedelta(days=2)
    change_status(session, palad, case_id, Status.SCREENING,
                  "ภายใน: ผู้ร้องน่าจะเป็นญาติของผู้ใหญ่บ้าน", now=later)
    reply(session, palad, case_id, "  เจ้าหน้าที่จะลงพื้นที่ภายใน 7 วัน  ", now=later)
    view = read_thread(session, pepper, code.lower())
    assert view.status is Status.SCREENING
    assert [(e.kind, e.occurred_on, e.status, e.text) for e in view.entries] == [
        (EventKind.STATUS, NOW.date(), Status.RECEIVED, None),
        (EventKind.STATUS, later.date(), Status.SCREENING, None),
        (EventKind.REPLY, later.date(), None, "เจ้าหน้าที่จะลงพื้นที่ภายใน 7 วัน"),
    ]
    assert "ผู้ใหญ่บ้าน" not in repr(view)


@pytest.mark.parametrize(("text", "problem"), [
    ("", "required"), (" \n\t", "required"), ("ก" * (LIMITS["reply"] + 1), "too_long")])
def test_bad_reply_is_refused(session: Session, pepper: bytes, text: str, problem: str) -> None:
    case_id, code = _file(session, pepper)
    with pytest.raises(InvalidSubmission) as caught:
        reply(session, unlock(session, "palad"), case_id, text, now=NOW)
    assert caught.value.problems == {"reply": problem}
    assert len(read_thread(session, pepper, code).entries) == 1


# --- keys ---------------------------------------------------------------------------------

def test_member_without_a_key_grant_gets_key_not_granted(session: Session,
                                                         pepper: bytes) -> None:
    case_id, code = _file(session, pepper, unit_code="WORKS")
    newcomer = add_staff(session, username="newcomer", display_name="พนักงานใหม่",
                         role=Role.STAFF, password="newcomer-pass-1", strength="test")
    works = session.query(Unit).filter_by(code="WORKS").one()
    session.add(UnitMembership(account_id=newcomer.id, unit_id=works.id))
    session.flush()
    unlocked = unlock_account(newcomer, "newcomer-pass-1")
    assert [row.id for row in listed(session, newcomer.id)] == [case_id]
    with pytest.raises(KeyNotGranted):
        open_case(session, unlocked, case_id)
    with pytest.raises(KeyNotGranted):
        change_status(session, unlocked, case_id, Status.SCREENING, "", now=NOW)
    with pytest.raises(KeyNotGranted):
        reply(session, unlocked, case_id, "สวัสดี", now=NOW)
    view = read_thread(session, pepper, code)
    assert view.status is Status.RECEIVED
    assert len(view.entries) == 1


def test_a_blob_moved_to_another_row_does_not_open(session: Session, pepper: bytes) -> None:
    first, _ = _file(session, pepper, what_happened="เรื่องที่หนึ่ง")
    second, _ = _file(session, pepper, what_happened="เรื่องที่สอง")
    palad = unlock(session, "palad")
    one, two = session.get(Complaint, first), session.get(Complaint, second)
    assert one is not None
    assert two is not None
    two.content = one.content
    session.flush()
    with pytest.raises(DecryptionFailed):
        open_case(session, palad, second)
    # An event body copied onto another event of the same complaint fails too.
    reply(session, palad, first, "คำตอบ", now=NOW)
    events = session.query(CaseEvent).filter_by(complaint_id=first).order_by(CaseEvent.seq).all()
    events[0].body = events[-1].body
    session.flush()
    with pytest.raises(DecryptionFailed):
        open_case(session, palad, first)

