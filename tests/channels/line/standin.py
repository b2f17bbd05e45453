"""A loopback stand-in of the LINE Messaging API and its data API, recording every call.

A real HTTP/1.1 server (``http.server``, threaded, keep-alive as LINE's API: Werkzeug's
development server closes every connection, which made each reply a new TCP connection and
a new server thread) on 127.0.0.1 at a free port; the SDK is pointed at it
through ``RONGRIAN_LINE_API_BASE``/``RONGRIAN_LINE_DATA_API_BASE`` (the ``line_api_base`` and
``line_data_api_base`` settings). It answers the calls the LINE channel makes the way LINE
documents them (reply tokens are single-use; a push with a retry key already seen is 409), and
can be told to fail: the next N calls to a path with 429 or 500, every reply token expired,
content fetches failing.
"""

import io
import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import unquote

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


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    app: StandIn


class _KeepAlive(BaseHTTPRequestHandler):
    """Calls the stand-in (a WSGI app) for each request of a keep-alive connection. No access
    log: the stand-in's request lines name user ids (profile paths)."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stall
    server: _Server

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path, _, query = self.path.partition("?")
        environ: dict[str, Any] = {
            "REQUEST_METHOD": self.command, "PATH_INFO": unquote(path), "QUERY_STRING": query,
            "CONTENT_TYPE": self.headers.get("Content-Type", ""),
            "CONTENT_LENGTH": str(len(body)), "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": str(self.server.server_port), "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1", "wsgi.version": (1, 0), "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
            "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False,
        }
        for name in set(self.headers.keys()):
            key = "HTTP_" + name.upper().replace("-", "_")
            if key not in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
                environ[key] = ",".join(self.headers.get_all(name) or [])
        started: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], *_exc: Any) -> None:
            started[:] = [status, headers]

        chunks = self.server.app(environ, start_response)
        try:
            data = b"".join(chunks)
        finally:
            getattr(chunks, "close", lambda: None)()
        status, headers = started
        code, _, reason = status.partition(" ")
        self.send_response(int(code), reason)
        for key, value in headers:
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _handle

    def log_message(self, *args: Any) -> None:
        return None


@contextmanager
def running() -> Iterator[StandIn]:
    """Start a stand-in on a free loopback port; stop it afterwards."""
    standin = StandIn()
    server = _Server(("127.0.0.1", 0), _KeepAlive)
    server.app = standin
    standin.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
