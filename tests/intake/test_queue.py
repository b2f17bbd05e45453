"""The working queue (issue 9 §1): filters, orderings, paging totals, markers, the case-number
search, "new from the complainant", and a unit's labels."""

import json
import uuid
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.admin.accounts import add_staff
from rongrian.intake.assignment import assign
from rongrian.intake.casework import change_status
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission
from rongrian.intake.labels import (
    NAME_MAX,
    create_label,
    delete_label,
    labels_of_case,
    rename_label,
    set_case_labels,
    usage,
)
from rongrian.intake.models import (
    AuditEntry,
    Channel,
    Complaint,
    Kind,
    Role,
    Status,
    Unit,
    UnitMembership,
)
from rongrian.intake.queue import (
    QueueFilter,
    Sort,
    Tab,
    due_limit,
    find_case,
    normalise_case_number,
    queue_page,
)
from rongrian.intake.seen import has_unread, mark_seen
from rongrian.intake.store import add_information, file_complaint
from tests.intake.helpers import NOW, account, submission, unlock

#: A Friday before Songkran 2026 (13–15 April, and the weekend): the service clock's hard case.
FRIDAY = date(2026, 4, 10)


def _file(session: Session, pepper: bytes, **changes: object) -> tuple[uuid.UUID, str]:
    receipt = file_complaint(session, pepper, submission(**{"unit_code": "WORKS", **changes}),
                             now=NOW)
    return receipt.complaint_id, receipt.tracking_code


def _set(session: Session, case_id: uuid.UUID, **values: object) -> None:
    complaint = session.get(Complaint, case_id)
    assert complaint is not None
    for name, value in values.items():
        setattr(complaint, name, value)
    session.flush()


def _ids(session: Session, username: str, chosen: QueueFilter, **kwargs: object
         ) -> list[uuid.UUID]:
    page = queue_page(session, account(session, username).id, chosen, **kwargs)  # type: ignore[arg-type]
    return [row.id for row in page.rows]


def _unit(session: Session, code: str) -> Unit:
    return session.scalars(select(Unit).where(Unit.code == code)).one()


@pytest.fixture
def mixed(session: Session, pepper: bytes) -> dict[str, uuid.UUID]:
    """Five WORKS cases differing in one field each, and one case of another unit."""
    cases = {
        "plain": _file(session, pepper)[0],
        "line": _file(session, pepper, channel="line")[0],
        "grievance": _file(session, pepper, kind="grievance")[0],
        "roads": _file(session, pepper, category_code="road")[0],
        "finished": _file(session, pepper)[0],
        "finance": _file(session, pepper, unit_code="FINANCE")[0],
    }
    _set(session, cases["finished"], status=Status.CLOSED, finished_on=NOW.date())
    return cases


@pytest.mark.parametrize(("chosen", "expected"), [
    (QueueFilter(), {"plain", "line", "grievance", "roads"}),
    (QueueFilter(tab=Tab.FINISHED), {"finished"}),
    (QueueFilter(tab=Tab.ALL), {"plain", "line", "grievance", "roads", "finished"}),
    (QueueFilter(channel=Channel.LINE), {"line"}),
    (QueueFilter(kind=Kind.GRIEVANCE), {"grievance"}),
    (QueueFilter(status=Status.CLOSED, tab=Tab.ALL), {"finished"}),
    (QueueFilter(status=Status.CLOSED), set()),  # a finished status on the open tab
])
def test_filters_keep_only_matching_cases_of_the_units(
        session: Session, mixed: dict[str, uuid.UUID], chosen: QueueFilter,
        expected: set[str]) -> None:
    names = {value: key for key, value in mixed.items()}
    assert {names[i] for i in _ids(session, "works", chosen, today=NOW.date())} == expected


def test_category_filter_and_tab_totals(session: Session, mixed: dict[str, uuid.UUID]) -> None:
    roads = session.get(Complaint, mixed["roads"])
    assert roads is not None
    page = queue_page(session, account(session, "works").id,
                      QueueFilter(category_id=roads.category_id), today=NOW.date())
    assert [row.id for row in page.rows] == [mixed["roads"]]
    everything = queue_page(session, account(session, "works").id, QueueFilter())
    assert (everything.open_total, everything.finished_total, everything.total) == (4, 1, 4)


def test_a_unit_not_mine_shows_nothing(session: Session, mixed: dict[str, uuid.UUID]) -> None:
    finance = _unit(session, "FINANCE").id
    assert _ids(session, "works", QueueFilter(unit_id=finance)) == []
    assert _ids(session, "finance", QueueFilter()) == [mixed["finance"]]
    assert _ids(session, "palad", QueueFilter(tab=Tab.ALL)) == []


