"""Helpers shared by the domain-core tests (and the at-rest test)."""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.intake.keyring import UnlockedAccount, unlock_account
from rongrian.intake.models import StaffAccount
from rongrian.intake.queue import QueueFilter, QueueRow, Tab, queue_page
from rongrian.intake.store import Identity, Submission
from tests.conftest import PASSWORDS, each_statement

BASE = Submission(
    kind="complaint",
    category_code="general",
    unit_code=None,
    channel="web",
    what_happened="ถนนหน้าบ้านเป็นหลุมเป็นบ่อมาสามเดือนแล้ว",
    when_happened="ตั้งแต่เดือนมกราคม",
    where_happened="ซอย 3 หมู่ 2",
    who_involved="",
)

#: A day well inside fiscal year 2570 (1 Oct 2026 – 30 Sep 2027 CE), at noon UTC.
NOW = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


def submission(**changes: Any) -> Submission:
    """:data:`BASE` with some fields changed."""
    return replace(BASE, **changes)


def named(name: str = "สมศรี มีสุข", phone: str = "0812345678",
          email: str = "somsri@example.org") -> Identity:
    return Identity(name=name, phone=phone, email=email)


def account(session: Session, username: str) -> StaffAccount:
    return session.scalars(select(StaffAccount).where(StaffAccount.username == username)).one()


def unlock(session: Session, username: str) -> UnlockedAccount:
    """The demo account ``username`` unlocked with its known test password."""
    return unlock_account(account(session, username), PASSWORDS[username])


def listed(session: Session, account_id: int, *, today: date | None = None) -> list[QueueRow]:
    """Every case the staff queue shows ``account_id`` (open and finished, first page)."""
    return queue_page(session, account_id, QueueFilter(tab=Tab.ALL), today=today).rows


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """The SQL statements ``session``'s engine sends inside the block."""
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    with each_statement(session.get_bind(), record):
        yield seen
