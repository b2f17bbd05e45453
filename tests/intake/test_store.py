"""Filing a complaint, and what its tracking code alone can do (DESIGN.md, promises 1 and 4)."""

import threading
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from rongrian.crypto import aead
from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.tracking import tracking_digest, tracking_wrap_key
from rongrian.intake import envelope
from rongrian.intake.casework import open_case
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, MalformedTrackingCode
from rongrian.intake.models import (
    CaseCounter,
    CaseEvent,
    Category,
    Complaint,
    ComplaintKey,
    EventKind,
    KeyRing,
    Status,
    Unit,
)
from rongrian.intake.service_clock import add_working_days
from rongrian.intake.store import (
    LIMITS,
    Identity,
    add_information,
    clean_text,
    file_complaint,
    read_thread,
)
from rongrian.intake.tracking_codes import new_tracking_code, normalise
from tests.conftest import Demo
from tests.intake.helpers import NOW, named, submission, unlock

THAI_DIGITS = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


def _count(session: Session, model: type) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _nothing_stored(session: Session) -> bool:
    return all(_count(session, model) == 0
               for model in (Complaint, ComplaintKey, CaseEvent, CaseCounter))


# --- validation ---------------------------------------------------------------------------

def test_every_problem_is_listed_per_field_and_nothing_is_stored(session: Session,
                                                                  pepper: bytes) -> None:
    bad = submission(
        kind="", category_code="no-such-category", unit_code="NOPE", channel="fax",
        what_happened=" \n\t ", when_happened="ก" * 301,
        identity=Identity(name="  ", phone="call me", email="not-an-email"),
    )
    with pytest.raises(InvalidSubmission) as caught:
        file_complaint(session, pepper, bad, now=NOW)
    assert caught.value.problems == {
        "kind": "required",
        "category": "unknown",
        "unit": "unknown",
        "channel": "unknown",
        "what_happened": "required",
        "when_happened": "too_long",
        "name": "required",
        "phone": "invalid",
        "email": "invalid",
    }
    assert _nothing_stored(session)


@pytest.mark.parametrize(
    ("changes", "problems"),
    [
        ({"kind": ""}, {"kind": "required"}),
        ({"kind": "bribe"}, {"kind": "unknown"}),
        ({"kind": "Complaint"}, {"kind": "unknown"}),
        ({"category_code": ""}, {"category": "required"}),
        ({"category_code": "nope"}, {"category": "unknown"}),
        ({"unit_code": "NOPE"}, {"unit": "unknown"}),
        ({"unit_code": "works"}, {"unit": "unknown"}),
        ({"channel": ""}, {"channel": "unknown"}),
        ({"channel": "fax"}, {"channel": "unknown"}),
        ({"what_happened": ""}, {"what_happened": "required"}),
        ({"what_happened": "\x00\x01\x1f  \r\n"}, {"what_happened": "required"}),
        ({"what_happened": "ก" * (LIMITS["what_happened"] + 1)}, {"what_happened": "too_long"}),
        ({"when_happened": "x" * (LIMITS["when_happened"] + 1)}, {"when_happened": "too_long"}),
        ({"where_happened": "x" * (LIMITS["where_happened"] + 1)},
         {"where_happened": "too_long"}),
        ({"who_involved": "x" * (LIMITS["who_involved"] + 1)}, {"who_involved": "too_long"}),
        ({"identity": Identity(name="")}, {"name": "required"}),
        ({"identity": Identity(name="ก" * (LIMITS["name"] + 1))}, {"name": "too_long"}),
        ({"identity": named(phone="12")}, {"phone": "invalid"}),
        ({"identity": named(phone="08-1234-567x")}, {"phone": "invalid"}),
        ({"identity": named(phone="0" * (LIMITS["phone"] + 1))}, {"phone": "too_long"}),
        ({"identity": named(email="a@b")}, {"email": "invalid"}),
        ({"identity": named(email="a b@example.org")}, {"email": "invalid"}),
        ({"identity": named(email="a@" + "b" * 250 + ".th")}, {"email": "too_long"}),
    ],
)
def test_single_problems(session: Session, pepper: bytes, changes: dict[str, object],
                         problems: dict[str, str]) -> None:
    with pytest.raises(InvalidSubmission) as caught:
        file_complaint(session, pepper, submission(**changes), now=NOW)
    assert caught.value.problems == problems
    assert _nothing_stored(session)