def test_orderings(session: Session, pepper: bytes) -> None:
    first, second, third = (_file(session, pepper)[0] for _ in range(3))
    _set(session, first, received_on=date(2026, 10, 1), due_on=date(2026, 11, 30))
    _set(session, second, received_on=date(2026, 10, 5), due_on=date(2026, 10, 20))
    _set(session, third, received_on=date(2026, 10, 9), due_on=date(2026, 11, 1))
    assert _ids(session, "works", QueueFilter()) == [second, third, first]  # due first
    assert _ids(session, "works", QueueFilter(sort=Sort.NEWEST)) == [third, second, first]
    assert _ids(session, "works", QueueFilter(sort=Sort.OLDEST)) == [first, second, third]
    assert _ids(session, "works", QueueFilter(tab=Tab.ALL)) == [third, second, first]


def test_paging_counts_every_case_and_never_caps(session: Session, pepper: bytes) -> None:
    filed = [_file(session, pepper)[0] for _ in range(5)]
    me = account(session, "works").id
    pages = [queue_page(session, me, QueueFilter(page=n, sort=Sort.OLDEST), per_page=2)
             for n in (1, 2, 3)]
    assert [(p.total, p.pages, p.page, p.first, p.last) for p in pages] == [
        (5, 3, 1, 1, 2), (5, 3, 2, 3, 4), (5, 3, 3, 5, 5)]
    assert [row.id for p in pages for row in p.rows] == filed
    beyond = queue_page(session, me, QueueFilter(page=99), per_page=2)
    assert (beyond.page, len(beyond.rows)) == (3, 1)


@pytest.mark.parametrize("ordering", list(Sort))
def test_pages_read_from_the_end_keep_the_order(session: Session, pepper: bytes,
                                                ordering: Sort) -> None:
    filed = [_file(session, pepper)[0] for _ in range(7)]
    for index, case_id in enumerate(filed):  # ties on both days: the case number decides
        _set(session, case_id, received_on=date(2026, 10, 1 + index % 3),
             due_on=date(2026, 11, 1 + index % 2))
    me = account(session, "works").id
    whole = [row.id for row in queue_page(session, me, QueueFilter(sort=ordering)).rows]
    paged = [row.id for n in (1, 2, 3) for row in queue_page(
        session, me, QueueFilter(sort=ordering, page=n), per_page=3).rows]
    assert paged == whole
    assert len(set(whole)) == 7


def test_due_within_counts_working_days_across_songkran(session: Session,
                                                        pepper: bytes) -> None:
    # 3 working days after Friday 10 April 2026: 16, 17 and 20 April (13-15 are Songkran).
    assert due_limit(session, FRIDAY, 3) == date(2026, 4, 20)
    overdue, today, monday, tuesday = (_file(session, pepper)[0] for _ in range(4))
    for case_id, due in ((overdue, date(2026, 4, 9)), (today, FRIDAY),
                         (monday, date(2026, 4, 20)), (tuesday, date(2026, 4, 21))):
        _set(session, case_id, due_on=due)
    assert set(_ids(session, "works", QueueFilter(due_within=3), today=FRIDAY)) == {
        today, monday}
    assert _ids(session, "works", QueueFilter(due_within=0), today=FRIDAY) == [today]
    assert _ids(session, "works", QueueFilter(overdue=True), today=FRIDAY) == [overdue]
    rows = {row.id: row for row in queue_page(session, account(session, "works").id,
                                              QueueFilter(), today=FRIDAY).rows}
    assert [(rows[i].overdue, rows[i].due_soon) for i in (overdue, today, monday, tuesday)] == [
        (True, False), (False, True), (False, True), (False, False)]


def test_a_finished_case_is_never_overdue_or_due(session: Session, pepper: bytes) -> None:
    case_id, _ = _file(session, pepper)
    _set(session, case_id, status=Status.RESOLVED, due_on=date(2026, 1, 1))
    assert _ids(session, "works", QueueFilter(tab=Tab.ALL, overdue=True)) == []
    [row] = queue_page(session, account(session, "works").id, QueueFilter(tab=Tab.ALL)).rows
    assert not row.overdue
    assert not row.due_soon


def test_due_within_is_bounded(session: Session) -> None:
    with pytest.raises(ValueError, match="out of range"):
        due_limit(session, FRIDAY, 61)


