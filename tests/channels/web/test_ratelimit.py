"""Rate limits of the citizen pages (Flask-Limiter), with limits switched on."""

from dataclasses import replace

import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from rongrian.channels.web.app import create_public_app
from rongrian.settings import Settings
from tests.channels.web.helpers import post_report, track
from tests.conftest import Demo, csrf_token

UNKNOWN = "ZZZZ-ZZZZ-ZZZZ-ZZZZ"
TOO_MANY_TH = "ส่งคำขอถี่เกินไป"


@pytest.fixture
def limited_client(settings: Settings, engine: Engine, demo: Demo) -> FlaskClient:
    """A public app whose rate limits are on (the shared test settings switch them off)."""
    app = create_public_app(replace(settings, ratelimit_enabled=True), engine=engine)
    app.config["TESTING"] = True
    return app.test_client()


def test_code_lookups_are_limited_to_ten_a_minute(limited_client: FlaskClient) -> None:
    token = csrf_token(limited_client.get("/track").get_data(as_text=True))
    answers = [limited_client.post("/track", data={"code": UNKNOWN, "csrf_token": token})
               for _ in range(11)]
    assert [a.status_code for a in answers[:10]] == [404] * 10
    assert answers[10].status_code == 429
    assert TOO_MANY_TH in answers[10].get_data(as_text=True)


def test_reading_and_adding_share_one_budget(limited_client: FlaskClient) -> None:
    token = csrf_token(limited_client.get("/track").get_data(as_text=True))
    data = {"code": UNKNOWN, "csrf_token": token, "information": "x"}
    for _ in range(5):
        assert limited_client.post("/track", data=data).status_code == 404
        assert limited_client.post("/track/information", data=data).status_code == 404
    assert limited_client.post("/track/information", data=data).status_code == 429
    assert limited_client.post("/track", data=data).status_code == 429


def test_showing_the_forms_is_not_limited(limited_client: FlaskClient) -> None:
    for _ in range(25):
        assert limited_client.get("/track").status_code == 200
    assert track(limited_client, UNKNOWN).status_code == 404


def test_filing_is_limited_to_twenty_an_hour(limited_client: FlaskClient) -> None:
    token = csrf_token(limited_client.get("/report").get_data(as_text=True))
    answers = [post_report(limited_client, {"what_happened": ""}, token=token)
               for _ in range(21)]
    assert [a.status_code for a in answers[:20]] == [400] * 20
    assert answers[20].status_code == 429
    assert TOO_MANY_TH in answers[20].get_data(as_text=True)


def test_limits_follow_the_setting(public_client: FlaskClient) -> None:
    token = csrf_token(public_client.get("/track").get_data(as_text=True))
    answers = [public_client.post("/track", data={"code": UNKNOWN, "csrf_token": token})
               for _ in range(12)]
    assert {a.status_code for a in answers} == {404}


def _lookups_from(client: FlaskClient, forwarded_for: str, count: int) -> list[int]:
    token = csrf_token(client.get("/track").get_data(as_text=True))
    return [client.post("/track", data={"code": UNKNOWN, "csrf_token": token},
                        headers={"X-Forwarded-For": forwarded_for}).status_code
            for _ in range(count)]


def test_forged_forwarded_for_does_not_escape_the_limit(limited_client: FlaskClient) -> None:
    """No trusted proxy configured: X-Forwarded-For is ignored, so a new value per request
    does not buy new lookups."""
    token = csrf_token(limited_client.get("/track").get_data(as_text=True))
    answers = [limited_client.post("/track", data={"code": UNKNOWN, "csrf_token": token},
                                   headers={"X-Forwarded-For": f"198.51.100.{index}"})
               for index in range(11)]
    assert answers[10].status_code == 429


def test_behind_a_trusted_proxy_each_citizen_has_their_own_budget(
    settings: Settings, engine: Engine, demo: Demo,
) -> None:
    app = create_public_app(replace(settings, ratelimit_enabled=True, trusted_proxies=1),
                            engine=engine)
    app.config["TESTING"] = True
    client = app.test_client()
    assert _lookups_from(client, "198.51.100.7", 11)[10] == 429
    assert _lookups_from(client, "198.51.100.8", 1) == [404], "another citizen is not blocked"
