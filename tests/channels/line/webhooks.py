"""Webhook bodies in the Messaging API's JSON shape, signed as LINE signs them.

LINE signs the raw request body: ``X-Line-Signature = base64(HMAC-SHA256(channel secret,
body))`` (Messaging API reference, "Signature validation").
"""

import base64
import hashlib
import hmac
import itertools
import json
import secrets
import time
from typing import Any

SECRET = "0123456789abcdef0123456789abcdef"
DESTINATION = "U" + "f" * 32
_counter = itertools.count(1)


def user_id() -> str:
    """A fresh LINE user id: ``U`` and 32 hex digits."""
    return "U" + secrets.token_hex(16)


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
                            ).decode("ascii")


def body(*events: dict[str, Any]) -> bytes:
    return json.dumps({"destination": DESTINATION, "events": list(events)},
                      ensure_ascii=False).encode("utf-8")


def _event_id() -> str:
    return "01" + secrets.token_hex(12).upper()


def _base(kind: str, user: str, *, source: str = "user", reply: bool = True,
          event_id: str | None = None, redelivery: bool = False) -> dict[str, Any]:
    if source == "user":
        origin: dict[str, Any] = {"type": "user", "userId": user}
    elif source == "group":
        origin = {"type": "group", "groupId": "C" + "a" * 32, "userId": user}
    else:
        origin = {"type": "room", "roomId": "R" + "b" * 32, "userId": user}
    event: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": origin,
        "webhookEventId": event_id or _event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    if reply:
        event["replyToken"] = secrets.token_hex(16)
    return event


def _message(user: str, message: dict[str, Any], **options: Any) -> dict[str, Any]:
    event = _base("message", user, **options)
    event["message"] = {"id": str(next(_counter) + 480_000_000_000_000_000), **message}
    return event


def text(user: str, value: str, **options: Any) -> dict[str, Any]:
    return _message(user, {"type": "text", "text": value, "quoteToken": "qt"}, **options)


def postback(user: str, data: str, **options: Any) -> dict[str, Any]:
    event = _base("postback", user, **options)
    event["postback"] = {"data": data}
    return event


def follow(user: str, **options: Any) -> dict[str, Any]:
    event = _base("follow", user, **options)
    event["follow"] = {"isUnblocked": False}
    return event


def unfollow(user: str, **options: Any) -> dict[str, Any]:
    return _base("unfollow", user, reply=False, **options)


def join(**options: Any) -> dict[str, Any]:
    event = _base("join", "", source="group", **options)
    event["source"].pop("userId", None)
    return event


def location(user: str, *, title: str = "", address: str = "", latitude: float = 13.7563,
             longitude: float = 100.5018, **options: Any) -> dict[str, Any]:
    return _message(user, {"type": "location", "title": title, "address": address,
                           "latitude": latitude, "longitude": longitude}, **options)


def image(user: str, *, index: int | None = None, total: int | None = None,
          **options: Any) -> dict[str, Any]:
    message: dict[str, Any] = {"type": "image", "quoteToken": "qt",
                               "contentProvider": {"type": "line"}}
    if index is not None:
        message["imageSet"] = {"id": "set1", "index": index, "total": total}
    return _message(user, message, **options)


def sticker(user: str, **options: Any) -> dict[str, Any]:
    return _message(user, {"type": "sticker", "packageId": "446", "stickerId": "1988",
                           "stickerResourceType": "STATIC", "quoteToken": "qt"}, **options)


def video(user: str, **options: Any) -> dict[str, Any]:
    return _message(user, {"type": "video", "duration": 2000, "quoteToken": "qt",
                           "contentProvider": {"type": "line"}}, **options)


def audio(user: str, **options: Any) -> dict[str, Any]:
    return _message(user, {"type": "audio", "duration": 2000,
                           "contentProvider": {"type": "line"}}, **options)


def file(user: str, **options: Any) -> dict[str, Any]:
    return _message(user, {"type": "file", "fileName": "report.pdf", "fileSize": 1024},
                    **options)


def message_id(event: dict[str, Any]) -> str:
    return str(event["message"]["id"])