def test_officer_filters_and_the_mine_marker(session: Session, pepper: bytes) -> None:
    mine, other = _file(session, pepper)[0], _file(session, pepper)[0]
    works = unlock(session, "works")
    assign(session, works, mine, works.account_id)
    assert _ids(session, "works", QueueFilter(officer_id=works.account_id)) == [mine]
    assert _ids(session, "works", QueueFilter(unassigned=True)) == [other]
    rows = {row.id: row for row in queue_page(session, works.account_id, QueueFilter()).rows}
    assert rows[mine].mine
    assert rows[mine].assigned_name == account(session, "works").display_name
    assert not rows[other].mine
    assert rows[other].assigned_name is None


def _second_works_member(session: Session) -> int:
    colleague = add_staff(session, username="colleague", display_name="เพื่อนร่วมงาน",
                          role=Role.STAFF, password="colleague-pass-1", strength="test")
    session.add(UnitMembership(account_id=colleague.id, unit_id=_unit(session, "WORKS").id))
    session.flush()
    return colleague.id


def test_new_information_is_unread_for_each_staff_member_until_they_open_it(
        session: Session, pepper: bytes) -> None:
    case_id, code = _file(session, pepper)
    works = account(session, "works").id
    colleague = _second_works_member(session)
    assert not has_unread(session, works, case_id)  # a new case has nothing from later on
    add_information(session, pepper, code, "ส่งรูปเพิ่มเติมให้แล้ว", now=NOW)
    assert has_unread(session, works, case_id)
    assert has_unread(session, colleague, case_id)
    assert _ids(session, "works", QueueFilter(unread=True)) == [case_id]
    mark_seen(session, colleague, case_id)
    assert not has_unread(session, colleague, case_id)
    assert has_unread(session, works, case_id)  # a colleague's reading is not mine
    mark_seen(session, works, case_id)
    assert _ids(session, "works", QueueFilter(unread=True)) == []
    staff_reply_seq_change = unlock(session, "works")
    change_status(session, staff_reply_seq_change, case_id, Status.SCREENING, "ตรวจแล้ว",
                  now=NOW)
    assert not has_unread(session, works, case_id)  # staff entries are not "new from them"
    add_information(session, pepper, code, "ยังไม่มีใครมาดู", now=NOW + timedelta(days=1))
    [row] = queue_page(session, works, QueueFilter()).rows
    assert row.unread


def test_what_i_have_seen_is_kept_per_case(session: Session, pepper: bytes) -> None:
    """Reading one case clears its marker only, whichever case was read first."""
    filed = [_file(session, pepper) for _ in range(4)]
    works = account(session, "works").id
    for _, code in filed:
        add_information(session, pepper, code, "เพิ่มเติม", now=NOW)
    for case_id, _ in filed[1:3]:
        mark_seen(session, works, case_id)
    unread = {filed[0][0], filed[3][0]}
    assert set(_ids(session, "works", QueueFilter(unread=True))) == unread
    rows = queue_page(session, works, QueueFilter()).rows
    assert {row.id for row in rows if row.unread} == unread
    assert [has_unread(session, works, case_id) for case_id, _ in filed] == [
        True, False, False, True]


@pytest.mark.parametrize(("typed", "expected"), [
    ("2569/000123", "2569/000123"),
    (" 2569/123 ", "2569/000123"),
    ("2569 / 7", "2569/000007"),
    ("๒๕๖๙/๑๒๓", "2569/000123"),
    ("2569-000123", None),
    ("000123", None),
    ("2569/1234567", None),
    ("' OR 1=1 --", None),
    ("", None),
])
def test_case_numbers_typed_by_staff(typed: str, expected: str | None) -> None:
    assert normalise_case_number(typed) == expected


def test_find_case_only_in_my_units(session: Session, mixed: dict[str, uuid.UUID]) -> None:
    numbers = {key: session.get(Complaint, value).case_number  # type: ignore[union-attr]
               for key, value in mixed.items()}
    works = account(session, "works").id
    assert find_case(session, works, numbers["plain"]) == mixed["plain"]
    assert find_case(session, works, numbers["finished"]) == mixed["finished"]
    assert find_case(session, works, numbers["finance"]) is None
    assert find_case(session, account(session, "admin").id, numbers["plain"]) is None


# --- labels -------------------------------------------------------------------------------

def _actions(session: Session) -> list[tuple[str, dict[str, object]]]:
    return [(entry.action, json.loads(entry.detail)) for entry in session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq))]


