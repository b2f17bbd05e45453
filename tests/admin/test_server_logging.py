"""The embedded server names no client in any log line, even for malformed requests (issue 13,
L4): a real socket to a real server on a loopback port."""

import logging
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine
from werkzeug.serving import BaseWSGIServer, make_server

from rongrian.admin import server as embedded
from rongrian.admin.server import QuietRequestHandler, combined_app
from rongrian.settings import Settings
from tests.conftest import Demo

HOST = "127.0.0.1"


@pytest.fixture
def running(settings: Settings, engine: Engine, demo: Demo) -> Iterator[BaseWSGIServer]:
    server = make_server(HOST, 0, combined_app(settings, engine=engine), threaded=True,
                         request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    thread.join(timeout=5)


def _exchange(port: int, raw: bytes) -> tuple[bytes, str]:
    """Send ``raw`` and read the answer; returns it and this side's address."""
    with socket.create_connection((HOST, port), timeout=5) as sock:
        peer = f"{sock.getsockname()[0]}:{sock.getsockname()[1]}"
        sock.sendall(raw)
        chunks = []
        while True:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks), peer


@pytest.mark.parametrize("raw", [
    b"GARBAGE\r\n\r\n",
    b"GET / HTTP/9.9\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1.1\r\nHost: x\r\n\r\n",
    b"GET /report HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
])
def test_no_client_address_reaches_a_log(running: BaseWSGIServer, raw: bytes,
                                         caplog: pytest.LogCaptureFixture,
                                         capfd: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.DEBUG)
    answer, peer = _exchange(running.server_port, raw)
    assert answer  # the server did answer (400, 505 or 200)
    captured = capfd.readouterr()
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for text in (captured.err, captured.out, logged):
        assert HOST not in text
        assert peer.split(":")[1] not in text.split()
    if raw == b"GARBAGE\r\n\r\n":
        assert b"400" in answer
        assert "GARBAGE" not in logged + captured.err  # nor what the client sent


def test_serve_uses_the_quiet_handler(monkeypatch: pytest.MonkeyPatch,
                                      settings: Settings, demo: Demo) -> None:
    seen: dict[str, Any] = {}

    def fake_run_simple(*args: Any, **kwargs: Any) -> None:
        seen.update(kwargs)

    monkeypatch.setattr(embedded, "run_simple", fake_run_simple)
    embedded.serve(settings, HOST, 0)
    assert seen["request_handler"] is QuietRequestHandler
