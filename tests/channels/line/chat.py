"""A citizen's side of a LINE chat for tests: counts the citizen's actions (each message, share
or tap) and keeps a transcript in Thai, as the chat would show it.

A tap is only allowed on a button the bot's last reply really offered (quick reply or Flex), so
an action count cannot cheat with a button that is not on the screen.
"""

from dataclasses import dataclass, field
from typing import Any

from tests.channels.line import webhooks
from tests.channels.line.conftest import Line
from tests.channels.line.helpers import jpeg_with_exif
from tests.channels.line.standin import Call


def _actions_of(message: dict[str, Any]) -> list[dict[str, Any]]:
    found = [item["action"] for item in message.get("quickReply", {}).get("items", [])]

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("action"), dict):
                found.append(node["action"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(message.get("contents", {}))
    return found


def _flex_lines(node: Any) -> list[str]:
    if isinstance(node, dict):
        if node.get("type") == "text":
            return [str(node["text"])]
        if node.get("type") == "button":
            return [f"[{node['action']['label']}]"]
        return [line for value in node.values() for line in _flex_lines(value)]
    if isinstance(node, list):
        return [line for value in node for line in _flex_lines(value)]
    return []


def render(call: Call) -> list[str]:
    """The bot's reply as lines of a transcript."""
    lines = []
    for message in call.json()["messages"]:
        if message["type"] == "text":
            lines.append("🤖 " + message["text"].replace("\n", "\n   "))
        elif message["type"] == "flex":
            lines.append("🤖 ┌ " + "\n   │ ".join(_flex_lines(message["contents"])))
        items = message.get("quickReply", {}).get("items", [])
        if items:
            lines.append("   ปุ่ม: " + " | ".join(i["action"]["label"] for i in items))
    return lines


@dataclass
class Chat:
    """One citizen chatting; ``actions`` counts what they did after adding the friend."""

    line: Line
    user: str = field(default_factory=webhooks.user_id)
    actions: int = 0
    transcript: list[str] = field(default_factory=list)
    last: Call | None = None

    def _answered(self, token: str) -> Call:
        self.last = self.line.standin.reply_to(token)
        self.transcript.extend(render(self.last))
        return self.last

    def add_friend(self) -> Call:
        """Adding the friend (not counted: the count starts after it)."""
        event = webhooks.follow(self.user)
        self.line.send(event)
        self.transcript.append("👤 (เพิ่มเพื่อน)")
        return self._answered(event["replyToken"])

    def say(self, text: str) -> Call:
        event = webhooks.text(self.user, text)
        self.line.send(event)
        self.actions += 1
        self.transcript.append(f"👤 {text}")
        return self._answered(event["replyToken"])

    def photo(self) -> Call:
        event = webhooks.image(self.user)
        self.line.standin.content[webhooks.message_id(event)] = jpeg_with_exif()
        self.line.send(event)
        self.actions += 1
        self.transcript.append("👤 (ส่งรูปถ่าย)")
        return self._answered(event["replyToken"])

    def location(self, title: str, address: str) -> Call:
        event = webhooks.location(self.user, title=title, address=address)
        self.line.send(event)
        self.actions += 1
        self.transcript.append(f"👤 (แชร์ตำแหน่ง: {title} {address})")
        return self._answered(event["replyToken"])

    def tap(self, data: str) -> Call:
        """Tap the button of the last reply whose postback data is ``data``."""
        assert self.last is not None
        offered = [a for m in self.last.json()["messages"] for a in _actions_of(m)
                   if a.get("data") == data]
        assert offered, f"no button {data!r} in the last reply"
        event = webhooks.postback(self.user, data)
        self.line.send(event)
        self.actions += 1
        self.transcript.append(f"👤 (กด) {offered[0].get('displayText') or offered[0]['label']}")
        return self._answered(event["replyToken"])

    def choose(self, category: str) -> Call:
        """Choose ``category`` at the category question: its quick reply if offered, else
        through "อื่น ๆ" (the full list)."""
        data = f"a=cat&v={category}"
        assert self.last is not None
        if not any(a.get("data") == data
                   for m in self.last.json()["messages"] for a in _actions_of(m)):
            self.tap("a=more")
        return self.tap(data)

    def text(self) -> str:
        return "\n".join(self.transcript)
