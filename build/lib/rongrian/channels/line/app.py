"""The LINE webhook in the public app, and the pieces behind it.

``POST /line/webhook``: the body's ``X-Line-Signature`` (base64 HMAC-SHA256 of the raw body
under the channel secret, checked with line-bot-sdk's ``SignatureValidator``) must match, else
400 and nothing is processed; a body that is not a JSON object with an ``events`` list is 400
too. Events whose signed ``timestamp`` is older than a day or ahead of our clock are dropped
(:mod:`rongrian.channels.line.freshness`: a replayed body, still answered 200). Then the
events are handed to the dispatcher (in-process threads, or RQ when
``RONGRIAN_REDIS_URL`` is set) and the answer is 200 at once. The route is exempt from the
app's CSRF check: the signature is its check. Without a channel secret and access token the
LINE channel is off and the route answers 503 saying so.
"""

import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Flask, Response, current_app, request
from linebot.v3.webhook import SignatureValidator
from sqlalchemy.orm import Session, sessionmaker

from rongrian.channels.line.api import Hosts, LineApi, retry_policy
from rongrian.channels.line.dispatch import (
    Dispatcher,
    InProcessDispatcher,
    RQDispatcher,
)
from rongrian.channels.line.freshness import fresh_events
from rongrian.channels.line.runtime import LineRuntime
from rongrian.crypto.line_ids import queue_key
from rongrian.intake.notify import NOTIFIER_EXTENSION, Notification, deliver_after_commit
from rongrian.settings import Settings
from rongrian.web.app import SESSION_FACTORY

LINE_EXTENSION = "rongrian.line"
#: Seconds between forced thread switches while in-process handlers run (Python's default: 5 ms).
SWITCH_INTERVAL = 0.001
WEBHOOK_PATH = "/line/webhook"
DISABLED = ("ยังไม่ได้ตั้งค่าช่องทาง LINE: ตั้ง RONGRIAN_LINE_CHANNEL_SECRET และ "
            "RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN\n"
            "The LINE channel is not configured: set RONGRIAN_LINE_CHANNEL_SECRET and "
            "RONGRIAN_LINE_CHANNEL_ACCESS_TOKEN.\n")


@dataclass
class LineChannel:
    """The running LINE channel of an app: signature check, dispatcher, runtime."""

    validator: SignatureValidator
    dispatcher: Dispatcher
    runtime: LineRuntime

    def notify(self, notifications: Sequence[Notification]) -> None:
        """The app's notifier: queue pushes for LINE subscribers (after the commit)."""
        wanted = [item for item in notifications if item.recipient]
        if wanted:
            self.dispatcher.submit_notifications(wanted)

    def close(self) -> None:
        self.dispatcher.close()
        self.runtime.api.close()


def api_from_settings(settings: Settings) -> LineApi:
    """The LINE API client the settings describe."""
    return LineApi(settings.line_channel_access_token,
                   Hosts(settings.line_api_base, settings.line_data_api_base),
                   retries=retry_policy(backoff_factor=settings.line_retry_backoff),
                   max_content_bytes=settings.attachment_max_bytes)


def runtime_from_settings(settings: Settings, sessions: sessionmaker[Session], *,
                          api: LineApi | None = None) -> LineRuntime:
    """A runtime for ``settings`` using ``sessions``."""
    return LineRuntime(settings, sessions, api or api_from_settings(settings))


def build_channel(settings: Settings, sessions: sessionmaker[Session], *,
                  runtime: LineRuntime | None = None, lanes: int = 2) -> LineChannel:
    """The LINE channel: the RQ queue ``settings.line_queue`` when ``settings.redis_url`` is
    set, else ``lanes`` in-process threads (2: one may wait on the database or LINE while the
    other works; more only contend for the interpreter lock with the request threads)."""
    runtime = runtime or runtime_from_settings(settings, sessions)
    dispatcher: Dispatcher
    if settings.redis_url:
        dispatcher = RQDispatcher(settings.redis_url,
                                  queue_key(settings.secrets.tracking_pepper),
                                  settings.line_queue)
    else:
        dispatcher = InProcessDispatcher(runtime.process_events, runtime.push_notifications,
                                         lanes=lanes)
        # Handler threads share the interpreter lock with the request threads; with Python's
        # default 5 ms switch interval a busy handler holds a webhook's acknowledgement back
        # 5 ms at a time. 1 ms keeps acknowledgements quick (benchmarks/README.md, LINE).
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL))
    return LineChannel(SignatureValidator(settings.line_channel_secret), dispatcher, runtime)


def _plain(text: str, status: int) -> Response:
    return Response(text, status=status, mimetype="text/plain")


def _events(body: bytes) -> list[Any] | None:
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(payload, dict) or not isinstance(payload.get("events"), list):
        return None
    return list(payload["events"])


def webhook() -> Response:
    """``POST /line/webhook``: verify, queue, answer 200 at once (400 for a bad signature or
    body, 503 when the LINE channel is off)."""
    channel: LineChannel | None = current_app.extensions.get(LINE_EXTENSION)
    if channel is None:
        return _plain(DISABLED, 503)
    body = request.get_data(cache=False)
    signature = request.headers.get("X-Line-Signature", "")
    try:
        valid = bool(signature) and channel.validator.validate(body.decode("utf-8"), signature)
    except UnicodeDecodeError:
        valid = False
    if not valid:
        return _plain("invalid signature\n", 400)
    events = _events(body)
    if events is None:
        return _plain("malformed body\n", 400)
    events = fresh_events(events, datetime.now(UTC))  # a replay past redelivery: dropped, 200
    if events:
        channel.dispatcher.submit_events(events)
    return _plain("OK\n", 200)


def register(app: Flask, settings: Settings, *, channel: LineChannel | None = None) -> None:
    """Add ``/line/webhook`` to the public ``app``; start the LINE channel if configured (or
    use ``channel``), and make it the app's notifier (``app.extensions``), delivering after
    each commit of the app's sessions."""
    if channel is None and settings.line_enabled:
        channel = build_channel(settings, app.extensions[SESSION_FACTORY])
    app.extensions[LINE_EXTENSION] = channel
    if channel is not None:
        app.extensions[NOTIFIER_EXTENSION] = channel.notify
        deliver_after_commit(app.extensions[SESSION_FACTORY], channel.notify)
    app.add_url_rule(WEBHOOK_PATH, endpoint="line_webhook", view_func=webhook,
                     methods=["POST"])
    app.extensions["csrf"].exempt(webhook)