def test_inactive_category_and_unit_are_unknown(session: Session, pepper: bytes) -> None:
    session.scalars(select(Category).where(Category.code == "general")).one().active = False
    session.scalars(select(Unit).where(Unit.code == "WORKS")).one().active = False
    with pytest.raises(InvalidSubmission) as caught:
        file_complaint(session, pepper, submission(unit_code="WORKS"), now=NOW)
    assert caught.value.problems == {"category": "unknown", "unit": "unknown"}


def test_texts_at_their_limits_are_accepted(session: Session, pepper: bytes) -> None:
    receipt = file_complaint(session, pepper, submission(
        what_happened="ก" * LIMITS["what_happened"],
        who_involved="x" * LIMITS["who_involved"],
        identity=Identity(name="ก" * LIMITS["name"], phone="+66 81-234-5678",
                          email="a@b.co"),
    ), now=NOW)
    assert receipt.case_number == "2570/000001"


# --- routing ------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("category", "named_unit", "routed"),
    [
        ("corruption", "WORKS", "AUDIT"),
        ("corruption", None, "AUDIT"),
        ("property_misuse", "PALAD", "AUDIT"),
        ("procurement", "FINANCE", "AUDIT"),
        ("abuse_of_power", "AUDIT", "AUDIT"),
        ("general", "WORKS", "WORKS"),
        ("general", None, "PALAD"),
        ("compliment", "FINANCE", "FINANCE"),
        ("late_service", None, "PALAD"),
        ("suggestion", "AUDIT", "AUDIT"),
    ],
)
def test_routing(session: Session, pepper: bytes, category: str, named_unit: str | None,
                 routed: str) -> None:
    receipt = file_complaint(
        session, pepper, submission(category_code=category, unit_code=named_unit), now=NOW
    )
    complaint = session.get(Complaint, receipt.complaint_id)
    assert complaint is not None
    assert complaint.unit.code == routed
    # The data key is sealed to the routed unit's ring, and to no other.
    rings = session.scalars(
        select(KeyRing).join(ComplaintKey, ComplaintKey.ring_id == KeyRing.id)
        .where(ComplaintKey.complaint_id == complaint.id)
    ).all()
    assert [ring.unit_id for ring in rings] == [complaint.unit_id]


# --- case numbers and dates ---------------------------------------------------------------

def test_case_numbers_are_sequential_per_fiscal_year_and_restart(session: Session,
                                                                 pepper: bytes) -> None:
    def file(now: datetime) -> str:
        return file_complaint(session, pepper, submission(), now=now).case_number

    assert file(datetime(2026, 10, 1, 0, 0, tzinfo=UTC)) == "2570/000001"
    assert file(datetime(2027, 3, 5, 8, 0, tzinfo=UTC)) == "2570/000002"
    assert file(datetime(2027, 9, 30, 23, 59, 59, tzinfo=UTC)) == "2570/000003"
    assert file(datetime(2027, 10, 1, 0, 0, tzinfo=UTC)) == "2571/000001"
    assert file(datetime(2026, 9, 30, 23, 59, tzinfo=UTC)) == "2569/000001"
    assert file(datetime(2027, 1, 1, tzinfo=UTC)) == "2570/000004"
    assert file(datetime(2028, 2, 1, tzinfo=UTC)) == "2571/000002"
    fiscal_years = session.scalars(select(Complaint.fiscal_year).order_by(Complaint.case_number))
    assert list(fiscal_years) == [2569, 2570, 2570, 2570, 2570, 2571, 2571]


def test_case_numbers_continue_across_commits(demo: Demo, pepper: bytes) -> None:
    numbers = []
    for _ in range(3):
        with demo.sessions() as session:
            numbers.append(file_complaint(session, pepper, submission(), now=NOW).case_number)
            session.commit()
    assert numbers == ["2570/000001", "2570/000002", "2570/000003"]


@pytest.mark.parametrize(("category", "sla_days"), [("general", 15), ("corruption", 60),
                                                    ("suggestion", 30)])
