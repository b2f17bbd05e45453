"""Fixtures of the staff-app tests."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select, update

from rongrian.intake.models import Installation, StaffAccount
from rongrian.intake.store import Receipt, Submission, file_complaint
from rongrian.settings import Settings
from tests.admin.helpers import WORKS_TEXT, Filer
from tests.conftest import Demo
from tests.intake.report_seed import Seeded, seed_year


@pytest.fixture
def file(demo: Demo, settings: Settings) -> Filer:
    """File a complaint as a citizen would (committed); keyword arguments override the
    defaults of :class:`Submission`, ``now`` sets the filing time."""

    def filing(*, now: datetime | None = None, **fields: object) -> Receipt:
        values: dict[str, object] = {
            "kind": "complaint", "category_code": "general", "unit_code": "WORKS",
            "channel": "web", "what_happened": WORKS_TEXT, "when_happened": "เมื่อวานนี้",
            "where_happened": "ซอย 3", "who_involved": "",
        }
        values.update(fields)
        with demo.sessions() as session:
            receipt = file_complaint(session, settings.secrets.tracking_pepper,
                                     Submission(**values),  # type: ignore[arg-type]
                                     now=now or datetime.now(UTC))
            session.commit()
        return receipt

    return filing


@pytest.fixture
def desk_officer(demo: Demo) -> str:
    """``palad`` (a member of สำนักปลัด only) given the intake-desk role (issue 8)."""
    with demo.sessions() as session:
        session.scalars(select(StaffAccount).where(StaffAccount.username == "palad")
                        ).one().intake_desk = True
        session.commit()
    return "palad"


@pytest.fixture
def installed_before(demo: Demo) -> None:
    """The agency was installed in fiscal year 2568, so its reports go back to it (issue 10:
    a year before the installation is refused)."""
    with demo.sessions() as session:
        session.execute(update(Installation).values(created_on=date(2024, 10, 1)))
        session.commit()


@pytest.fixture
def seeded(demo: Demo) -> list[Seeded]:
    """A fiscal year of cases with known outcomes (:func:`tests.intake.report_seed.seed_year`),
    the agency installed in 2566 so every period of it can be reported."""
    with demo.sessions() as session:
        session.execute(update(Installation).values(created_on=date(2023, 10, 1)))
        cases = seed_year(session)
        session.commit()
    return cases
