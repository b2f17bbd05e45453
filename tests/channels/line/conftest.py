"""Fixtures of the LINE channel tests: the stand-in LINE API, and the combined server (public
app with the webhook, staff app under ``/staff``) configured to use it."""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import pytest
from flask import Flask
from linebot.v3.messaging import Message, PushMessageRequest, ReplyMessageRequest
from sqlalchemy import Engine
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client, TestResponse

from rongrian.admin.server import combined_app
from rongrian.channels.line.app import LINE_EXTENSION, LineChannel
from rongrian.channels.line.dispatch import InProcessDispatcher
from rongrian.settings import Settings
from tests.channels.line import webhooks
from tests.channels.line.standin import TOKEN, Call, StandIn, running
from tests.conftest import Demo

PUBLIC_URL = "https://report.example.go.th"


@pytest.fixture
def standin() -> Iterator[StandIn]:
    with running() as started:
        yield started


@pytest.fixture
def line_settings(settings: Settings, standin: StandIn) -> Settings:
    """Test settings with the LINE channel on, pointed at the stand-in, quick retries."""
    return replace(
        settings,
        line_channel_secret=webhooks.SECRET,
        line_channel_access_token=TOKEN,
        line_api_base=standin.url,
        line_data_api_base=standin.url,
        line_retry_backoff=0.01,
        public_base_url=PUBLIC_URL,
    )


@dataclass
class Line:
    """The running server and helpers to talk to it as LINE and as a citizen would."""

    server: DispatcherMiddleware
    client: Client
    standin: StandIn
    settings: Settings
    demo: Demo

    @property
    def public(self) -> Flask:
        app: Flask = self.server.app  # type: ignore[assignment]
        return app

    @property
    def channel(self) -> LineChannel:
        channel: LineChannel = self.public.extensions[LINE_EXTENSION]
        return channel

    def post(self, raw: bytes, signature: str | None = "sign") -> TestResponse:
        """POST a raw body to the webhook, signed correctly unless ``signature`` is given
        (``None``: no signature header)."""
        headers = {"Content-Type": "application/json"}
        if signature == "sign":
            signature = webhooks.sign(raw)
        if signature is not None:
            headers["X-Line-Signature"] = signature
        return self.client.post("/line/webhook", data=raw, headers=headers)

    def send(self, *events: dict[str, Any]) -> TestResponse:
        """POST the events in one signed body and wait until they are handled."""
        response = self.post(webhooks.body(*events))
        assert response.status_code == 200
        self.wait()
        return response

    def wait(self) -> None:
        dispatcher = self.channel.dispatcher
        assert isinstance(dispatcher, InProcessDispatcher)
        dispatcher.wait_idle()

    def say(self, user: str, text: str) -> Call:
        """The user types ``text``; returns the bot's reply."""
        event = webhooks.text(user, text)
        self.send(event)
        return self.standin.reply_to(event["replyToken"])

    def tap(self, user: str, data: str) -> Call:
        """The user taps a button with postback ``data``; returns the reply."""
        event = webhooks.postback(user, data)
        self.send(event)
        return self.standin.reply_to(event["replyToken"])


@pytest.fixture
def line(line_settings: Settings, engine: Engine, demo: Demo, standin: StandIn
         ) -> Iterator[Line]:
    server = combined_app(line_settings, engine=engine)
    made = Line(server, Client(server), standin, line_settings, demo)
    made.public.config["TESTING"] = True
    yield made
    made.channel.close()
    assert_valid_messages(standin)


def assert_valid_messages(standin: StandIn) -> None:
    """Every reply and push the bot sent parses as line-bot-sdk's models (the API client sends
    the dicts as they are, so this is where their shape is checked)."""
    for call in standin.replies() + standin.pushes():
        body = call.json()
        assert 1 <= len(body["messages"]) <= 5
        request = (ReplyMessageRequest if "replyToken" in body else PushMessageRequest)
        request(**{k: v for k, v in body.items() if k != "messages"},
                messages=[Message.from_dict(message) for message in body["messages"]])
        for message in body["messages"]:
            for item in message.get("quickReply", {}).get("items", []):
                assert len(item["action"]["label"]) <= 20
