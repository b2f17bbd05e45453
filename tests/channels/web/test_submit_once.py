"""Sending a form twice files once (issue 7 §4): the one-time submission token of the
complaint form and of "add information", spent in the filing transaction."""

import contextlib
import re
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, inspect, select

from rongrian.admin.cli import channel_purges
from rongrian.channels.web import once
from rongrian.channels.web import views as web_views
from rongrian.intake.models import CaseEvent, EventKind, SpentSubmissionToken
from rongrian.intake.submission_tokens import purge_spent
from tests.channels.web.helpers import TRACKING_CODE, VALID, Filed, count_complaints, track
from tests.conftest import Demo, csrf_token

_TOKEN = re.compile(r'name="submission_token"[^>]*value="([^"]+)"'
                    r'|value="([^"]+)"[^>]*name="submission_token"')
ALREADY_TH = "เราได้รับเรื่องร้องเรียนนี้แล้ว"
ALREADY_EN = "We already received this complaint"


def submission_token(html: str) -> str:
    found = _TOKEN.search(html)
    assert found, "no submission token in the form"
    return found.group(1) or found.group(2)


def _form(client: FlaskClient, **changes: str) -> dict[str, str]:
    page = client.get("/report").get_data(as_text=True)
    return {**VALID, "csrf_token": csrf_token(page), "submission_token": submission_token(page),
            **changes}


def _spent(demo: Demo) -> int:
    with demo.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(SpentSubmissionToken)) or 0)


def _information_entries(demo: Demo) -> int:
    with demo.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.kind == EventKind.INFORMATION)) or 0)


def test_sending_the_form_again_files_nothing_and_says_so(public_client: FlaskClient,
                                                         demo: Demo) -> None:
    form = _form(public_client)
    first = public_client.post("/report", data=form)
    assert first.status_code == 200
    code = TRACKING_CODE.search(first.get_data(as_text=True))
    assert code
    again = public_client.post("/report", data=form)
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert ALREADY_TH in page
    assert ALREADY_EN in page
    assert page.index(ALREADY_TH) < page.index(ALREADY_EN)  # Thai first
    assert code.group(1) not in page  # shown once, on the first receipt only
    assert code.group(1).replace("-", "") not in page
    assert count_complaints(demo) == 1


def test_each_new_form_gets_its_own_token(public_client: FlaskClient, demo: Demo) -> None:
    for _round in range(2):
        assert public_client.post("/report", data=_form(public_client)).status_code == 200
    assert count_complaints(demo) == 2


def test_a_form_that_fails_validation_keeps_its_token(public_client: FlaskClient,
                                                      demo: Demo) -> None:
    form = _form(public_client, what_happened="")
    refused = public_client.post("/report", data=form)
    assert refused.status_code == 400
    assert submission_token(refused.get_data(as_text=True)) == form["submission_token"]
    assert _spent(demo) == 0
    fixed = public_client.post("/report", data={**form, "what_happened": "ไฟทางดับ"})
    assert fixed.status_code == 200
    assert public_client.post("/report", data=form).status_code == 409
    assert count_complaints(demo) == 1


@pytest.mark.parametrize("token", ["expired", "forged-token", "x" * 400])
def test_an_expired_or_forged_token_brings_the_form_back(
        public_client: FlaskClient, demo: Demo, monkeypatch: pytest.MonkeyPatch,
        token: str) -> None:
    form = _form(public_client)
    if token == "expired":
        monkeypatch.setattr(once, "LIFETIME", timedelta(seconds=-1))
    else:
        form["submission_token"] = token
    refused = public_client.post("/report", data=form)
    monkeypatch.undo()
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert 'id="token-refused"' in page
    assert VALID["what_happened"] in page  # everything typed is kept
    assert count_complaints(demo) == 0
    fresh = submission_token(page)
    assert fresh != form["submission_token"]
    resent = public_client.post("/report", data={**form, "submission_token": fresh,
                                                 "csrf_token": csrf_token(page)})
    assert resent.status_code == 200
    assert count_complaints(demo) == 1


