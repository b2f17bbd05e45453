"""Retention (issue 9 §5): finished cases past their category's period are purged by
``rongrian maintenance`` — content, identity, keys, thread, attachment files gone, the clear
columns kept so that past periods' summaries do not change; whistleblower cases kept until
their unit releases them; every purge and release audited."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update

from rongrian.admin.maintenance import run_maintenance
from rongrian.intake import retention
from rongrian.intake.attachments import attach_to_new_complaint
from rongrian.intake.casework import change_status, open_case, reply, reroute
from rongrian.intake.errors import ComplaintNotFound, InvalidTransition, KeyNotGranted
from rongrian.intake.models import (
    Attachment,
    AuditEntry,
    CaseEvent,
    CaseTransfer,
    Category,
    Complaint,
    ComplaintKey,
    Status,
)
from rongrian.intake.reporting import parse_period, summarise
from rongrian.intake.store import Receipt, file_complaint, read_thread
from tests.conftest import Demo
from tests.intake.helpers import named, submission, unlock

#: Filed and closed in fiscal year 2562 (2019), more than five years before :data:`TODAY`.
OLD = datetime(2019, 3, 4, 9, 0, tzinfo=UTC)
TODAY = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)
SECRET_TEXT = "ถนนหน้าบ้านเลขที่ 99 พังมานาน ผู้รับเหมาทิ้งงาน"


def _filed(demo: Demo, pepper: bytes, folder: Path, *, when: datetime = OLD,
           close: bool = True, **changes: object) -> Receipt:
    """A complaint with an attachment, a reply and a move, closed on the day it was filed."""
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper, submission(
            what_happened=SECRET_TEXT, identity=named(), **changes), now=when)
        attach_to_new_complaint(session, pepper, receipt.tracking_code, folder,
                                [(io.BytesIO(b"%PDF-1.7 evidence"), "application/pdf")],
                                now=when)
        session.commit()
        complaint = session.get(Complaint, receipt.complaint_id)
        assert complaint is not None
        tip = complaint.category.sensitivity.value == "whistleblower"
        member, other = ("integrity", "") if tip else ("palad", "works")
        unlocked = unlock(session, member)
        reply(session, unlocked, receipt.complaint_id, "รับเรื่องแล้ว", now=when)
        if other:
            reroute(session, unlocked, receipt.complaint_id, "WORKS",
                    "เป็นเรื่องของกองช่างตามคำสั่งแบ่งงาน", now=when)
            session.commit()
            unlocked = unlock(session, other)
        if close:
            change_status(session, unlocked, receipt.complaint_id, Status.SCREENING, "",
                          now=when)
            change_status(session, unlocked, receipt.complaint_id, Status.CLOSED, "จบ",
                          now=when)
        session.commit()
    return receipt


def _maintain(engine: Engine, folder: Path, now: datetime = TODAY) -> dict[str, int]:
    return run_maintenance(engine, folder, now=now).counts


def _purged(demo: Demo, receipt: Receipt) -> bool:
    with demo.sessions() as session:
        complaint = session.get(Complaint, receipt.complaint_id)
        assert complaint is not None
        return complaint.purged_on is not None


def test_a_case_past_its_period_loses_its_content_and_keeps_its_counts(
        demo: Demo, engine: Engine, pepper: bytes, tmp_path: Path) -> None:
    old = _filed(demo, pepper, tmp_path)
    recent = _filed(demo, pepper, tmp_path, when=TODAY - timedelta(days=400))
    still_open = _filed(demo, pepper, tmp_path, close=False)
    period = parse_period("2562")
    with demo.sessions() as session:
        before = summarise(session, period, as_of=TODAY.date())
        files_before = {row.complaint_id: row.storage_name
                        for row in session.scalars(select(Attachment))}
    assert before.total == 2

    counts = _maintain(engine, tmp_path)

    assert counts["purged_cases"] == 1
    assert counts["purged_files"] == 1
    with demo.sessions() as session:
        assert summarise(session, period, as_of=TODAY.date()) == before
        complaint = session.get(Complaint, old.complaint_id)
        assert complaint is not None
        assert (complaint.case_number, complaint.status, complaint.category.code,
                complaint.channel.value) == (old.case_number, Status.CLOSED, "general", "web")
        assert complaint.content == b""
        assert complaint.identity == b""
        assert complaint.identity_key_custodian == b"" == complaint.tracking_wrapped_key
        assert complaint.purged_on == TODAY.date()
        for table in (CaseEvent, Attachment, ComplaintKey):
            assert session.scalar(select(func.count()).select_from(table).where(
                table.complaint_id == old.complaint_id)) == 0
        reasons = session.scalars(select(CaseTransfer.reason).where(
            CaseTransfer.complaint_id == old.complaint_id)).all()
        assert reasons == [b""]
        with pytest.raises(ComplaintNotFound):
            read_thread(session, pepper, old.tracking_code)
        with pytest.raises(KeyNotGranted):
            open_case(session, unlock(session, "works"), old.complaint_id)
        for kept in (recent, still_open):
            assert read_thread(session, pepper, kept.tracking_code).entries
        entries = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "cases_purged")).all()
        assert [entry.case_number for entry in entries] == [old.case_number]
    assert not (tmp_path / files_before[old.complaint_id]).exists()
    assert (tmp_path / files_before[recent.complaint_id]).exists()
    assert _maintain(engine, tmp_path).get("purged_cases") == 0  # nothing twice


def test_a_whistleblower_case_is_kept_until_its_unit_releases_it(
        demo: Demo, engine: Engine, pepper: bytes, tmp_path: Path) -> None:
    tip = _filed(demo, pepper, tmp_path, kind="tip", category_code="corruption")
    assert _maintain(engine, tmp_path)["purged_cases"] == 0
    assert not _purged(demo, tip)
    with demo.sessions() as session:
        with pytest.raises(ComplaintNotFound):  # not a member of the integrity unit
            retention.release(session, unlock(session, "palad").account_id, tip.complaint_id)
        retention.release(session, unlock(session, "integrity").account_id, tip.complaint_id)
        session.commit()
        with pytest.raises(InvalidTransition):  # once
            retention.release(session, unlock(session, "integrity").account_id,
                              tip.complaint_id)
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "retention_released")).one()
        assert (entry.actor_name, entry.case_number) == ("integrity", tip.case_number)
    assert _maintain(engine, tmp_path)["purged_cases"] == 1
    assert _purged(demo, tip)


def test_an_open_or_ordinary_case_cannot_be_released(demo: Demo, pepper: bytes,
                                                     tmp_path: Path) -> None:
    ordinary = _filed(demo, pepper, tmp_path)
    open_tip = _filed(demo, pepper, tmp_path, kind="tip", category_code="corruption",
                      close=False)
    with demo.sessions() as session:
        with pytest.raises(InvalidTransition):
            retention.release(session, unlock(session, "works").account_id,
                              ordinary.complaint_id)
        with pytest.raises(InvalidTransition):
            retention.release(session, unlock(session, "integrity").account_id,
                              open_tip.complaint_id)


@pytest.mark.parametrize(("years", "purged"), [(1, True), (7, True), (8, False), (20, False)])
def test_the_period_is_the_categorys(demo: Demo, engine: Engine, pepper: bytes,
                                     tmp_path: Path, years: int, purged: bool) -> None:
    receipt = _filed(demo, pepper, tmp_path)  # closed 4 March 2019; today 2 November 2026
    with demo.sessions() as session:
        session.execute(update(Category).where(Category.code == "general")
                        .values(retention_years=years))
        session.commit()
    _maintain(engine, tmp_path)
    assert _purged(demo, receipt) is purged


@pytest.mark.parametrize(("finished", "years", "first_day"), [
    ("2019-03-04", 5, "2024-03-04"), ("2020-02-29", 5, "2025-02-28"),
    ("2020-02-29", 4, "2024-02-29")])
def test_the_purge_day(finished: str, years: int, first_day: str) -> None:
    from datetime import date
    assert retention.purge_day(date.fromisoformat(finished), years) == \
        date.fromisoformat(first_day)
    assert retention.years_before(date.fromisoformat(first_day), years) <= \
        date.fromisoformat(finished)
