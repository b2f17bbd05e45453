"""Two app hosts, one database and one Redis (issue 11 §3): the app processes hold no state of
their own, so a citizen's form opened on one host is accepted by the other.

Two ``rongrian serve`` servers (gunicorn, separate processes, the same instance secrets as
several hosts behind one proxy would be given) share the test's PostgreSQL database and one
Redis. The citizen opens the form on A and sends it to B: the CSRF token (in the signed cookie
session) and the one-time submission token validate on B, the receipt comes from B, sending
the form again to A is refused as already received (the spent token is in the database), and
the code opens the complaint on either host. PostgreSQL only (SQLite is one host's file), and
only when Redis answers on 127.0.0.1:6379.
"""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
import requests
from sqlalchemy import Engine

from rongrian.settings import Settings
from tests.channels.web.helpers import CASE_NUMBER, TRACKING_CODE, VALID
from tests.conftest import Demo, free_port, hidden_fields

pytestmark = pytest.mark.slow

REDIS_URL = "redis://127.0.0.1:6379/12"





def _serve(settings: Settings, engine: Engine, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RONGRIAN_")}
    env.update({"RONGRIAN_INSTANCE": str(settings.instance_path),
                "RONGRIAN_DATABASE_URL": engine.url.render_as_string(hide_password=False),
                "RONGRIAN_RATELIMIT_STORAGE": REDIS_URL, "RONGRIAN_TRUSTED_PROXIES": "1",
                "RONGRIAN_PUBLIC_URL": "http://127.0.0.1"})  # http: cookies not Secure-only
    with log.open("wb") as out:
        server = subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "rongrian.admin.cli", "serve", "--workers", "1",
             "--threads", "2", "--port", str(port)],
            env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return server, f"http://127.0.0.1:{port}"


def _wait_ready(server: subprocess.Popen[bytes], base: str, log: Path) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited:\n{log.read_text(errors='replace')}")
        try:
            if requests.get(f"{base}/readyz", timeout=10).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    pytest.fail("the server did not become ready")


@pytest.fixture
def two_hosts(settings: Settings, engine: Engine, demo: Demo, tmp_path: Path
              ) -> Iterator[tuple[str, str]]:
    """The base URLs of two servers sharing the database and Redis."""
    if engine.dialect.name != "postgresql":
        pytest.skip("several app hosts share a PostgreSQL server, not a SQLite file")
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    started = [_serve(settings, engine, tmp_path / f"{name}.log") for name in ("a", "b")]
    try:
        for (server, base), name in zip(started, ("a", "b"), strict=True):
            _wait_ready(server, base, tmp_path / f"{name}.log")
        yield started[0][1], started[1][1]
    finally:
        for server, _base in started:
            server.terminate()
        for server, _base in started:
            server.wait(timeout=60)


def test_a_form_opened_on_one_host_is_filed_on_the_other(two_hosts: tuple[str, str]) -> None:
    host_a, host_b = two_hosts
    citizen = requests.Session()
    citizen.headers["X-Forwarded-For"] = "10.11.12.13"
    page = citizen.get(f"{host_a}/report", timeout=30)
    assert page.status_code == 200
    hidden = hidden_fields(page.text)
    assert hidden.get("csrf_token")
    assert hidden.get("submission_token")
    form = {**VALID, **hidden}

    receipt = citizen.post(f"{host_b}/report", data=form, timeout=60)
    assert receipt.status_code == 200, receipt.text[:500]
    code = TRACKING_CODE.search(receipt.text)
    case_number = CASE_NUMBER.search(receipt.text)
    assert code is not None
    assert case_number is not None

    again = citizen.post(f"{host_a}/report", data=form, timeout=60)
    assert again.status_code == 409  # the token spent on B is spent for A too

    for host in (host_a, host_b):
        thread = citizen.post(f"{host}/track", timeout=60,
                              data={"code": code.group(1), "csrf_token": hidden["csrf_token"]})
        assert thread.status_code == 200
        assert case_number.group(1) in thread.text


def test_a_session_no_host_signed_is_refused(two_hosts: tuple[str, str]) -> None:
    """The control: the signed session is what carries the form across hosts, so a session
    cookie no host signed is refused by B, and nothing is filed."""
    _host_a, host_b = two_hosts
    citizen = requests.Session()
    citizen.headers["X-Forwarded-For"] = "10.11.12.14"
    page = citizen.get(f"{host_b}/report", timeout=30)
    hidden = hidden_fields(page.text)
    citizen.cookies.clear()
    citizen.cookies.set("rongrian_public", "eyJjc3JmX3Rva2VuIjoiZm9yZ2VkIn0.forged.signature")
    refused = citizen.post(f"{host_b}/report", data={**VALID, **hidden}, timeout=60)
    assert refused.status_code == 400
    assert TRACKING_CODE.search(refused.text) is None
