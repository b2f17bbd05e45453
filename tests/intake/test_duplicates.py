""""Duplicate of" linking (issue 9 §1): marking, undoing, the refusals, the complainant's side
and the reports that count a duplicated complaint once — on the demo municipality."""

import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from rongrian.intake import complainant
from rongrian.intake.audit import entries_for
from rongrian.intake.casework import change_status, open_case
from rongrian.intake.duplicates import (
    DuplicateRefused,
    duplicates_of,
    mark_duplicate,
    normalise_case_number,
    undo_duplicate,
)
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission
from rongrian.intake.models import AuditAction, AuditEntry, CaseEvent, Complaint, Status
from rongrian.intake.period_report import ReportKind, build_report
from rongrian.intake.public_tables import TOTAL, as_json
from rongrian.intake.publication import acknowledge, published_report, write_analysis
from rongrian.intake.reporting import parse_period, summarise
from rongrian.intake.store import add_information, file_complaint, read_thread
from tests.intake.helpers import NOW, account, submission, unlock

ORIGINAL_TEXT = "ไฟถนนหน้าวัดดับทั้งซอยมาหนึ่งสัปดาห์"


def _file(session: Session, pepper: bytes, **changes: object) -> tuple[uuid.UUID, str, str]:
    receipt = file_complaint(session, pepper, submission(**changes), now=NOW)
    return receipt.complaint_id, receipt.tracking_code, receipt.case_number


def _complaint(session: Session, case_id: uuid.UUID) -> Complaint:
    complaint = session.get(Complaint, case_id)
    assert complaint is not None
    return complaint


def _state(session: Session, case_id: uuid.UUID) -> tuple[object, ...]:
    """What a refused action must leave as it was."""
    complaint = _complaint(session, case_id)
    events = session.scalar(select(func.count()).select_from(CaseEvent)
                            .where(CaseEvent.complaint_id == case_id))
    audit = session.scalar(select(func.count()).select_from(AuditEntry))
    return (complaint.status, complaint.duplicate_of_id, complaint.finished_on, events, audit)


def test_marking_closes_the_duplicate_and_tells_the_complainant(session: Session,
                                                                 pepper: bytes) -> None:
    original_id, _, original_number = _file(session, pepper, what_happened=ORIGINAL_TEXT)
    duplicate_id, code, _ = _file(session, pepper)
    palad = unlock(session, "palad")
    change_status(session, palad, duplicate_id, Status.SCREENING, "", now=NOW)

    returned = mark_duplicate(session, palad, duplicate_id, original_number, now=NOW)

    assert returned.id == original_id
    duplicate = _complaint(session, duplicate_id)
    assert (duplicate.status, duplicate.finished_on) == (Status.CLOSED, NOW.date())
    assert duplicate.duplicate_of_id == original_id
    assert duplicate.duplicate_prior_status is Status.SCREENING
    assert _complaint(session, original_id).status is Status.RECEIVED  # untouched
    thread = read_thread(session, pepper, code)
    assert thread.status is Status.CLOSED
    assert f"เรื่องของท่านรวมกับเรื่องเลขที่ {original_number}" in (thread.entries[-1].text or "")
    assert all(ORIGINAL_TEXT not in (entry.text or "") for entry in thread.entries)
    staff_view = open_case(session, palad, duplicate_id, today=NOW.date())
    assert staff_view.entries[-2].text == (  # the internal note
        f"ซ้ำกับเรื่องเลขที่ {original_number} / duplicate of {original_number}")
    audit = entries_for(session, duplicate_id, (AuditAction.CASE_MARKED_DUPLICATE,))
    assert [entry.detail for entry in audit] == [
        f'{{"from":"screening","original":"{original_number}","to":"closed"}}']
    assert [d.case_number for d in duplicates_of(session, original_id)] == [
        duplicate.case_number]


