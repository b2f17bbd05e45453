"""The per-worker reference cache (issue 11): the agency, units, categories, days off, key rings
and recovery key are read again exactly when the database says they changed, whoever changed
them."""

from collections.abc import Callable
from datetime import date

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from rongrian.intake.errors import ReferenceChanged, SetupError
from rongrian.intake.models import (
    CaseEvent,
    Complaint,
    ComplaintKey,
    ReferenceVersion,
    Sensitivity,
)
from rongrian.intake.reference import ReferenceCache, load_reference
from rongrian.intake.routing import route
from rongrian.intake.store import file_complaint, read_thread
from tests.conftest import Demo
from tests.intake.helpers import statements, submission


def test_unchanged_reference_costs_one_small_read(demo: Demo) -> None:
    cache = ReferenceCache()
    with demo.sessions() as session:
        first = cache.get(session)
    with demo.sessions() as session, statements(session) as seen:
        again = cache.get(session)
    assert again is first
    assert len(seen) == 1
    assert "reference_version" in seen[0]
    assert [c.code for c in first.categories][:2] == ["road", "street_light"]


#: Plain SQL from outside the application, one statement per table the token follows.
CHANGES: dict[str, Callable[[Session], object]] = {
    "agency": lambda s: s.execute(text("UPDATE agency SET hotline = '1111' WHERE id = 1")),
    "unit": lambda s: s.execute(text("UPDATE unit SET name_en = 'Roads' WHERE code = 'WORKS'")),
    "category": lambda s: s.execute(
        text("UPDATE category SET active = false WHERE code = 'tree'")),
    "day_off": lambda s: s.execute(
        text("INSERT INTO day_off (day, name) VALUES ('2026-12-07', 'วันหยุดชดเชย')")),
    "key_ring": lambda s: s.execute(
        text("UPDATE key_ring SET active = false WHERE purpose = 'custodian'")),
    "installation": lambda s: s.execute(
        text("UPDATE installation SET recovery_public_key = :key"), {"key": bytes(range(32))}),
}


@pytest.mark.parametrize("table", sorted(CHANGES))
def test_any_change_to_a_followed_table_is_read_on_the_next_request(demo: Demo,
                                                                     table: str) -> None:
    cache = ReferenceCache()
    with demo.sessions() as session:
        before = cache.get(session)
    with demo.sessions() as session:
        CHANGES[table](session)
        session.commit()
    with demo.sessions() as session:
        after = cache.get(session)
        assert after == load_reference(session, after.token)
    assert after is not before
    assert after.token != before.token
    if table == "agency":
        assert after.agency is not None
        assert after.agency.hotline == "1111"
    elif table == "unit":
        works = after.unit("WORKS")
        assert works is not None
        assert works.name_en == "Roads"
    elif table == "category":
        assert after.category("tree") is None
        assert before.category("tree") is not None
    elif table == "key_ring":
        works = after.unit("WORKS")
        assert works is not None
        with pytest.raises(SetupError, match="custodian"):
            after.filing_keys(works.id)
    elif table == "installation":
        assert after.recovery_public_key == bytes(range(32))
        assert before.recovery_public_key != after.recovery_public_key
    else:
        assert date(2026, 12, 7) in after.days_off


def test_an_uncommitted_change_is_not_kept_for_other_requests(demo: Demo) -> None:
    cache = ReferenceCache()
    with demo.sessions() as session:
        before = cache.get(session)
    with demo.sessions() as session:
        CHANGES["agency"](session)
        changed = cache.get(session)  # the writer's own request sees its change
        assert changed.agency is not None
        assert changed.agency.hotline == "1111"
        session.rollback()
    with demo.sessions() as session:
        now = cache.get(session)
    assert now.agency == before.agency


def test_without_the_token_row_nothing_is_kept(demo: Demo) -> None:
    cache = ReferenceCache()
    with demo.sessions() as session:
        session.execute(delete(ReferenceVersion))
        session.commit()
        first = cache.get(session)
        second = cache.get(session)
    assert first.token is None
    assert second is not first
    assert second == first
    with demo.sessions() as session:  # the next change brings the row back
        CHANGES["unit"](session)
        session.commit()
        assert session.get(ReferenceVersion, 1) is not None


def test_a_whistleblower_category_routes_to_the_active_integrity_unit_only(demo: Demo) -> None:
    with demo.sessions() as session:
        reference = load_reference(session)
        corruption = next(c for c in reference.categories
                          if c.sensitivity is Sensitivity.WHISTLEBLOWER)
        works = reference.unit("WORKS")
        assert route(reference, corruption, works).is_integrity
        session.execute(text("UPDATE unit SET active = false WHERE is_integrity"))
        with pytest.raises(SetupError, match="integrity"):
            route(load_reference(session), corruption, works)
        session.rollback()


def test_a_complaint_under_a_retired_category_still_shows_its_name(demo: Demo) -> None:
    pepper = bytes(range(32))
    cache = ReferenceCache()
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper,
                                 submission(category_code="tree", kind="complaint"),
                                 reference=cache.get(session))
        session.commit()
    with demo.sessions() as session:
        CHANGES["category"](session)  # "tree" is no longer offered
        session.commit()
    with demo.sessions() as session:
        reference = cache.get(session)
        with statements(session) as seen:
            view = read_thread(session, pepper, receipt.tracking_code, reference=reference)
    assert reference.category("tree") is None  # not offered on the form
    assert view.category.code == "tree"
    assert view.category.name_th == "ต้นไม้"
    assert [s for s in seen if "category" in s.split("FROM")[-1]] == []  # from the reference


def _filed_rows(session: Session) -> tuple[int, int, int]:
    return tuple(int(session.scalar(select(func.count()).select_from(model)) or 0)
                 for model in (Complaint, ComplaintKey, CaseEvent))  # type: ignore[return-value]


@pytest.mark.parametrize("table", sorted(CHANGES))
def test_a_filing_confirming_an_outdated_organisation_writes_nothing(demo: Demo,
                                                                    table: str) -> None:
    # A worker files against the organisation it keeps without reading the change token; the
    # filing itself confirms the token (issue 11), whatever table changed meanwhile.
    pepper = bytes(range(32))
    cache = ReferenceCache()
    with demo.sessions() as session:
        kept = cache.get(session)
        before = _filed_rows(session)
    with demo.sessions() as session:
        CHANGES[table](session)
        session.commit()
    with demo.sessions() as session:
        with pytest.raises(ReferenceChanged):
            file_complaint(session, pepper, submission(category_code="road"), reference=kept,
                           confirm_token=True)
        session.rollback()
        assert _filed_rows(session) == before


def test_a_filing_confirming_a_current_organisation_files(demo: Demo) -> None:
    pepper = bytes(range(32))
    cache = ReferenceCache()
    with demo.sessions() as session:
        kept = cache.get(session)
    numbers = []
    for _ in range(2):  # the year's first filing (its counter made), then the next
        with demo.sessions() as session:
            receipt = file_complaint(session, pepper, submission(category_code="road"),
                                     reference=cache.kept(), confirm_token=True)
            session.commit()
            numbers.append(receipt.case_number)
            assert read_thread(session, pepper, receipt.tracking_code).case_number \
                == receipt.case_number
    assert cache.kept() is kept
    assert numbers[1].endswith(f"{int(numbers[0][-6:]) + 1:06d}")