def test_received_and_due_days(session: Session, pepper: bytes, category: str,
                               sla_days: int) -> None:
    now = datetime(2027, 2, 20, 23, 59, 59, tzinfo=UTC)
    receipt = file_complaint(session, pepper, submission(category_code=category), now=now)
    complaint = session.get(Complaint, receipt.complaint_id)
    assert complaint is not None
    assert complaint.received_on == date(2027, 2, 20)
    assert complaint.updated_on == date(2027, 2, 20)
    # Working days (issue 9 §2): 20 Feb 2027 is a Saturday; 22 Feb is Makha Bucha (in lieu).
    assert complaint.due_on == add_working_days(date(2027, 2, 20), sla_days)
    assert complaint.due_on - complaint.received_on > timedelta(days=sla_days)
    assert complaint.acknowledge_due_on == date(2027, 2, 25)
    assert complaint.finished_on is None
    assert complaint.status is Status.RECEIVED
    events = session.scalars(select(CaseEvent).where(CaseEvent.complaint_id == complaint.id))
    assert [(e.kind, e.status, e.occurred_on) for e in events] == [
        (EventKind.STATUS, Status.RECEIVED, date(2027, 2, 20))]


def test_receipt_shows_a_grouped_code_that_is_stored_only_as_a_digest(session: Session,
                                                                      pepper: bytes) -> None:
    receipt = file_complaint(session, pepper, submission(), now=NOW)
    assert [len(group) for group in receipt.tracking_code.split("-")] == [4, 4, 4, 4]
    complaint = session.get(Complaint, receipt.complaint_id)
    assert complaint is not None
    code = normalise(receipt.tracking_code)
    assert complaint.tracking_digest == tracking_digest(pepper, code)
    for column in (complaint.content, complaint.identity, complaint.tracking_wrapped_key):
        assert code.encode() not in column


# --- the tracking code --------------------------------------------------------------------

def _spellings(code: str) -> list[str]:
    compact = code.replace("-", "")
    return [
        code,
        compact,
        code.lower(),
        " ".join(compact[i:i + 4] for i in range(0, 16, 4)),
        f"  {compact.lower()}  \n",
        code.translate(THAI_DIGITS),
        code.replace("0", "O").replace("1", "I"),
        code.lower().replace("0", "o").replace("1", "l"),
        "-".join(compact),
    ]


def test_read_thread_with_the_code_in_any_accepted_spelling(session: Session,
                                                            pepper: bytes) -> None:
    receipt = file_complaint(session, pepper, submission(kind="tip"), now=NOW)
    for spelling in _spellings(receipt.tracking_code):
        view = read_thread(session, pepper, spelling)
        assert view.case_number == receipt.case_number
        assert view.kind.value == "tip"
        assert view.status is Status.RECEIVED
        assert view.received_on == NOW.date()
        assert view.category.code == "general"
        assert [(e.kind, e.status, e.text) for e in view.entries] == [
            (EventKind.STATUS, Status.RECEIVED, None)]


def test_a_code_that_opens_nothing_is_not_found(session: Session, pepper: bytes) -> None:
    receipt = file_complaint(session, pepper, submission(), now=NOW)
    code = normalise(receipt.tracking_code)
    with pytest.raises(ComplaintNotFound):
        read_thread(session, pepper, new_tracking_code())
    # One symbol off is a different code.
    last = "0" if code[-1] != "0" else "1"
    with pytest.raises(ComplaintNotFound):
        read_thread(session, pepper, code[:-1] + last)
    # The right code under another server's pepper opens nothing either.
    with pytest.raises(ComplaintNotFound):
        read_thread(session, bytes(32), code)
    with pytest.raises(ComplaintNotFound):
        add_information(session, pepper, new_tracking_code(), "ข้อมูลเพิ่ม", now=NOW)


@pytest.mark.parametrize("typed", ["", "ABC", "ABCD-EFGH-JKMN-PQRU", "' OR 1=1 --"])
def test_malformed_code_is_malformed(session: Session, pepper: bytes, typed: str) -> None:
    with pytest.raises(MalformedTrackingCode):
        read_thread(session, pepper, typed)


def test_data_key_does_not_open_with_another_complaints_code(session: Session,
                                                             pepper: bytes) -> None:
    first = file_complaint(session, pepper, submission(), now=NOW)
    second = file_complaint(session, pepper, submission(), now=NOW)
    complaint = session.get(Complaint, first.complaint_id)
    assert complaint is not None
    aad = envelope.tracking_aad(complaint.id)
    own = tracking_wrap_key(pepper, normalise(first.tracking_code))
    data_key = aead.decrypt(own, complaint.tracking_wrapped_key, aad)
    envelope.decrypt_record(data_key, complaint.content, envelope.content_aad(complaint.id))
    other = tracking_wrap_key(pepper, normalise(second.tracking_code))
    with pytest.raises(DecryptionFailed):
        aead.decrypt(other, complaint.tracking_wrapped_key, aad)
    # Nor by moving the other complaint's wrapped key into this row: it is bound to its row.
    other_complaint = session.get(Complaint, second.complaint_id)
    assert other_complaint is not None
    with pytest.raises(DecryptionFailed):
        aead.decrypt(other, other_complaint.tracking_wrapped_key, aad)