def test_undo_restores_the_former_status_and_is_audited(session: Session,
                                                        pepper: bytes) -> None:
    _, _, original_number = _file(session, pepper)
    duplicate_id, code, _ = _file(session, pepper)
    palad = unlock(session, "palad")
    change_status(session, palad, duplicate_id, Status.IN_PROGRESS, "", now=NOW)
    mark_duplicate(session, palad, duplicate_id, original_number, now=NOW)

    undo_duplicate(session, palad, duplicate_id, now=NOW + timedelta(days=1))

    duplicate = _complaint(session, duplicate_id)
    assert (duplicate.status, duplicate.finished_on) == (Status.IN_PROGRESS, None)
    assert (duplicate.duplicate_of_id, duplicate.duplicate_prior_status) == (None, None)
    audit = entries_for(session, duplicate_id, (AuditAction.CASE_DUPLICATE_UNDONE,))
    assert [entry.detail for entry in audit] == [
        f'{{"from":"closed","original":"{original_number}","to":"in_progress"}}']
    thread = read_thread(session, pepper, code)
    assert "ยกเลิกการรวม" in (thread.entries[-1].text or "")
    assert complainant.standing(session, pepper, code).merged_into is None
    with pytest.raises(DuplicateRefused) as refused:
        undo_duplicate(session, palad, duplicate_id, now=NOW)
    assert refused.value.code == "not_duplicate"


@pytest.mark.parametrize(("typed", "expected"), [
    ("2569/000123", "2569/000123"), (" 2569 / 123 ", "2569/000123"),
    ("๒๕๖๙/๑๒๓", "2569/000123")])
def test_case_numbers_are_read_in_their_usual_spellings(typed: str, expected: str) -> None:
    assert normalise_case_number(typed) == expected


@pytest.mark.parametrize("typed", ["", "abc", "2569", "2569/1234567", "69/123", "2569-000123"])
def test_malformed_case_numbers_are_refused(typed: str) -> None:
    with pytest.raises(DuplicateRefused) as refused:
        normalise_case_number(typed)
    assert refused.value.code == "malformed"


def _refusal_setup(session: Session, pepper: bytes, which: str) -> tuple[uuid.UUID, str]:
    """The case to mark and the number typed, for each refusal."""
    case_id, _, number = _file(session, pepper)
    palad = unlock(session, "palad")
    if which == "unknown":
        return case_id, "2569/999999"
    if which == "other_unit":
        _, _, other = _file(session, pepper, unit_code="FINANCE")
        return case_id, other
    if which == "same":
        return case_id, number
    if which == "chain":
        _, _, first = _file(session, pepper)
        middle_id, _, middle = _file(session, pepper)
        mark_duplicate(session, palad, middle_id, first, now=NOW)
        return case_id, middle
    if which == "already_duplicate":
        _, _, first = _file(session, pepper)
        _, _, second = _file(session, pepper)
        mark_duplicate(session, palad, case_id, first, now=NOW)
        return case_id, second
    if which == "has_duplicates":
        other_id, _, _ = _file(session, pepper)
        _, _, target = _file(session, pepper)
        mark_duplicate(session, palad, other_id, number, now=NOW)
        return case_id, target
    if which == "finished":
        _, _, target = _file(session, pepper)
        change_status(session, palad, case_id, Status.REJECTED, "", now=NOW)
        return case_id, target
    assert which == "original_finished"
    target_id, _, target = _file(session, pepper)
    change_status(session, palad, target_id, Status.REJECTED, "", now=NOW)
    return case_id, target


@pytest.mark.parametrize(("which", "code"), [
    ("unknown", "unknown"), ("other_unit", "unknown"), ("same", "same"), ("chain", "chain"),
    ("already_duplicate", "already_duplicate"), ("has_duplicates", "has_duplicates"),
    ("finished", "finished"), ("original_finished", "original_finished")])
def test_refused_links_change_nothing(session: Session, pepper: bytes, which: str,
                                      code: str) -> None:
    case_id, typed = _refusal_setup(session, pepper, which)
    before = _state(session, case_id)
    with pytest.raises(DuplicateRefused) as refused:
        mark_duplicate(session, unlock(session, "palad"), case_id, typed, now=NOW)
    assert refused.value.code == code
    assert isinstance(refused.value, InvalidSubmission)
    if code in ("chain", "already_duplicate"):
        assert refused.value.original is not None  # the refusal names the original
    assert _state(session, case_id) == before


def test_a_member_of_another_unit_cannot_mark_the_case(session: Session,
                                                       pepper: bytes) -> None:
    case_id, _, _ = _file(session, pepper)
    _, _, target = _file(session, pepper, unit_code="FINANCE")
    with pytest.raises(ComplaintNotFound):
        mark_duplicate(session, unlock(session, "finance"), case_id, target, now=NOW)
    assert _complaint(session, case_id).duplicate_of_id is None


