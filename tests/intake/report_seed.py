"""A seeded year of cases with known outcomes for the period-report tests (issue 10).

Cases are written straight into the table (their content is random bytes: the reports never
read it), so a year of them takes milliseconds. :func:`expected` is an independent oracle of the
report's rules: the tests compare every figure of the report, the page, the Word file and the
public CSV/JSON with it.
"""

import os
import random
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.models import Category, Channel, Complaint, Sensitivity, Status

#: The general categories and whistleblower categories the seed files into.
GENERAL = ("general", "road", "suggestion", "compliment")
CORRUPTION = ("corruption", "procurement")
#: The day the seeded statuses are judged (the end of fiscal year 2568).
AS_OF = date(2025, 9, 30)


@dataclass(frozen=True)
class Seeded:
    """One seeded case as the oracle sees it."""

    case_number: str
    category: str
    whistleblower: bool
    unit_id: int
    received: date
    due: date
    status: Status
    finished: date | None


def seed_year(session: Session, *, count: int = 160, seed: int = 10) -> list[Seeded]:
    """File ``count`` cases over fiscal years 2567–2568 (Oct 2023 – Sep 2025) with random but
    known statuses, due days and finishing days; flushed."""
    generator = random.Random(seed)
    categories = {c.code: c for c in session.scalars(select(Category))}
    first = date(2023, 10, 1)
    made = []
    for number in range(1, count + 1):
        code = generator.choice(GENERAL * 3 + CORRUPTION)
        category = categories[code]
        received = first + timedelta(days=generator.randrange(730))
        due = received + timedelta(days=generator.choice([7, 15, 30]))
        status = generator.choice([Status.RECEIVED, Status.IN_PROGRESS, Status.RESOLVED,
                                   Status.CLOSED, Status.REJECTED, Status.RESOLVED])
        finished = None
        if status in (Status.RESOLVED, Status.CLOSED, Status.REJECTED):
            finished = received + timedelta(days=generator.randrange(1, 40))
        fiscal = received.year + 543 + (1 if received.month >= 10 else 0)
        case_number = f"{fiscal}/{number:06d}"
        session.add(Complaint(
            id=uuid.uuid4(), case_number=case_number, fiscal_year=fiscal,
            tracking_digest=os.urandom(32), kind=category.kind, category_id=category.id,
            unit_id=category.default_unit_id, channel=generator.choice(list(Channel)[:4]),
            status=status, received_on=received, due_on=due,
            updated_on=finished or received, finished_on=finished, content=os.urandom(40),
            tracking_wrapped_key=os.urandom(40), identity=os.urandom(40),
            identity_key_custodian=os.urandom(40), identity_key_recovery=os.urandom(40),
            acknowledged_on=received + timedelta(days=generator.randrange(0, 6)),
            reopen_count=1 if generator.random() < 0.1 else 0))
        made.append(Seeded(case_number, code, category.sensitivity == Sensitivity.WHISTLEBLOWER,
                           category.default_unit_id, received, due, status, finished))
    session.flush()
    return made


def outcome(case: Seeded, as_of: date) -> str:
    """The oracle's outcome of ``case`` judged on ``as_of``."""
    if case.status == Status.REJECTED:
        return "rejected"
    if case.finished is not None:
        return "within" if case.finished <= case.due else "late"
    return "open_overdue" if case.due < as_of else "open_in_time"


def expected(cases: list[Seeded], start: date, end: date, corruption: bool
             ) -> dict[str, Counter[str]]:
    """Category code → outcome counts for the cases received from ``start`` to ``end``."""
    as_of = min(AS_OF, end)
    found: dict[str, Counter[str]] = {}
    for case in cases:
        if case.whistleblower == corruption and start <= case.received <= end:
            found.setdefault(case.category, Counter())[outcome(case, as_of)] += 1
    return found