def test_add_information_appears_in_the_thread(session: Session, pepper: bytes) -> None:
    receipt = file_complaint(session, pepper, submission(), now=NOW)
    later = NOW + timedelta(days=3)
    add_information(session, pepper, receipt.tracking_code.lower(),
                    "  ถ่ายรูปไว้แล้ว\x00 มีพยานสองคน \n", now=later)
    view = read_thread(session, pepper, receipt.tracking_code)
    assert [(e.kind, e.occurred_on, e.text) for e in view.entries][1:] == [
        (EventKind.INFORMATION, later.date(), "ถ่ายรูปไว้แล้ว มีพยานสองคน")]
    complaint = session.get(Complaint, receipt.complaint_id)
    assert complaint is not None
    assert complaint.updated_on == later.date()


@pytest.mark.parametrize(("text", "problem"), [
    ("", "required"), ("  \n ", "required"),
    ("ก" * (LIMITS["information"] + 1), "too_long"),
])
def test_bad_information_is_refused_and_nothing_added(session: Session, pepper: bytes,
                                                      text: str, problem: str) -> None:
    receipt = file_complaint(session, pepper, submission(), now=NOW)
    with pytest.raises(InvalidSubmission) as caught:
        add_information(session, pepper, receipt.tracking_code, text, now=NOW)
    assert caught.value.problems == {"information": problem}
    assert len(read_thread(session, pepper, receipt.tracking_code).entries) == 1


def _wait_until_blocked(engine: Engine) -> None:
    """Wait until another connection is waiting for a lock (PostgreSQL) or a moment (SQLite)."""
    if engine.dialect.name != "postgresql":
        time.sleep(0.5)
        return
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            waiting = conn.scalar(text(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE wait_event_type = 'Lock' AND datname = current_database()"))
        if waiting:
            return
        time.sleep(0.05)
    pytest.fail("the second filing never waited for the first")


def test_first_filings_of_a_fiscal_year_at_the_same_time_both_succeed(
    demo: Demo, engine: Engine, pepper: bytes
) -> None:
    """Two first complaints of a new fiscal year race to create its case counter."""
    results: dict[str, str] = {}

    def second() -> None:
        with demo.sessions() as other:
            try:
                results["second"] = file_complaint(other, pepper, submission(),
                                                   now=NOW).case_number
                other.commit()
            except Exception as exc:  # reported by the assertion below
                results["second"] = repr(exc)

    with demo.sessions() as first:
        results["first"] = file_complaint(first, pepper, submission(), now=NOW).case_number
        thread = threading.Thread(target=second)
        thread.start()
        _wait_until_blocked(engine)
        first.commit()
    thread.join(timeout=30)
    assert results == {"first": "2570/000001", "second": "2570/000002"}


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(what=st.text(min_size=1, max_size=300), who=st.text(max_size=100),
       information=st.text(min_size=1, max_size=200))
def test_any_text_comes_back_as_cleaned(session: Session, pepper: bytes, what: str, who: str,
                                        information: str) -> None:
    """Whatever Unicode is typed is stored and read back exactly as :func:`clean_text` made it,
    or refused as required; never an error of another kind."""
    typed = submission(what_happened=what, who_involved=who)
    if not clean_text(what):
        with pytest.raises(InvalidSubmission, match="what_happened: required"):
            file_complaint(session, pepper, typed, now=NOW)
        return
    receipt = file_complaint(session, pepper, typed, now=NOW)
    detail = open_case(session, unlock(session, "palad"), receipt.complaint_id)
    assert (detail.what_happened, detail.who_involved) == (clean_text(what), clean_text(who))
    if not clean_text(information):
        with pytest.raises(InvalidSubmission, match="information: required"):
            add_information(session, pepper, receipt.tracking_code, information, now=NOW)
        return
    add_information(session, pepper, receipt.tracking_code, information, now=NOW)
    last = read_thread(session, pepper, receipt.tracking_code).entries[-1]
    assert last.text == clean_text(information)