def test_a_crash_while_filing_spends_nothing(public_app: Flask, public_client: FlaskClient,
                                             demo: Demo, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    def crash(*_args: Any, **_kwargs: Any) -> None:
        raise RuntimeError("disk gone")

    public_app.config["PROPAGATE_EXCEPTIONS"] = False
    form = _form(public_client)
    monkeypatch.setattr(web_views, "attach_to_new_complaint", crash)
    with contextlib.suppress(RuntimeError):
        assert public_client.post("/report", data=form).status_code == 500
    monkeypatch.undo()
    assert (count_complaints(demo), _spent(demo)) == (0, 0)
    assert public_client.post("/report", data=form).status_code == 200
    assert (count_complaints(demo), _spent(demo)) == (1, 1)


def test_adding_information_twice_adds_it_once(public_client: FlaskClient, demo: Demo,
                                               filed: Filed) -> None:
    thread = track(public_client, filed.code).get_data(as_text=True)
    form = {"code": filed.code, "information": "รถขยะไม่มาเก็บสามวันแล้ว",
            "csrf_token": csrf_token(thread), "submission_token": submission_token(thread)}
    added = public_client.post("/track/information", data=form)
    assert added.status_code == 200
    next_token = submission_token(added.get_data(as_text=True))
    assert next_token != form["submission_token"]
    again = public_client.post("/track/information", data=form)
    assert again.status_code == 409
    page = again.get_data(as_text=True)
    assert "เราได้รับข้อมูลเพิ่มเติมนี้แล้ว" in page
    assert "We already received this information" in page
    assert filed.code not in page
    assert _information_entries(demo) == 1
    more = public_client.post("/track/information", data={
        **form, "information": "อีกเรื่องหนึ่ง", "submission_token": next_token})
    assert more.status_code == 200
    assert _information_entries(demo) == 2


def test_information_that_fails_validation_keeps_its_token(public_client: FlaskClient,
                                                           demo: Demo, filed: Filed) -> None:
    thread = track(public_client, filed.code).get_data(as_text=True)
    form = {"code": filed.code, "information": "   ", "csrf_token": csrf_token(thread),
            "submission_token": submission_token(thread)}
    assert public_client.post("/track/information", data=form).status_code == 400
    form["information"] = "ข้อมูลที่แก้แล้ว"
    assert public_client.post("/track/information", data=form).status_code == 200
    assert _information_entries(demo) == 1


def test_spent_tokens_keep_nothing_linkable_and_are_purged(public_client: FlaskClient,
                                                           demo: Demo, engine: Engine) -> None:
    assert public_client.post("/report", data=_form(public_client)).status_code == 200
    columns = {column["name"] for column in inspect(engine).get_columns(
        "spent_submission_token")}
    assert columns == {"digest", "expires_at"}
    with demo.sessions() as session:
        row = session.scalars(select(SpentSubmissionToken)).one()
        expires = row.expires_at.replace(tzinfo=row.expires_at.tzinfo or UTC)
        assert (expires.minute, expires.second, expires.microsecond) == (0, 0, 0)
        now = datetime.now(UTC)
        assert now + once.LIFETIME - timedelta(minutes=1) <= expires
        assert expires <= now + once.LIFETIME + timedelta(hours=1)
        assert purge_spent(session, now) == 0
        step = next(purge for purge in channel_purges() if purge.name == "submission_tokens")
        later = now + once.LIFETIME + timedelta(hours=1)
        assert step.run(session, later) == {"submission_tokens": 1}  # rongrian maintenance
        session.commit()
    assert _spent(demo) == 0


def test_two_simultaneous_posts_of_one_form_file_once(public_app: Flask,
                                                      public_client: FlaskClient, demo: Demo,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Both requests pass the "already spent?" look-up, then insert the same digest at once:
    the database's primary key lets one commit and turns the other into a 409."""
    form = _form(public_client)
    cookie = public_client.get_cookie("rongrian_public")
    assert cookie is not None
    both_checked = threading.Barrier(2, timeout=20)
    real_spend = once.spend

    def racing_spend(*args: Any, **kwargs: Any) -> None:
        both_checked.wait()
        real_spend(*args, **kwargs)

    monkeypatch.setattr(once, "spend", racing_spend)
    statuses: list[int] = []

    def post() -> None:
        client = public_app.test_client()
        client.set_cookie("rongrian_public", cookie.value)
        statuses.append(client.post("/report", data=form).status_code)

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(statuses) == [200, 409]
    assert count_complaints(demo) == 1
    assert _spent(demo) == 1
