"""``POST /line/webhook``: the signature, the body, the 200 at once; LINE off without secrets."""

from dataclasses import replace

import pytest
from flask import Flask
from sqlalchemy import Engine, func, select

from rongrian.channels.line.app import LINE_EXTENSION
from rongrian.channels.web.app import create_public_app
from rongrian.intake.models import Complaint, LineConversation, LineSeenEvent
from rongrian.settings import Settings
from tests.channels.line import webhooks
from tests.channels.line.conftest import Line
from tests.conftest import Demo


def _rows(demo: Demo) -> tuple[int, int, int]:
    with demo.sessions() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Complaint, LineConversation, LineSeenEvent))


def _filing_events(user: str) -> bytes:
    return webhooks.body(webhooks.postback(user, "a=file"), webhooks.text(user, "สวัสดี"))


@pytest.mark.parametrize("signature", [
    None,
    "",
    "not-base64!",
    webhooks.sign(b"another body"),
    webhooks.sign(_filing_events("U" + "0" * 32), secret="f" * 32),
])
def test_missing_or_wrong_signature_is_400_and_nothing_is_processed(
        line: Line, signature: str | None) -> None:
    raw = _filing_events("U" + "0" * 32)
    response = line.post(raw, signature=signature)
    line.wait()
    assert response.status_code == 400
    assert line.standin.calls == []
    assert _rows(line.demo) == (0, 0, 0)


def test_a_signed_body_changed_after_signing_is_refused(line: Line) -> None:
    raw = _filing_events("U" + "0" * 32)
    signature = webhooks.sign(raw)
    response = line.post(raw.replace("สวัสดี".encode(), "ลาก่อน".encode()), signature=signature)
    assert response.status_code == 400


@pytest.mark.parametrize("raw", [
    b"{not json",
    b"",
    b"[]",
    b'{"destination": "U1"}',
    b'{"events": {"type": "message"}}',
    "{\"events\": [], \"x\": \"\udcff\"}".encode("utf-8", "surrogatepass"),
])
def test_signed_but_malformed_body_is_400(line: Line, raw: bytes) -> None:
    response = line.post(raw, signature=webhooks.sign(raw))
    line.wait()
    assert response.status_code == 400
    assert line.standin.calls == []


def test_verification_request_with_no_events_is_200(line: Line) -> None:
    response = line.post(webhooks.body())
    assert response.status_code == 200
    line.wait()
    assert line.standin.calls == []


def test_answers_200_before_the_events_are_handled(line: Line) -> None:
    user = webhooks.user_id()
    line.standin.delay = 0.3  # every LINE call is slow: the webhook must not wait for them
    event = webhooks.follow(user)
    response = line.post(webhooks.body(event))
    assert response.status_code == 200
    assert line.standin.calls == []
    line.wait()
    assert line.standin.reply_to(event["replyToken"])


def test_webhook_needs_no_csrf_token_and_sets_no_cookie(line: Line) -> None:
    response = line.post(webhooks.body(webhooks.follow(webhooks.user_id())))
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers


def test_unknown_event_types_and_shapes_are_dropped_quietly(line: Line) -> None:
    user = webhooks.user_id()
    odd = [
        {"type": "beacon", "mode": "active", "timestamp": 1, "webhookEventId": "01X",
         "deliveryContext": {"isRedelivery": False}, "source": {"type": "user", "userId": user},
         "replyToken": "t1", "beacon": {"hwid": "d41d8cd98f", "type": "enter"}},
        {"type": "somethingNew", "source": {"type": "user", "userId": user}},
        "not an object",
        {"type": "message", "mode": "standby", "timestamp": 1, "webhookEventId": "01Y",
         "deliveryContext": {"isRedelivery": False}, "source": {"type": "user", "userId": user},
         "message": {"type": "text", "id": "1", "text": "ร้องเรียน", "quoteToken": "q"}},
    ]
    line.send(*odd)  # type: ignore[arg-type]
    assert line.standin.replies() == []
    assert _rows(line.demo)[:2] == (0, 0)


def test_line_is_off_without_secret_and_token_and_says_so(settings: Settings, engine: Engine,
                                                          demo: Demo) -> None:
    app: Flask = create_public_app(settings, engine=engine)
    assert app.extensions[LINE_EXTENSION] is None
    raw = webhooks.body(webhooks.follow(webhooks.user_id()))
    response = app.test_client().post("/line/webhook", data=raw,
                                      headers={"X-Line-Signature": webhooks.sign(raw)})
    assert response.status_code == 503
    text = response.get_data(as_text=True)
    assert "RONGRIAN_LINE_CHANNEL_SECRET" in text
    assert "ยังไม่ได้ตั้งค่า" in text


@pytest.mark.parametrize("missing", ["line_channel_secret", "line_channel_access_token"])
def test_either_secret_alone_keeps_line_off(line_settings: Settings, missing: str) -> None:
    assert line_settings.line_enabled
    assert not replace(line_settings, **{missing: ""}).line_enabled
