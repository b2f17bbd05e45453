"""Case statuses and the moves allowed between them.

received (รับเรื่อง) → screening (ตรวจสอบเบื้องต้น) → forwarded (ส่งต่อหน่วยงาน) / in_progress
(อยู่ระหว่างดำเนินการ) → resolved (ดำเนินการแล้วเสร็จ) → closed (ยุติเรื่อง); rejected (ไม่รับพิจารณา) from
the early steps. ``closed`` and ``rejected`` are final.
"""

from datetime import date, timedelta

from rongrian.intake.errors import InvalidTransition
from rongrian.intake.models import Status

TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.RECEIVED: frozenset(
        {Status.SCREENING, Status.FORWARDED, Status.IN_PROGRESS, Status.REJECTED}
    ),
    Status.SCREENING: frozenset(
        {Status.FORWARDED, Status.IN_PROGRESS, Status.REJECTED, Status.CLOSED}
    ),
    Status.FORWARDED: frozenset({Status.IN_PROGRESS, Status.RESOLVED, Status.CLOSED}),
    Status.IN_PROGRESS: frozenset({Status.FORWARDED, Status.RESOLVED}),
    Status.RESOLVED: frozenset({Status.CLOSED, Status.IN_PROGRESS}),
    Status.CLOSED: frozenset(),
    Status.REJECTED: frozenset(),
}

#: Statuses that end the case's clock for the service-standard (SLA) count.
FINISHED = frozenset({Status.RESOLVED, Status.CLOSED, Status.REJECTED})


def allowed_next(current: Status) -> list[Status]:
    """Statuses reachable from ``current``, in workflow order."""
    return [status for status in Status if status in TRANSITIONS[current]]


def check_transition(current: Status, target: Status) -> None:
    """Raise :class:`InvalidTransition` unless ``current`` → ``target`` is allowed."""
    if target not in TRANSITIONS[current]:
        raise InvalidTransition(f"{current.value} -> {target.value}")


#: Days after a case finished in which the complainant may say it is not fixed (issue 9 §3);
#: "add information" closes with it.
REOPEN_WINDOW_DAYS = 30


def reopen_until(status: Status, finished_on: date | None) -> date | None:
    """Last day the complainant may reopen a finished case; ``None`` if it is not finished."""
    if status not in FINISHED or finished_on is None:
        return None
    return finished_on + timedelta(days=REOPEN_WINDOW_DAYS)


def information_open(status: Status, finished_on: date | None, today: date) -> bool:
    """Whether the complainant may still add information: always while the case is open,
    and up to :func:`reopen_until` once it is finished."""
    until = reopen_until(status, finished_on)
    return until is None or today <= until
