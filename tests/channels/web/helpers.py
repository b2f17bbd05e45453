"""Helpers of the citizen page tests: a valid form, filing, counting, staff actions."""

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from rongrian.admin.accounts import log_in, resume
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Complaint
from tests.conftest import PASSWORDS, Demo, csrf_token

#: A complete, valid anonymous complaint as the form posts it.
VALID = {
    "kind": "complaint",
    "category": "general",
    "unit": "WORKS",
    "channel": "web",
    "what_happened": "ถนนหน้าบ้านเป็นหลุมลึก รถจักรยานยนต์ล้มหลายครั้งแล้ว",
    "when_happened": "ต้นเดือนมีนาคม 2568",
    "where_happened": "ซอย 3 หมู่ 5",
    "who_involved": "",
    "identity": "anonymous",
    "name": "",
    "phone": "",
    "email": "",
}
TRACKING_CODE = re.compile(r'id="tracking-code">([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<')
CASE_NUMBER = re.compile(r'id="case-number">(\d{4}/\d{6})<')
#: The code every complaint filed through :func:`filed` gets (has 0 and 1 for look-alike tests).
KNOWN_CODE = "01AB2CD3EF4GH5JK"
KNOWN_DISPLAY = "01AB-2CD3-EF4G-H5JK"


#: ``token`` value of :func:`post_report` that reads a fresh token from the form page.
FETCH = "<fetch a fresh token>"


def post_report(client: FlaskClient, changes: Mapping[str, str | None] | None = None,
                *, token: str | None = FETCH) -> TestResponse:
    """POST the complaint form: :data:`VALID` with ``changes`` (``None`` drops a field).

    ``token`` is :data:`FETCH` (a fresh CSRF token from the form page), a token, or ``None``.
    """
    data = {**VALID, **(changes or {})}
    if token == FETCH:
        token = csrf_token(client.get("/report").get_data(as_text=True))
    if token is not None:
        data["csrf_token"] = token
    return client.post("/report", data={k: v for k, v in data.items() if v is not None})


def count_complaints(demo: Demo) -> int:
    """How many complaints the database holds."""
    with demo.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Complaint)) or 0)


def complaint_by_number(demo: Demo, case_number: str) -> Complaint:
    """The stored complaint with ``case_number`` (detached; clear columns only)."""
    with demo.sessions() as session:
        found = session.scalars(
            select(Complaint).where(Complaint.case_number == case_number)
        ).one()
        session.expunge(found)
        return found


def as_staff(demo: Demo, username: str,
             action: Callable[[Session, UnlockedAccount], object]) -> None:
    """Log ``username`` in and run ``action(session, unlocked)``, then commit."""
    with demo.sessions() as session:
        _account, ticket = log_in(session, username, PASSWORDS[username], strength="test")
        resumed = resume(session, ticket)
        assert resumed is not None
        unlocked: UnlockedAccount = resumed[1]
        action(session, unlocked)
        session.commit()


@dataclass(frozen=True)
class Filed:
    """A complaint filed for a tracking test."""

    code: str
    case_number: str
    complaint_id: uuid.UUID


def track(client: FlaskClient, code: str, *, url: str = "/track") -> TestResponse:
    """POST ``code`` to the tracking page with a fresh token."""
    token = csrf_token(client.get("/track").get_data(as_text=True))
    return client.post(url, data={"code": code, "csrf_token": token})
