"""Re-routing and escalation: the data key is re-sealed to the new unit and the old unit's grant is
deleted, so its staff can neither find nor decrypt the case; status and thread stay with it."""

import uuid

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import keys, sealed
from rongrian.crypto.errors import DecryptionFailed
from rongrian.intake import envelope, keyring, notify
from rongrian.intake.audit import verify_chain
from rongrian.intake.casework import (
    change_status,
    escalate,
    open_case,
    reply,
    reroute,
)
from rongrian.intake.errors import (
    ComplaintNotFound,
    InvalidSubmission,
    KeyNotGranted,
    WrongRecoveryKey,
)
from rongrian.intake.models import (
    AuditEntry,
    CaseEvent,
    CaseTransfer,
    Channel,
    Complaint,
    ComplaintKey,
    DataKeyLink,
    KeyRing,
    Status,
)
from rongrian.intake.setup import add_unit
from rongrian.intake.store import add_information, file_complaint, read_thread
from rongrian.intake.transfers import move_with_recovery_key
from tests.conftest import Demo
from tests.intake.helpers import NOW, listed, submission, unlock

REASON = "เรื่องนี้เป็นงานของกองคลัง ไม่ใช่กองช่าง"
ESCALATION = "ผู้ร้องกล่าวถึงผู้อำนวยการกองช่างเอง ต้องให้ระดับองค์กรพิจารณา"


def _filed(session: Session, pepper: bytes) -> tuple[uuid.UUID, str]:
    receipt = file_complaint(session, pepper, submission(
        unit_code="WORKS", what_happened="ท่อแตกหน้าตลาด"), now=NOW)
    return receipt.complaint_id, receipt.tracking_code


def _unit_ring_private(session: Session, demo: Demo, code: str) -> keys.X25519PrivateKey:
    """A unit ring's private key, as a member of it holds it (opened via the recovery key)."""
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    ring = keyring.active_unit_ring(session, demo.organisation.units[code].id)
    return keyring.ring_private_key_by_recovery(ring, recovery)


def _opens_with(private: keys.X25519PrivateKey, session: Session, case_id: uuid.UUID) -> bool:
    for row in session.scalars(select(ComplaintKey).where(ComplaintKey.complaint_id == case_id)):
        try:
            sealed.open_sealed(private, row.sealed_data_key,
                               envelope.data_key_aad(case_id, row.generation))
            return True
        except DecryptionFailed:
            continue
    return False


def test_reroute_moves_access_to_the_new_unit_only(session: Session, pepper: bytes,
                                                   demo: Demo) -> None:
    case_id, code = _filed(session, pepper)
    works = unlock(session, "works")
    change_status(session, works, case_id, Status.SCREENING, "บันทึกของกองช่าง", now=NOW)
    reply(session, works, case_id, "รับเรื่องแล้ว", now=NOW)
    works_private = _unit_ring_private(session, demo, "WORKS")
    assert _opens_with(works_private, session, case_id)

    reroute(session, works, case_id, "FINANCE", REASON, now=NOW)
    session.commit()

    # The old unit: not listed, 404 on open, and its ring key opens nothing of the case.
    with pytest.raises(ComplaintNotFound):
        open_case(session, works, case_id)
    assert case_id not in {row.id for row in listed(session, works.account_id)}
    assert not _opens_with(works_private, session, case_id)
    old_ring = keyring.active_unit_ring(session, demo.organisation.units["WORKS"].id)
    assert session.scalars(select(ComplaintKey).where(
        ComplaintKey.complaint_id == case_id, ComplaintKey.ring_id == old_ring.id)).first() is None
    assert len(session.scalars(select(ComplaintKey).where(
        ComplaintKey.complaint_id == case_id)).all()) == 1

    # The new unit reads everything: content, thread, status, the move and its reason.
    finance = unlock(session, "finance")
    detail = open_case(session, finance, case_id)
    assert detail.what_happened == "ท่อแตกหน้าตลาด"
    assert detail.summary.status == Status.SCREENING
    assert [e.text for e in detail.entries][1:] == ["บันทึกของกองช่าง", "รับเรื่องแล้ว"]
    assert [(t.from_unit[0], t.to_unit[0], t.reason, t.escalation) for t in detail.transfers] \
        == [("กองช่าง", "กองคลัง", REASON, False)]
    assert _opens_with(_unit_ring_private(session, demo, "FINANCE"), session, case_id)
    # The complainant's code still opens the thread (the data key itself did not change).
    assert read_thread(session, pepper, code).status == Status.SCREENING


