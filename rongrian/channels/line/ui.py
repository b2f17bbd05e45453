"""LINE message objects as plain dicts in the Messaging API's JSON shape.

The conversation builds these; :mod:`rongrian.channels.line.api` turns them into line-bot-sdk
models (``Message.from_dict``) at the edge. Limits (Messaging API reference): a text message at
most 5,000 characters, at most 13 quick-reply buttons with labels of at most 20 characters,
postback data at most 300 characters, at most 5 messages per reply or push.
"""

from collections.abc import Sequence
from typing import Any

Message = dict[str, Any]

MAX_TEXT = 5000
MAX_QUICK_REPLIES = 13
MAX_LABEL = 20
#: A Flex button's label may be longer (Messaging API reference: 40 characters).
MAX_BUTTON_LABEL = 40
MAX_DATA = 300
MAX_MESSAGES = 5
#: Alternative text of a Flex message: at most 400 characters.
MAX_ALT_TEXT = 400


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, ending with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def postback(label: str, data: str, display: str | None = None, limit: int = MAX_LABEL
             ) -> dict[str, Any]:
    """A postback action; the chat shows ``display`` (default: the label) as the user's line.
    ``limit``: the label's length (20 for quick replies, 40 for Flex buttons)."""
    if len(data) > MAX_DATA:
        raise ValueError("postback data longer than 300 characters")
    return {"type": "postback", "label": clip(label, limit), "data": data,
            "displayText": clip(display or label, 300)}


def quick_item(action: dict[str, Any]) -> dict[str, Any]:
    return {"type": "action", "action": action}


def camera(label: str) -> dict[str, Any]:
    return {"type": "camera", "label": clip(label, MAX_LABEL)}


def camera_roll(label: str) -> dict[str, Any]:
    return {"type": "cameraRoll", "label": clip(label, MAX_LABEL)}


def location(label: str) -> dict[str, Any]:
    return {"type": "location", "label": clip(label, MAX_LABEL)}


def with_quick_replies(message: Message, actions: Sequence[dict[str, Any]]) -> Message:
    """``message`` with quick-reply buttons for ``actions`` (at most 13)."""
    if actions:
        message = dict(message)
        message["quickReply"] = {
            "items": [quick_item(action) for action in actions[:MAX_QUICK_REPLIES]]
        }
    return message


def text(body: str, actions: Sequence[dict[str, Any]] = ()) -> Message:
    """A text message (cut to 5,000 characters) with optional quick replies."""
    return with_quick_replies({"type": "text", "text": clip(body, MAX_TEXT)}, actions)


def flex(alt_text: str, bubble: dict[str, Any], actions: Sequence[dict[str, Any]] = ()
         ) -> Message:
    """A Flex message holding one bubble."""
    return with_quick_replies(
        {"type": "flex", "altText": clip(alt_text, MAX_ALT_TEXT), "contents": bubble}, actions
    )


def _text_box(value: str, **style: Any) -> dict[str, Any]:
    return {"type": "text", "text": value or " ", "wrap": True, **style}


def choice_list(title: str, options: Sequence[tuple[str, str]]) -> dict[str, Any]:
    """A bubble listing ``options`` (``(full label, postback data)``) as tappable rows.

    Rows wrap, so labels longer than a button's may be offered (categories' Thai names are).
    """
    rows: list[dict[str, Any]] = []
    for label, data in options:
        rows.append({
            "type": "box", "layout": "vertical", "paddingAll": "md", "cornerRadius": "md",
            "backgroundColor": "#EEF3F8",
            "action": postback(label, data, label),
            "contents": [_text_box(label, size="sm", color="#0B3D6B")],
        })
    return {
        "type": "bubble",
        "body": {
            "type": "box", "layout": "vertical", "spacing": "sm",
            "contents": [_text_box(title, weight="bold", size="md"), *rows],
        },
    }


def summary_bubble(title: str, rows: Sequence[tuple[str, str]],
                   buttons: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """The confirmation bubble: ``rows`` of ``(label, value)``; ``buttons`` of
    ``(label, data, style)`` with style ``primary``, ``secondary`` or ``link``."""
    body_rows: list[dict[str, Any]] = [_text_box(title, weight="bold", size="lg")]
    for label, value in rows:
        body_rows.append({
            "type": "box", "layout": "vertical", "margin": "md",
            "contents": [
                _text_box(label, size="xs", color="#666666"),
                _text_box(value, size="sm"),
            ],
        })
    return {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": body_rows},
        "footer": {
            "type": "box", "layout": "vertical", "spacing": "sm",
            "contents": [
                {"type": "button", "style": style, "height": "sm",
                 "action": postback(label, data, limit=MAX_BUTTON_LABEL)}
                for label, data, style in buttons
            ],
        },
    }
