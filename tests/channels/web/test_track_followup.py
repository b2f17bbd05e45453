"""The complainant's side of casework on /track (issue 9 §3-4): what they filed, the unit,
the status explained, the due date, "not fixed" (reopen) and the rating."""

import io
import re
from datetime import UTC, datetime, timedelta

from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from rongrian.intake.closing import move_case
from rongrian.intake.keyring import UnlockedAccount
from rongrian.intake.models import Complaint, Rating, Status
from rongrian.intake.store import Submission, file_complaint
from rongrian.settings import Settings
from tests.channels.web.helpers import KNOWN_DISPLAY, Filed, as_staff, track
from tests.conftest import Demo, csrf_token, each_statement

TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')
#: A tiny valid PNG (1x1), standing for a cleaned "after" photo.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


def _finish(demo: Demo, filed: Filed, *, days_ago: int = 0, start: bool = True) -> None:
    when = datetime.now(UTC) - timedelta(days=days_ago)

    def finish(session: Session, unlocked: UnlockedAccount) -> None:
        if start:
            move_case(session, unlocked, filed.complaint_id, Status.IN_PROGRESS, now=when)
        move_case(session, unlocked, filed.complaint_id, Status.RESOLVED,
                  message="เปลี่ยนหลอดไฟแล้ว", now=when)

    as_staff(demo, "works", finish)


def _post(client: FlaskClient, path: str, section: str, data: dict[str, str]
          ) -> tuple[int, str]:
    """Open the thread and send the form of ``section`` (its CSRF and one-time tokens)."""
    thread = track(client, KNOWN_DISPLAY).get_data(as_text=True)
    part = thread.split(f'id="{section}"')[1]
    token = TOKEN.search(part)
    assert token is not None
    response = client.post(path, data={"code": KNOWN_DISPLAY, "csrf_token": csrf_token(part),
                                       "submission_token": token.group(1), **data})
    return response.status_code, response.get_data(as_text=True)


def _complaint(demo: Demo, filed: Filed) -> Complaint:
    with demo.sessions() as session:
        complaint = session.get(Complaint, filed.complaint_id)
        assert complaint is not None
        session.expunge(complaint)
        return complaint


def test_thread_shows_what_was_filed_unit_status_and_due_day(public_client: FlaskClient,
                                                             filed: Filed) -> None:
    body = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    assert "ไฟทางดับทั้งซอย" in body.split('id="what-you-filed"')[1]
    assert "กองช่าง" in body.split('id="handling-unit"')[1][:200]
    assert 'id="status-explanation"' in body
    assert 'id="due-on"' in body
    assert 'id="reopen"' not in body
    assert 'id="rating"' not in body


def test_a_tip_names_only_the_integrity_unit(public_client: FlaskClient, demo: Demo,
                                             settings: Settings) -> None:
    with demo.sessions() as session:
        receipt = file_complaint(session, settings.secrets.tracking_pepper, Submission(
            kind="tip", category_code="corruption", unit_code="WORKS", channel="web",
            what_happened="หัวหน้าเรียกรับเงิน"))
        session.commit()
    body = track(public_client, receipt.tracking_code).get_data(as_text=True)
    unit = body.split('id="handling-unit"')[1][:200]
    assert "หน่วยงานด้านคุณธรรม" in unit
    assert "กองช่าง" not in body  # the accused unit (named on the form) is never shown


def test_not_fixed_reopens_and_the_rating_is_kept(public_client: FlaskClient, demo: Demo,
                                                  filed: Filed) -> None:
    _finish(demo, filed)
    status, body = _post(public_client, "/track/reopen", "reopen", {"text": "ไฟยังดับอยู่"})
    assert status == 200
    assert 'id="followup-notice"' in body
    complaint = _complaint(demo, filed)
    assert (complaint.status, complaint.reopen_count) == (Status.IN_PROGRESS, 1)
    _finish(demo, filed, start=False)
    status, body = _post(public_client, "/track/rate", "rating", {"score": "5",
                                                                  "comment": "ขอบคุณ"})
    assert status == 200
    with demo.sessions() as session:
        rating = session.get(Rating, filed.complaint_id)
        assert rating is not None
        assert rating.score == 5


def test_bad_rating_and_late_reopen_change_nothing(public_client: FlaskClient, demo: Demo,
                                                   filed: Filed) -> None:
    _finish(demo, filed, days_ago=31)
    body = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    assert 'id="reopen"' not in body
    assert 'id="information-closed"' in body
    status, body = _post(public_client, "/track/rate", "rating", {"score": "9"})
    assert status == 400
    assert "1 ถึง 5" in body
    thread = track(public_client, KNOWN_DISPLAY).get_data(as_text=True)
    part = thread.split('id="rating"')[1]
    token = TOKEN.search(part)
    assert token is not None
    response = public_client.post("/track/reopen", data={
        "code": KNOWN_DISPLAY, "csrf_token": csrf_token(part), "submission_token": token.group(1),
        "text": "ยังไม่แก้"})
    assert response.status_code == 400
    assert "30 วัน" in response.get_data(as_text=True)
    assert _complaint(demo, filed).status is Status.RESOLVED


def test_the_rating_and_the_agency_photo_are_shown_from_few_reads(
        public_client: FlaskClient, demo: Demo, filed: Filed, settings: Settings,
        engine: Engine) -> None:
    def finish(session: Session, unlocked: UnlockedAccount) -> None:
        move_case(session, unlocked, filed.complaint_id, Status.IN_PROGRESS)
        move_case(session, unlocked, filed.complaint_id, Status.RESOLVED, message="ซ่อมแล้ว",
                  evidence=[(io.BytesIO(PNG), "image/png")],
                  attachments_dir=settings.attachments_dir)

    as_staff(demo, "works", finish)
    status, _body = _post(public_client, "/track/rate", "rating", {"score": "4"})
    assert status == 200
    token = csrf_token(public_client.get("/track").get_data(as_text=True))
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    with each_statement(engine, record):
        body = public_client.post("/track", data={"code": KNOWN_DISPLAY, "csrf_token": token}
                                  ).get_data(as_text=True)
    rating = body.split('id="rating"')[1]
    assert "4" in rating.split('id="current-rating"')[1][:120]
    assert re.search(r'<input checked[^>]*value="4"', rating)
    assert 'name="photo"' in body.split('id="agency-photos"')[1]
    assert 'id="your-files"' not in body  # the agency's photo is not listed as theirs
    # The complaint with its thread and rating, then its files (issue 11); the agency's
    # details are the reference cache's one small read.
    assert len(seen) <= 3, seen