def test_reroute_is_audited_without_its_reason(session: Session, pepper: bytes) -> None:
    case_id, _ = _filed(session, pepper)
    reroute(session, unlock(session, "works"), case_id, "FINANCE", REASON, now=NOW)
    session.commit()
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "case_rerouted")).one()
    assert entry.actor_name == "works"
    assert entry.detail == '{"from_unit":"WORKS","to_unit":"FINANCE"}'
    assert REASON not in repr([getattr(entry, c.key) for c in AuditEntry.__table__.columns])
    transfer = session.scalars(select(CaseTransfer)).one()
    assert REASON.encode() not in transfer.reason
    assert verify_chain(session).ok


def test_escalation_goes_to_the_organisation_level_and_the_unit_loses_it(
        session: Session, pepper: bytes, demo: Demo) -> None:
    case_id, _ = _filed(session, pepper)
    works = unlock(session, "works")
    escalate(session, works, case_id, ESCALATION, now=NOW)
    session.commit()
    complaint = session.get(Complaint, case_id)
    assert complaint is not None
    assert complaint.unit.code == "ORG"
    with pytest.raises(ComplaintNotFound):
        open_case(session, works, case_id)
    assert not _opens_with(_unit_ring_private(session, demo, "WORKS"), session, case_id)
    clerk = unlock(session, "clerk")
    detail = open_case(session, clerk, case_id)
    assert detail.transfers[0].escalation
    assert detail.transfers[0].reason == ESCALATION
    actions = session.scalars(select(AuditEntry.action)).all()
    assert "case_escalated" in actions
    # Already at the organisation level: escalating again is refused.
    with pytest.raises(InvalidSubmission) as refused:
        escalate(session, clerk, case_id, ESCALATION, now=NOW)
    assert refused.value.problems == {"unit": "same"}


@pytest.mark.parametrize(("unit", "reason", "problems"), [
    ("WORKS", REASON, {"unit": "same"}),
    ("NOPE", REASON, {"unit": "unknown"}),
    ("", REASON, {"unit": "unknown"}),
    ("FINANCE", "", {"reason": "required"}),
    ("FINANCE", "   \n ", {"reason": "required"}),
    ("FINANCE", "สั้นไป", {"reason": "too_short"}),
    ("FINANCE", "ก" * 1001, {"reason": "too_long"}),
])
def test_bad_moves_are_refused_and_change_nothing(session: Session, pepper: bytes, unit: str,
                                                 reason: str, problems: dict[str, str]) -> None:
    case_id, _ = _filed(session, pepper)
    session.commit()
    works = unlock(session, "works")
    with pytest.raises(InvalidSubmission) as refused:
        reroute(session, works, case_id, unit, reason, now=NOW)
    assert refused.value.problems == problems
    session.rollback()
    assert open_case(session, works, case_id).transfers == []
    assert session.scalars(select(CaseTransfer)).all() == []


def test_a_unit_nobody_holds_the_key_of_is_refused(session: Session, pepper: bytes,
                                                  demo: Demo) -> None:
    add_unit(session, code="EMPTY", name_th="หน่วยว่าง", name_en="Empty unit",
             parent=demo.organisation.units["ORG"])
    case_id, _ = _filed(session, pepper)
    with pytest.raises(InvalidSubmission) as refused:
        reroute(session, unlock(session, "works"), case_id, "EMPTY", REASON, now=NOW)
    assert refused.value.problems == {"unit": "no_key_holders"}


@pytest.mark.parametrize("username", ["finance", "palad", "integrity", "executive", "admin"])
def test_only_the_current_unit_can_move_a_case(session: Session, pepper: bytes,
                                               username: str) -> None:
    case_id, _ = _filed(session, pepper)
    outsider = unlock(session, username)
    with pytest.raises(ComplaintNotFound):
        reroute(session, outsider, case_id, "PALAD", REASON, now=NOW)
    with pytest.raises(ComplaintNotFound):
        escalate(session, outsider, case_id, ESCALATION, now=NOW)


