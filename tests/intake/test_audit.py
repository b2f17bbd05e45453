"""The audit log in the database (DESIGN.md promise 7): appended with each action, in its
transaction; a tampered, deleted or reordered entry, a cut tail or an edited head is reported at
the first broken link; concurrent appenders never fork the chain."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from rongrian.intake.audit import (
    COMMAND_LINE,
    Actor,
    append_entry,
    hash_at,
    latest_head,
    verify_chain,
)
from rongrian.intake.casework import change_status, open_case, reply
from rongrian.intake.errors import InvalidTransition
from rongrian.intake.models import AuditAction, AuditEntry, AuditHead, Status
from rongrian.intake.store import file_complaint
from tests.conftest import Demo
from tests.intake.helpers import NOW, submission, unlock


def _entries(session: Session) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def _fill(session: Session, count: int = 5) -> None:
    for number in range(count):
        append_entry(session, AuditAction.SUMMARY_VIEWED, Actor(None, COMMAND_LINE),
                     detail={"period": f"2569-Q{number % 4 + 1}"},
                     now=NOW + timedelta(minutes=number))
    session.commit()


def test_an_empty_database_verifies_with_zero_entries(session: Session) -> None:
    report = verify_chain(session)
    assert report.ok
    assert report.count == 0
    assert report.latest.entry_hash == "0" * 64
    assert latest_head(session).seq == 0


def test_casework_actions_are_appended_in_order(session: Session, pepper: bytes) -> None:
    receipt = file_complaint(session, pepper, submission(unit_code="WORKS"), now=NOW)
    assert _entries(session) == []  # filing is the citizen's, not a staff action
    works = unlock(session, "works")
    open_case(session, works, receipt.complaint_id)
    change_status(session, works, receipt.complaint_id, Status.IN_PROGRESS, "โน้ต", now=NOW)
    reply(session, works, receipt.complaint_id, "ตอบกลับ", now=NOW)
    session.commit()
    entries = _entries(session)
    assert [e.action for e in entries] == ["case_opened", "status_changed", "reply_sent"]
    assert [e.seq for e in entries] == [1, 2, 3]
    for entry in entries:
        assert entry.actor_name == "works"
        assert entry.case_number == receipt.case_number
        assert entry.complaint_id == receipt.complaint_id
    assert entries[1].detail == '{"from":"received","to":"in_progress"}'
    assert entries[0].previous_hash == bytes(32)
    assert entries[1].previous_hash == entries[0].entry_hash
    report = verify_chain(session)
    assert report.ok
    assert report.count == 3
    assert report.latest.entry_hash == entries[-1].entry_hash.hex()
    assert latest_head(session).entry_hash == entries[-1].entry_hash.hex()


def test_a_rolled_back_action_leaves_no_entry(session: Session, pepper: bytes) -> None:
    receipt = file_complaint(session, pepper, submission(unit_code="WORKS"), now=NOW)
    session.commit()
    works = unlock(session, "works")
    reply(session, works, receipt.complaint_id, "จะไม่ถูกส่ง", now=NOW)
    session.rollback()
    assert _entries(session) == []
    with pytest.raises(InvalidTransition):
        change_status(session, works, receipt.complaint_id, Status.CLOSED, "")
    session.rollback()
    assert _entries(session) == []
    assert verify_chain(session).ok


def test_a_tampered_entry_is_reported_at_its_position(session: Session) -> None:
    _fill(session)
    session.execute(text("UPDATE audit_entry SET actor_name = 'someone-else' WHERE seq = 3"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok
    assert (report.broken_seq, report.problem) == (3, "changed")
    assert report.count == 2


@pytest.mark.parametrize("column", ["action", "detail", "case_number", "occurred_at", "unit_id"])
def test_any_hashed_column_changed_is_detected(session: Session, column: str) -> None:
    _fill(session, 3)
    values = {"action": "'login'", "detail": "'{}'", "case_number": "'2569/000001'",
              "occurred_at": "occurred_at", "unit_id": "7"}
    if column == "occurred_at":
        entry = _entries(session)[1]
        session.execute(update(AuditEntry).where(AuditEntry.seq == 2)
                        .values(occurred_at=entry.occurred_at + timedelta(seconds=1)))
    else:
        session.execute(text(f"UPDATE audit_entry SET {column} = {values[column]} "  # noqa: S608
                             "WHERE seq = 2"))
    session.commit()
    report = verify_chain(session)
    assert (report.broken_seq, report.problem) == (2, "changed")


def test_a_deleted_entry_is_reported_as_missing(session: Session) -> None:
    _fill(session)
    session.execute(text("DELETE FROM audit_entry WHERE seq = 2"))
    session.commit()
    report = verify_chain(session)
    assert (report.broken_seq, report.problem) == (3, "missing")
    assert report.latest.seq == 1


def test_a_reordered_pair_is_detected(session: Session) -> None:
    _fill(session)
    # Swap the positions of entries 2 and 3 (their rows change places in seq order).
    session.execute(text("UPDATE audit_entry SET seq = -1 WHERE seq = 2"))
    session.execute(text("UPDATE audit_entry SET seq = 2 WHERE seq = 3"))
    session.execute(text("UPDATE audit_entry SET seq = 3 WHERE seq = -1"))
    session.commit()
    report = verify_chain(session)
    assert not report.ok
    assert report.broken_seq == 2
    assert report.problem in {"relinked", "changed"}


def test_a_reordered_pair_with_swapped_contents_is_detected(session: Session) -> None:
    _fill(session)
    columns = [c.name for c in AuditEntry.__table__.columns if c.name != "seq"]
    second, third = (session.execute(select(AuditEntry.__table__).where(
        AuditEntry.seq == seq)).mappings().one() for seq in (2, 3))
    for seq, row in ((2, third), (3, second)):
        session.execute(update(AuditEntry).where(AuditEntry.seq == seq)
                        .values({name: row[name] for name in columns}))
    session.commit()
    report = verify_chain(session)
    assert (report.broken_seq, report.problem) == (2, "relinked")


def test_a_cut_tail_is_reported_against_the_head(session: Session) -> None:
    _fill(session)
    printed = latest_head(session)
    session.execute(text("DELETE FROM audit_entry WHERE seq >= 4"))
    session.commit()
    report = verify_chain(session)
    assert (report.broken_seq, report.problem) == (4, "truncated")
    # Moving the head back too hides the cut from the database alone, not from the printed hash.
    session.execute(update(AuditHead).values(seq=3, entry_hash=bytes.fromhex(hash_at(session, 3)
                                                                            or "")))
    session.commit()
    assert verify_chain(session).ok
    assert hash_at(session, printed.seq) is None


def test_an_edited_or_deleted_head_is_detected(session: Session) -> None:
    _fill(session)
    session.execute(update(AuditHead).values(entry_hash=bytes(32)))
    session.commit()
    assert verify_chain(session).problem == "head_changed"
    session.execute(text("DELETE FROM audit_head"))
    session.commit()
    assert verify_chain(session).problem == "head_changed"


def test_a_lost_head_row_is_remade_from_the_last_entry(session: Session) -> None:
    _fill(session, 2)
    session.execute(text("DELETE FROM audit_head"))
    session.commit()
    append_entry(session, AuditAction.LOGOUT, Actor(None, COMMAND_LINE))
    session.commit()
    report = verify_chain(session)
    assert report.ok
    assert report.count == 3


def test_time_is_kept_to_the_second_in_utc(session: Session) -> None:
    entry = append_entry(session, AuditAction.LOGIN, Actor(None, COMMAND_LINE),
                         now=NOW.replace(microsecond=123456))
    session.commit()
    stored = _entries(session)[0].occurred_at
    assert stored.replace(tzinfo=None) == NOW.replace(tzinfo=None)
    assert entry.occurred_at.microsecond == 0
    assert verify_chain(session).ok


def _append_many(engine: Engine, count: int, start: threading.Barrier,
                 errors: list[BaseException]) -> None:
    from rongrian.intake.db import make_session_factory

    factory = make_session_factory(engine)
    try:
        start.wait(timeout=30)
        for _ in range(count):
            with factory() as session:
                append_entry(session, AuditAction.CASE_OPENED, Actor(None, COMMAND_LINE))
                session.commit()
    except BaseException as exc:  # noqa: BLE001 - reported by the test thread
        errors.append(exc)


def test_concurrent_appenders_never_fork_the_chain(demo: Demo, engine: Engine) -> None:
    workers, each = 4, 15
    start = threading.Barrier(workers)
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_append_many, args=(engine, each, start, errors))
               for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    with demo.sessions() as session:
        report = verify_chain(session)
        assert report.ok, report
        assert report.count == workers * each
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == workers * each


def test_a_second_appender_waits_for_the_first_to_commit(demo: Demo) -> None:
    """The head's lock is held until commit: the second appender continues from the first's
    entry, whichever order they started in."""
    first = demo.sessions()
    append_entry(first, AuditAction.LOGIN, Actor(None, COMMAND_LINE))  # lock held, uncommitted
    done: list[int] = []
    errors: list[BaseException] = []

    def second() -> None:
        try:
            with demo.sessions() as other:
                done.append(append_entry(other, AuditAction.LOGOUT,
                                         Actor(None, COMMAND_LINE)).seq)
                other.commit()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(timeout=0.5)
    assert thread.is_alive()  # still waiting for the lock
    assert done == []
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert errors == []
    assert done == [2]
    with demo.sessions() as session:
        report = verify_chain(session)
        assert report.ok
        assert report.count == 2