def test_labels_are_made_put_on_cases_filtered_and_audited(session: Session,
                                                           pepper: bytes) -> None:
    works = account(session, "works").id
    unit = _unit(session, "WORKS").id
    waiting = create_label(session, works, unit, "  รอ   ผู้รับเหมา ")
    visit = create_label(session, works, unit, "ต้องลงพื้นที่")
    assert waiting.name == "รอ ผู้รับเหมา"
    labelled, plain = _file(session, pepper)[0], _file(session, pepper)[0]
    assert set_case_labels(session, works, labelled, [waiting.id, visit.id]) == (
        sorted([waiting.id, visit.id]), [])
    assert set_case_labels(session, works, labelled, [visit.id, waiting.id]) == ([], [])
    assert _ids(session, "works", QueueFilter(label_id=waiting.id)) == [labelled]
    rows = {row.id: row for row in queue_page(session, works, QueueFilter()).rows}
    assert [tag.name for tag in rows[labelled].labels] == ["ต้องลงพื้นที่", "รอ ผู้รับเหมา"]
    assert rows[plain].labels == ()
    rename_label(session, works, waiting.id, "รอผู้รับเหมา")
    assert set_case_labels(session, works, labelled, [visit.id]) == ([], [waiting.id])
    assert usage(session, [waiting.id, visit.id]) == {visit.id: 1}
    assert delete_label(session, works, visit.id) == 1
    complaint = session.get(Complaint, labelled)
    assert complaint is not None
    assert labels_of_case(session, complaint) == []
    actions = [(action, detail) for action, detail in _actions(session)
               if action.startswith("label") or action == "case_labels_changed"]
    assert [action for action, _ in actions] == [
        "label_created", "label_created", "case_labels_changed", "label_renamed",
        "case_labels_changed", "label_deleted"]
    assert actions[2][1] == {"added": f"{min(waiting.id, visit.id)},{max(waiting.id, visit.id)}",
                             "removed": ""}
    assert actions[-1][1] == {"label": visit.id, "cases": 1}
    assert not any("ผู้รับเหมา" in json.dumps(d, ensure_ascii=False) for _, d in actions)


@pytest.mark.parametrize(("name", "problem"), [
    ("", "required"), ("   \n\t ", "required"), ("ก" * (NAME_MAX + 1), "too_long"),
    ("ด่วน", "taken"), (" ด่วน ", "taken"),
])
def test_bad_label_names_are_refused(session: Session, name: str, problem: str) -> None:
    works = account(session, "works").id
    unit = _unit(session, "WORKS").id
    urgent = create_label(session, works, unit, "ด่วน")
    other = create_label(session, works, unit, "อื่น ๆ")
    with pytest.raises(InvalidSubmission) as refused:
        create_label(session, works, unit, name)
    assert refused.value.problems == {"name": problem}
    with pytest.raises(InvalidSubmission) as renamed:
        rename_label(session, works, other.id, name)
    assert renamed.value.problems == {"name": problem}
    assert (urgent.name, other.name) == ("ด่วน", "อื่น ๆ")


def test_another_units_labels_are_out_of_reach(session: Session, pepper: bytes) -> None:
    works, finance = account(session, "works").id, account(session, "finance").id
    finance_unit = _unit(session, "FINANCE").id
    theirs = create_label(session, finance, finance_unit, "งบประมาณ")
    case_id = _file(session, pepper)[0]
    with pytest.raises(InvalidSubmission) as not_member:
        create_label(session, works, finance_unit, "ของฉัน")
    assert not_member.value.problems == {"unit": "not_member"}
    for action in (lambda: rename_label(session, works, theirs.id, "x"),
                   lambda: delete_label(session, works, theirs.id),
                   lambda: set_case_labels(session, works, case_id, [theirs.id])):
        with pytest.raises(InvalidSubmission) as unknown:
            action()
        assert unknown.value.problems == {"label": "unknown"}
    with pytest.raises(ComplaintNotFound):
        set_case_labels(session, finance, case_id, [theirs.id])
    assert theirs.name == "งบประมาณ"


def test_a_moved_case_shows_only_its_new_units_labels(session: Session, pepper: bytes) -> None:
    works = account(session, "works").id
    label = create_label(session, works, _unit(session, "WORKS").id, "รออนุมัติ")
    case_id = _file(session, pepper)[0]
    set_case_labels(session, works, case_id, [label.id])
    _set(session, case_id, unit_id=_unit(session, "FINANCE").id)
    [row] = queue_page(session, account(session, "finance").id, QueueFilter()).rows
    assert row.labels == ()
    assert _ids(session, "finance", QueueFilter(label_id=label.id)) == []


def test_queue_rows_hold_no_content(session: Session, pepper: bytes) -> None:
    _file(session, pepper, what_happened="ข้อความลับเฉพาะของผู้ร้อง")
    [row] = queue_page(session, account(session, "works").id, QueueFilter(),
                       today=datetime(2026, 11, 3).date()).rows
    assert "ข้อความลับ" not in repr(row)
    assert row.age_days == 1
