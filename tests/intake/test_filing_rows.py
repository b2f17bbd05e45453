"""Writing a filing's rows (issue 11: one statement on PostgreSQL): case numbers stay unique and
gapless when citizens file at the same moment, the year's first filings included, and a filing
rolled back takes no number."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from rongrian.intake.models import CaseCounter, ComplaintKey
from rongrian.intake.store import file_complaint, read_thread
from tests.conftest import Demo
from tests.intake.helpers import NOW, submission

FILERS = 4
EACH = 6


def test_simultaneous_filings_get_distinct_consecutive_case_numbers(demo: Demo,
                                                                    pepper: bytes) -> None:
    def file_some(_worker: int) -> list[tuple[str, str]]:
        filed = []
        for _ in range(EACH):
            with demo.sessions() as session:
                receipt = file_complaint(session, pepper, submission(unit_code="WORKS"), now=NOW)
                session.commit()
            filed.append((receipt.case_number, receipt.tracking_code))
        return filed

    with ThreadPoolExecutor(FILERS) as pool:  # the year has no counter yet: they race for it
        results = [row for rows in pool.map(file_some, range(FILERS)) for row in rows]
    numbers = sorted(number for number, _code in results)
    assert numbers == [f"2570/{n:06d}" for n in range(1, FILERS * EACH + 1)]
    with demo.sessions() as session:
        assert session.scalar(select(CaseCounter.last_number)
                              .where(CaseCounter.fiscal_year == 2570)) == FILERS * EACH
        for number, code in results:  # each code opens its own case, with its first entry
            view = read_thread(session, pepper, code)
            assert view.case_number == number
            assert len(view.entries) == 1
        assert session.scalar(select(func.count()).select_from(ComplaintKey)) == FILERS * EACH


@pytest.mark.parametrize("filings", [1, 3])
def test_the_counter_counts_only_committed_filings(demo: Demo, pepper: bytes,
                                                   filings: int) -> None:
    with demo.sessions() as session:
        for _ in range(filings):
            file_complaint(session, pepper, submission(), now=NOW)
        session.rollback()
    with demo.sessions() as session:
        receipt = file_complaint(session, pepper, submission(), now=NOW)
        session.commit()
    assert receipt.case_number == "2570/000001"
