"""Bodies that are not form data get 415 on every POST of the citizen pages, never a 500
(issue 7 §4); the LINE webhook keeps its JSON."""

import json

import pytest
from flask.testing import FlaskClient

from tests.channels.web.helpers import VALID, Filed, count_complaints
from tests.conftest import Demo

ROUTES = ["/report", "/track", "/track/information"]
JSON_BODIES = [
    [VALID],
    "ร้องเรียน",
    42,
    True,
    {**VALID, "what_happened": 5},
    {**VALID, "kind": {"a": 1}, "category": ["general"]},
    {"code": {"01AB2CD3EF4GH5JK": 1}, "information": True},
    dict(VALID),
]


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("body", JSON_BODIES, ids=lambda body: type(body).__name__)
def test_a_json_body_is_415(public_client: FlaskClient, demo: Demo, filed: Filed,
                            route: str, body: object) -> None:
    response = public_client.post(route, data=json.dumps(body),
                                  content_type="application/json")
    assert response.status_code == 415
    page = response.get_data(as_text=True)
    assert "หน้านี้รับเฉพาะข้อมูลจากแบบฟอร์ม" in page
    assert "This page accepts only what its web form sends" in page
    assert count_complaints(demo) == 1  # only the fixture's


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("content_type", [
    "application/json; charset=utf-8",
    "text/plain",
    "application/x-www-form-urlencoded-but-not",
    "multipart/mixed; boundary=x",
])
def test_other_content_types_are_415(public_client: FlaskClient, demo: Demo, route: str,
                                     content_type: str) -> None:
    response = public_client.post(route, data=b"kind=complaint&what_happened=x",
                                  content_type=content_type)
    assert response.status_code == 415
    assert count_complaints(demo) == 0


@pytest.mark.parametrize("route", ROUTES)
def test_form_bodies_still_reach_the_pages(public_client: FlaskClient, demo: Demo,
                                           route: str) -> None:
    # no CSRF token: the page itself answers (400), not the body check
    response = public_client.post(route, data={"what_happened": "x"})
    assert response.status_code == 400
    multipart = public_client.post(route, data={"what_happened": "x"},
                                   content_type="multipart/form-data")
    assert multipart.status_code == 400
