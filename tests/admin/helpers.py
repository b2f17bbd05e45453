"""Helpers of the staff-app tests: logging in through the form, reading pages, posting forms.
CSRF stays on: every POST first fetches a page and posts its token."""

import re
import uuid
from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.test import TestResponse

from rongrian.intake.models import CaseEvent, Complaint, Status
from rongrian.intake.store import Receipt
from tests.conftest import PASSWORDS, Demo, csrf_token

#: The ``file`` fixture: files a complaint (keyword arguments override the defaults).
Filer = Callable[..., Receipt]

#: Text typed by citizens in the tests, distinctive enough to search for in any page.
WORKS_TEXT = "ท่อระบายน้ำหน้าโรงเรียนอุดตัน น้ำท่วมขังสามวันแล้ว"
FINANCE_TEXT = "ใบเสร็จค่าธรรมเนียมขยะคิดเงินเกินจริง"
TIP_TEXT = "เจ้าหน้าที่กองช่างเรียกรับเงินใต้โต๊ะจากผู้รับเหมาโครงการถนน"


def login(client: FlaskClient, username: str, password: str | None = None) -> TestResponse:
    """Log in through the form (fetching its CSRF token first); return the POST's response."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    return client.post("/login", data={
        "username": username,
        "password": PASSWORDS.get(username, "") if password is None else password,
        "csrf_token": token,
    })


def sent_to_login(response: TestResponse, wanted: str | None = None) -> bool:
    """True when the staff app sent the visitor to its log-in page (no live session), with
    ``?next=`` naming ``wanted`` when given."""
    if response.status_code != 303 or not (response.location or "").startswith("/login"):
        return False
    parts = urlsplit(response.location or "")
    return wanted is None or (parts.path == "/login"
                              and parse_qs(parts.query).get("next") == [wanted])


def page(client: FlaskClient, path: str) -> tuple[int, str]:
    """GET ``path``; return the status and the body as text."""
    response = client.get(path)
    return response.status_code, response.get_data(as_text=True)


def post_form(client: FlaskClient, form_page: str, path: str, data: dict[str, str]
              ) -> TestResponse:
    """POST ``data`` to ``path`` with the CSRF token of ``form_page``."""
    token = csrf_token(client.get(form_page).get_data(as_text=True))
    return client.post(path, data={**data, "csrf_token": token})


def case_links(html: str) -> set[str]:
    """Case numbers linked from a case list page."""
    return set(re.findall(r'<a href="/cases/[0-9a-f-]{36}">([0-9]{4}/[0-9]{6})</a>', html))


def status_of(demo: Demo, case_id: uuid.UUID) -> tuple[Status, int]:
    """The case's status and the number of entries in its thread, read from the database."""
    with demo.sessions() as session:
        complaint = session.get(Complaint, case_id)
        assert complaint is not None
        events = session.scalars(select(CaseEvent).where(CaseEvent.complaint_id == case_id))
        return complaint.status, len(list(events))
