"""The executive page lists each unit's oldest overdue cases, not tens of thousands of them
(issue 10 §5): at most :data:`OVERDUE_LISTED` a unit, oldest first, then "และอีก N เรื่อง"; the
workbook keeps them all."""

import re
from collections import defaultdict
from datetime import date

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select, update

from rongrian.intake.models import Installation, Unit
from rongrian.intake.period_report import OVERDUE_LISTED
from rongrian.intake.reporting import parse_period
from tests.admin.helpers import login, page
from tests.conftest import Demo
from tests.intake.report_seed import AS_OF, Seeded, outcome, seed_year


@pytest.fixture
def seeded(demo: Demo) -> tuple[list[Seeded], dict[int, str]]:
    with demo.sessions() as session:
        session.execute(update(Installation).values(created_on=date(2023, 10, 1)))
        cases = seed_year(session, count=700, seed=3)
        session.commit()
        codes = {unit.id: unit.code for unit in session.scalars(select(Unit))}
    return cases, codes


def _overdue_rows(html: str) -> list[tuple[str, str]]:
    """(unit code, second cell) of each row of the page's overdue table."""
    start = html.index('<table id="report-overdue">')
    table = html[start:html.index("</table>", start)]
    return re.findall(r"<tr[^>]*><td>([A-Z_]+)</td><td[^>]*>([^<]+)</td>", table)


def test_each_unit_shows_its_oldest_overdue_cases_and_a_count_of_the_rest(
        staff_client: FlaskClient, seeded: tuple[list[Seeded], dict[int, str]]) -> None:
    cases, codes = seeded
    period = parse_period("2568")
    wanted: dict[str, list[Seeded]] = defaultdict(list)
    for case in sorted(cases, key=lambda c: (c.received, c.case_number)):
        if (not case.whistleblower and period.start <= case.received <= period.end
                and outcome(case, AS_OF) == "open_overdue"):
            wanted[codes[case.unit_id]].append(case)
    assert max(len(listed) for listed in wanted.values()) > OVERDUE_LISTED  # the seed is big
    login(staff_client, "executive")
    status, body = page(staff_client, "/summary?period=2568&kind=general")
    assert status == 200
    shown: dict[str, list[str]] = defaultdict(list)
    for code, cell in _overdue_rows(body):
        shown[code].append(cell)
    assert set(shown) == set(wanted)
    for code, overdue in wanted.items():
        numbers = [case.case_number for case in overdue[:OVERDUE_LISTED]]
        rest = len(overdue) - OVERDUE_LISTED
        assert shown[code] == numbers + ([f"และอีก {rest:,} เรื่อง"] if rest > 0 else []), code
    total = sum(len(overdue) for overdue in wanted.values())
    assert re.search(rf'id="report-overdue-note">[^<]*{OVERDUE_LISTED}[^<]*{total:,}', body)


def test_no_note_when_every_overdue_case_is_listed(staff_client: FlaskClient,
                                                   seeded: tuple[list[Seeded], dict[int, str]]
                                                   ) -> None:
    login(staff_client, "executive")
    status, body = page(staff_client, "/summary?period=2568-Q2&kind=general")
    assert status == 200
    assert '<table id="report-overdue">' in body
    assert "report-overdue-note" not in body
    assert "และอีก" not in body