def test_a_member_without_the_key_cannot_move_it(session: Session, pepper: bytes,
                                                 demo: Demo) -> None:
    from rongrian.admin.accounts import add_staff
    from rongrian.intake.models import Role, UnitMembership

    case_id, _ = _filed(session, pepper)
    newcomer = add_staff(session, username="newcomer", display_name="ใหม่", role=Role.STAFF,
                         password="newcomer-pass-1", strength="test")
    session.add(UnitMembership(account_id=newcomer.id, unit_id=demo.organisation.units["WORKS"].id))
    session.flush()
    with pytest.raises(KeyNotGranted):
        reroute(session, keyring.unlock_account(newcomer, "newcomer-pass-1"), case_id,
                "FINANCE", REASON, now=NOW)


def test_the_recovery_key_moves_a_case_without_any_member(session: Session, pepper: bytes,
                                                         demo: Demo) -> None:
    case_id, _ = _filed(session, pepper)
    complaint = session.get(Complaint, case_id)
    assert complaint is not None
    session.commit()
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    move_with_recovery_key(session, recovery, complaint.case_number, None, ESCALATION,
                           escalation=True, now=NOW)
    session.commit()
    detail = open_case(session, unlock(session, "clerk"), case_id)
    assert detail.transfers[0].by_recovery_key
    with pytest.raises(ComplaintNotFound):
        open_case(session, unlock(session, "works"), case_id)
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "case_escalated")).one()
    assert (entry.actor_id, entry.actor_name) == (None, "(recovery key)")


def test_a_wrong_recovery_key_moves_nothing(session: Session, pepper: bytes) -> None:
    case_id, _ = _filed(session, pepper)
    complaint = session.get(Complaint, case_id)
    assert complaint is not None
    with pytest.raises(WrongRecoveryKey):
        move_with_recovery_key(session, keys.generate_private_key(), complaint.case_number,
                               "FINANCE", REASON, now=NOW)
    with pytest.raises(ComplaintNotFound):
        move_with_recovery_key(session, keys.generate_private_key(), "2500/999999",
                               "FINANCE", REASON, now=NOW)
    assert complaint.unit.code == "WORKS"


def test_moving_twice_keeps_every_move_in_order(session: Session, pepper: bytes) -> None:
    case_id, _ = _filed(session, pepper)
    reroute(session, unlock(session, "works"), case_id, "FINANCE", REASON, now=NOW)
    reroute(session, unlock(session, "finance"), case_id, "PALAD", "ส่งต่อให้สำนักปลัดดำเนินการ",
            now=NOW)
    detail = open_case(session, unlock(session, "palad"), case_id)
    assert [(t.from_unit[1], t.to_unit[1]) for t in detail.transfers] == [
        ("Public Works Division", "Finance Division"),
        ("Finance Division", "Office of the Municipal Clerk")]
    rings = {ring.id for ring in session.scalars(select(KeyRing))}
    keys_left = session.scalars(select(ComplaintKey).where(
        ComplaintKey.complaint_id == case_id)).all()
    assert len(keys_left) == 1
    assert keys_left[0].ring_id in rings


def test_a_case_can_come_back_to_a_unit_it_left(session: Session, pepper: bytes) -> None:
    case_id, _ = _filed(session, pepper)
    works = unlock(session, "works")
    open_case(session, works, case_id)  # loads WORKS's key into the session first
    reroute(session, works, case_id, "FINANCE", REASON, now=NOW)
    reroute(session, unlock(session, "finance"), case_id, "WORKS", "กองช่างเป็นผู้รับผิดชอบจริง",
            now=NOW)
    session.commit()
    assert open_case(session, works, case_id).what_happened == "ท่อแตกหน้าตลาด"
    with pytest.raises(ComplaintNotFound):
        open_case(session, unlock(session, "finance"), case_id)


# --- data-key generations (issue 13: forward secrecy on moves) ---


def _generations(session: Session, case_id: uuid.UUID) -> list[int]:
    return [event.key_generation for event in session.scalars(
        select(CaseEvent).where(CaseEvent.complaint_id == case_id).order_by(CaseEvent.seq))]