def test_the_complainant_follows_the_original(session: Session, pepper: bytes) -> None:
    original_id, _, original_number = _file(session, pepper)
    duplicate_id, code, _ = _file(session, pepper)
    palad = unlock(session, "palad")
    mark_duplicate(session, palad, duplicate_id, original_number, now=NOW)

    standing = complainant.standing(session, pepper, code, today=NOW.date())
    assert standing.merged_into is not None
    assert (standing.merged_into.case_number, standing.merged_into.status) == (
        original_number, Status.RECEIVED)
    assert (standing.can_reopen, standing.can_rate, standing.information_open) == (
        False, False, True)
    add_information(session, pepper, code, "ยังดับอยู่ทุกคืน", now=NOW + timedelta(days=40))
    with pytest.raises(InvalidSubmission) as refused:
        complainant.reopen(session, pepper, code, "ยังไม่ได้แก้", now=NOW)
    assert refused.value.problems == {"reopen": "duplicate"}
    with pytest.raises(InvalidSubmission) as refused:
        complainant.rate(session, pepper, code, 5, now=NOW)
    assert refused.value.problems == {"rating": "duplicate"}

    # the original finishes: information stays open for its reopen window, then closes
    change_status(session, palad, original_id, Status.REJECTED, "", now=NOW)
    standing = complainant.standing(session, pepper, code, today=NOW.date())
    assert standing.merged_into is not None
    assert (standing.merged_into.status, standing.merged_into.finished_on) == (
        Status.REJECTED, NOW.date())
    assert standing.information_open
    later = NOW + timedelta(days=31)
    assert not complainant.standing(session, pepper, code, today=later.date()).information_open
    with pytest.raises(InvalidSubmission) as refused:
        add_information(session, pepper, code, "อีกครั้ง", now=later)
    assert refused.value.problems == {"information": "closed"}


# --- reports count a duplicated complaint once ---------------------------------------------

def _report_totals(session: Session, label: str) -> dict[str, int]:
    period = parse_period(label)
    report = build_report(session, period, ReportKind.GENERAL, as_of=NOW.date())
    summary = summarise(session, period, as_of=NOW.date())
    return {
        "summary": summary.total,
        "summary_web": summary.by_channel["web"],
        "period_report": report.total,
        "period_report_units": sum(line.total for line in report.units),
        "trend": sum(line.counts["this"] for line in report.trend),
        "channels": sum(report.channels.values()),
    }


def test_each_report_counts_a_duplicated_complaint_once(session: Session,
                                                        pepper: bytes) -> None:
    label = "2570-Q1"  # NOW is 2 Nov 2026: fiscal year 2570's first quarter
    _, _, original_number = _file(session, pepper)
    duplicate_id, _, _ = _file(session, pepper)
    _file(session, pepper)
    assert set(_report_totals(session, label).values()) == {3}
    palad = unlock(session, "palad")

    mark_duplicate(session, palad, duplicate_id, original_number, now=NOW)

    assert _report_totals(session, label) == {
        "summary": 2, "summary_web": 2, "period_report": 2, "period_report_units": 2,
        "trend": 2, "channels": 2}
    # the published statistics are frozen from the same report when acknowledged
    write_analysis(session, account(session, "integrity"), label, ReportKind.GENERAL,
                   "เรื่องซ้ำนับครั้งเดียว", today=NOW.date())
    acknowledge(session, account(session, "executive"), parse_period(label), label,
                ReportKind.GENERAL, name="นายก", position="นายกเทศมนตรี", today=NOW.date())
    published = as_json(published_report(session, label, ReportKind.GENERAL), threshold=0)
    outcome = next(table for table in published["tables"] if table["key"] == "outcome")
    grand = next(row for row in outcome["rows"] if row["code"] == TOTAL)["cells"][TOTAL]
    assert grand["value"] == 2
    undo_duplicate(session, palad, duplicate_id, now=NOW)
    assert set(_report_totals(session, label).values()) == {3}


def test_the_previous_year_total_leaves_duplicates_out(session: Session,
                                                       pepper: bytes) -> None:
    last_year = NOW - timedelta(days=365)
    first = file_complaint(session, pepper, submission(), now=last_year)
    second = file_complaint(session, pepper, submission(), now=last_year)
    mark_duplicate(session, unlock(session, "palad"), second.complaint_id, first.case_number,
                   now=last_year)
    report = build_report(session, parse_period("2570-Q1"), ReportKind.GENERAL,
                          as_of=date(2026, 11, 2))
    assert report.previous_total == 1
