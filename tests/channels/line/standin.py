"""A loopback stand-in of the LINE Messaging API and its data API, recording every call.

A real HTTP server (Werkzeug, threaded) on 127.0.0.1 at a free port; the SDK is pointed at it
through ``RONGRIAN_LINE_API_BASE``/``RONGRIAN_LINE_DATA_API_BASE`` (the ``line_api_base`` and
``line_data_api_base`` settings). It answers the calls the LINE channel makes the way LINE
documents them (reply tokens are single-use; a push with a retry key already seen is 409), and
can be told to fail: the next N calls to a path with 429 or 500, every reply token expired,
content fetches failing.
"""

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

TOKEN = "test-channel-access-token"


@dataclass
class Call:
    """One request the stand-in received."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    at: float = field(default_factory=time.perf_counter)

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def texts(self) -> list[str]:
        """Every text of a reply or push (text messages, Flex alt texts and their texts)."""
        found: list[str] = []

        def walk(node: Any) -> None:
            if isinstance(node, dict):
                for key in ("text", "altText"):
                    if isinstance(node.get(key), str):
                        found.append(node[key])
                for value in node.values():
                    if isinstance(value, dict | list):
                        walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.json().get("messages", []))
        return found


@dataclass
class StandIn:
    """State and recordings of the stand-in; start it with :func:`running`."""

    calls: list[Call] = field(default_factory=list)
    languages: dict[str, str] = field(default_factory=dict)
    content: dict[str, bytes] = field(default_factory=dict)
    failing_content: set[str] = field(default_factory=set)
    expire_replies: bool = False
    failures: list[tuple[str, int]] = field(default_factory=list)
    used_tokens: set[str] = field(default_factory=set)
    retry_keys: set[str] = field(default_factory=set)
    delay: float = 0.0
    url: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail_next(self, path_prefix: str, status: int, times: int = 1) -> None:
        """The next ``times`` calls whose path starts with ``path_prefix`` get ``status``."""
        with self.lock:
            self.failures.extend([(path_prefix, status)] * times)

    def recorded(self, path_prefix: str, *, ok: bool | None = None) -> list[Call]:
        """Calls to paths starting with ``path_prefix`` (only successful ones with ``ok``)."""
        with self.lock:
            calls = list(self.calls)
        return [c for c in calls if c.path.startswith(path_prefix)
                and (ok is None or (200 <= c.status < 300) == ok)]

    def replies(self) -> list[Call]:
        return self.recorded("/v2/bot/message/reply", ok=True)

    def pushes(self) -> list[Call]:
        return self.recorded("/v2/bot/message/push", ok=True)

    def reply_to(self, token: str) -> Call:
        """The successful reply that used ``token`` (fails the test if there is none)."""
        for call in self.replies():
            if call.json()["replyToken"] == token:
                return call
        raise AssertionError(f"no reply used token {token}")

    def clear(self) -> None:
        with self.lock:
            self.calls.clear()

    # --- the WSGI app ----------------------------------------------------------------------

    def _failure(self, path: str) -> int | None:
        with self.lock:
            for index, (prefix, status) in enumerate(self.failures):
                if path.startswith(prefix):
                    del self.failures[index]
                    return status
        return None

    def _answer(self, request: Request, body: bytes) -> tuple[int, Any]:
        path = request.path
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return 401, {"message": "Authentication failed"}
        failed = self._failure(path)
        if failed is not None:
            return failed, {"message": "stand-in failure"}
        if path == "/v2/bot/message/reply":
            token = json.loads(body)["replyToken"]
            with self.lock:
                if self.expire_replies or token in self.used_tokens:
                    return 400, {"message": "Invalid reply token"}
                self.used_tokens.add(token)
            return 200, {"sentMessages": [{"id": "1", "quoteToken": "q"}]}
        if path == "/v2/bot/message/push":
            key = request.headers.get("X-Line-Retry-Key", "")
            with self.lock:
                if key and key in self.retry_keys:
                    return 409, {"message": "The retry key is already accepted"}
                if key:
                    self.retry_keys.add(key)
            return 200, {"sentMessages": [{"id": "2", "quoteToken": "q"}]}
        if path.startswith("/v2/bot/profile/"):
            user_id = path.rsplit("/", 1)[1]
            return 200, {"displayName": "ผู้ใช้ทดสอบ", "userId": user_id,
                         "language": self.languages.get(user_id, "th")}
        if path == "/v2/bot/richmenu":
            return 200, {"richMenuId": "richmenu-0123456789abcdef0123456789abcdef"}
        if path.startswith("/v2/bot/richmenu/") or path.startswith("/v2/bot/user/all/richmenu/"):
            return 200, {}
        return 404, {"message": "Not found"}

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        if self.delay:
            time.sleep(self.delay)
        content_id = _content_id(request.path)
        if content_id is not None and request.headers.get("Authorization") == f"Bearer {TOKEN}":
            response = self._content(request.path, content_id)
        else:
            status, payload = self._answer(request, body)
            response = Response(json.dumps(payload), status=status,
                                content_type="application/json")
        with self.lock:
            self.calls.append(Call(request.method, request.path, dict(request.headers), body,
                                   response.status_code))
        return response(environ, start_response)

    def _content(self, path: str, message_id: str) -> Response:
        failed = self._failure(path)
        if failed is not None:
            return Response("{}", status=failed, content_type="application/json")
        if message_id in self.failing_content or message_id not in self.content:
            return Response('{"message":"Not found"}', status=404,
                            content_type="application/json")
        return Response(self.content[message_id], status=200, content_type="image/jpeg")


def _content_id(path: str) -> str | None:
    parts = path.strip("/").split("/")
    if len(parts) == 5 and parts[:3] == ["v2", "bot", "message"] and parts[4] == "content":
        return parts[3]
    return None


class _Quiet(WSGIRequestHandler):
    """No access log: the stand-in's request lines name user ids (profile paths)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as LINE's API

    def log_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@contextmanager
def running() -> Iterator[StandIn]:
    """Start a stand-in on a free loopback port; stop it afterwards."""
    standin = StandIn()
    server: BaseWSGIServer = make_server("127.0.0.1", 0, standin, threaded=True,
                                          request_handler=_Quiet)
    standin.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        thread.join(timeout=5)