def test_each_move_starts_a_generation_and_every_holder_reads_them_all(
        session: Session, pepper: bytes, demo: Demo) -> None:
    case_id, code = _filed(session, pepper)
    notify.subscribe(session, pepper, code, Channel.LINE, "U" + "0" * 32)
    reply(session, unlock(session, "works"), case_id, "หนึ่ง", now=NOW)
    reroute(session, unlock(session, "works"), case_id, "FINANCE", REASON, now=NOW)
    reply(session, unlock(session, "finance"), case_id, "สอง", now=NOW)
    add_information(session, pepper, code, "สาม", now=NOW)
    recovery = keys.parse_recovery_key(demo.organisation.recovery_key)
    complaint = session.get_one(Complaint, case_id)
    move_with_recovery_key(session, recovery, complaint.case_number, "PALAD", REASON, now=NOW)
    reply(session, unlock(session, "palad"), case_id, "สี่", now=NOW)
    session.commit()
    notify.take(session)

    assert complaint.key_generation == 3
    assert _generations(session, case_id) == [1, 1, 2, 2, 3]
    assert [row.key_generation for row in session.scalars(
        select(CaseTransfer).order_by(CaseTransfer.seq))] == [2, 3]
    (only_key,) = session.scalars(select(ComplaintKey).where(ComplaintKey.complaint_id == case_id))
    assert only_key.generation == 3
    detail = open_case(session, unlock(session, "palad"), case_id)
    assert [e.text for e in detail.entries][1:] == ["หนึ่ง", "สอง", "สาม", "สี่"]
    assert [t.reason for t in detail.transfers] == [REASON, REASON]
    assert [e.text for e in read_thread(session, pepper, code).entries][1:] == [
        "หนึ่ง", "สอง", "สาม", "สี่"]
    # The LINE subscription (written under generation 1) still reaches the complainant.
    reply(session, unlock(session, "palad"), case_id, "ห้า", now=NOW)
    assert [n.recipient for n in notify.take(session)] == ["U" + "0" * 32]


def test_a_complaint_without_a_complainant_key_moves_as_before_until_its_code_writes(
        session: Session, pepper: bytes) -> None:
    """Complaints filed before migration 0007 (no key pair) keep generation 1 on a move; the
    complainant's next write with the code gives them a pair, and the next move a generation."""
    case_id, code = _filed(session, pepper)
    complaint = session.get_one(Complaint, case_id)
    complaint.complainant_public_key = None  # as migration 0007 left an older complaint
    complaint.complainant_wrapped_key = complaint.complainant_sealed_data_key = None
    session.commit()
    reroute(session, unlock(session, "works"), case_id, "FINANCE", REASON, now=NOW)
    assert complaint.key_generation == 1
    assert read_thread(session, pepper, code).status == Status.RECEIVED
    read_only = session.get_one(Complaint, case_id)
    assert read_only.complainant_public_key is None  # reading changes nothing
    add_information(session, pepper, code, "ข้อมูลเพิ่ม", now=NOW)
    assert complaint.complainant_public_key is not None
    session.commit()
    reroute(session, unlock(session, "finance"), case_id, "PALAD", REASON, now=NOW)
    reply(session, unlock(session, "palad"), case_id, "ตอบ", now=NOW)
    session.commit()
    assert complaint.key_generation == 2
    session.info.clear()  # a new request
    assert [e.text for e in read_thread(session, pepper, code).entries][1:] == [
        "ข้อมูลเพิ่ม", "ตอบ"]


def test_a_link_moved_to_another_complaint_or_generation_fails(session: Session,
                                                               pepper: bytes) -> None:
    first, _ = _filed(session, pepper)
    second, _ = _filed(session, pepper)
    for case_id in (first, second):
        reroute(session, unlock(session, "works"), case_id, "FINANCE", REASON, now=NOW)
        reroute(session, unlock(session, "finance"), case_id, "PALAD", REASON, now=NOW)
    session.commit()
    palad = unlock(session, "palad")
    link = session.get_one(DataKeyLink, (first, 2))
    link.wrapped_previous = session.get_one(DataKeyLink, (first, 3)).wrapped_previous
    session.flush()
    with pytest.raises(DecryptionFailed):
        open_case(session, palad, first)
    link.wrapped_previous = session.get_one(DataKeyLink, (second, 2)).wrapped_previous
    session.flush()
    with pytest.raises(DecryptionFailed):
        open_case(session, palad, first)
    assert open_case(session, palad, second).what_happened == "ท่อแตกหน้าตลาด"
