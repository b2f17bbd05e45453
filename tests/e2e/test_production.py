"""The README's production path, followed for real (issue 7, "It is done when"):
``rongrian setup`` with the provincial example on a private PostgreSQL, ``rongrian serve
--workers 2`` (gunicorn) with Redis rate limits, a complaint filed through it, ``/readyz`` 200;
then PostgreSQL stopped: 503 with ``Retry-After`` on public and staff pages, ``/readyz`` 503,
and nothing in the server's log but "database unavailable" (once per worker that met the
outage); PostgreSQL started again: service resumes without a restart, and each worker that
logged the outage logs "database available again".

PostgreSQL is a private cluster (``initdb`` in a temporary folder, on a free port, run as the
``postgres`` user when the tests run as root): the machine's own server is never stopped.
Skips only when ``initdb`` is missing.
"""

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port, hidden_fields

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
ORGANISATION = ROOT / "examples" / "organisation-province.toml"


def _pg_bin(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(candidates[-1]) if candidates else None



@dataclass
class PrivatePostgres:
    """A PostgreSQL cluster of this test alone."""

    folder: Path
    port: int
    as_user: list[str]

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/rongrian"

    def pg_ctl(self, *args: str) -> None:
        command = [*self.as_user, str(_pg_bin("pg_ctl")), "-D", str(self.folder / "data"),
                   *args]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603

    def start(self) -> None:
        self.pg_ctl("-l", str(self.folder / "postgres.log"), "-w", "-o",
                    f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                    "-c fsync=off -c synchronous_commit=off", "start")

    def stop(self) -> None:
        self.pg_ctl("-m", "fast", "-w", "stop")


@pytest.fixture
def postgres() -> Iterator[PrivatePostgres]:
    initdb = _pg_bin("initdb")
    if initdb is None or _pg_bin("pg_ctl") is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    folder = Path(tempfile.mkdtemp(prefix="rongrian-pg-"))
    folder.chmod(0o755)
    as_user: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as postgres
        shutil.chown(folder, "postgres", "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    subprocess.run([*as_user, initdb, "-D", str(folder / "data"), "-U", "postgres",  # noqa: S603
                    "-A", "trust", "--no-sync", "-E", "UTF8", "--locale", "C.UTF-8"],
                   check=True, capture_output=True, timeout=180)
    cluster = PrivatePostgres(folder, free_port(), as_user)
    cluster.start()
    try:
        subprocess.run([*as_user, str(_pg_bin("createdb")), "-h", "127.0.0.1",  # noqa: S603
                        "-p", str(cluster.port), "-U", "postgres", "rongrian"],
                       check=True, capture_output=True, timeout=60)
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except OSError:
        return False
    return True


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The machine's Redis (database 14), or a private ``redis-server`` when none answers."""
    if _answers(6379):
        yield "redis://127.0.0.1:6379/14"
        return
    binary = shutil.which("redis-server")
    assert binary, "no Redis on 127.0.0.1:6379 and no redis-server to start one"
    port = free_port()
    server = subprocess.Popen([binary, "--port", str(port), "--save", "",  # noqa: S603
                               "--appendonly", "no", "--bind", "127.0.0.1"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while not _answers(port):
            assert time.monotonic() < deadline, "the private redis-server did not start"
            time.sleep(0.2)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=30)


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True,  # noqa: S603
                          timeout=300, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout




def _general_category() -> tuple[str, str]:
    """(code, kind) of the example's first active category for general complaints."""
    data = tomllib.loads(ORGANISATION.read_text(encoding="utf-8"))
    for category in data["categories"]:
        if category.get("sensitivity") == "general" and category.get("active", True) \
                and category["kind"] in ("complaint", "grievance"):
            return str(category["code"]), str(category["kind"])
    raise AssertionError("the example has no general complaint category")


def _one_time_password(output: str, login: str) -> str:
    match = re.search(rf"^\s+{re.escape(login)}\s+(\S+)\s", output, re.MULTILINE)
    assert match, f"setup printed no password for {login}"
    return match.group(1)


def _wait_ready(base: str, server: subprocess.Popen[bytes], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert server.poll() is None, "the server exited"
        try:
            if requests.get(f"{base}/readyz", timeout=5).status_code == 200:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.5)
    raise AssertionError("the server did not become ready")


def _file_complaint(base: str) -> requests.Response:
    citizen = requests.Session()
    form = citizen.get(f"{base}/report", timeout=30)
    assert form.status_code == 200
    code, kind = _general_category()
    data = {**hidden_fields(form.text), "kind": kind, "category": code, "unit": "",
            "channel": "web", "what_happened": "ไฟถนนหน้าหมู่บ้านดับมาสองสัปดาห์แล้ว มืดมาก",
            "when_happened": "ต้นเดือนนี้", "where_happened": "หมู่ 4", "who_involved": "",
            "identity": "anonymous", "name": "", "phone": "", "email": ""}
    return citizen.post(f"{base}/report", data=data, timeout=60)


def _log_lines(path: Path, offset: int) -> list[str]:
    return [line for line in path.read_text(encoding="utf-8", errors="replace")[offset:]
            .splitlines() if line.strip()]


def test_production_path_survives_a_database_outage(postgres: PrivatePostgres, redis_url: str,
                                                    tmp_path: Path) -> None:
    """Rate-limit keys in Redis are HMACs under this instance's fresh secret: no clash."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("RONGRIAN_")},
           "RONGRIAN_INSTANCE": str(tmp_path / "instance"),
           "RONGRIAN_DATABASE_URL": postgres.url,
           "RONGRIAN_RATELIMIT_STORAGE": redis_url,
           "RONGRIAN_PUBLIC_URL": base,
           "RONGRIAN_DB_POOL_TIMEOUT": "5"}
    rongrian = [sys.executable, "-m", "rongrian.admin.cli"]
    output = _run([*rongrian, "setup", "--organisation", str(ORGANISATION)], env)
    password = _one_time_password(output, "admin")

    log_path = tmp_path / "server.log"
    with log_path.open("wb") as log:
        server = subprocess.Popen(  # noqa: S603
            [*rongrian, "serve", "--workers", "2", "--port", str(port)],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True)
    try:
        _wait_ready(base, server)
        receipt = _file_complaint(base)
        assert receipt.status_code == 200, receipt.text[:500]
        assert 'id="tracking-code"' in receipt.text
        assert requests.get(f"{base}/readyz", timeout=10).text.strip() == "ok"
        assert requests.get(f"{base}/staff/readyz", timeout=10).text.strip() == "ok"

        staff = requests.Session()
        login_page = staff.get(f"{base}/staff/login", timeout=30)
        logged_in = staff.post(f"{base}/staff/login", allow_redirects=False, timeout=60, data={
            **hidden_fields(login_page.text), "username": "admin", "password": password})
        assert logged_in.status_code == 302
        staff_page = f"{base}/staff/cases"
        before = staff.get(staff_page, allow_redirects=False, timeout=30).status_code

        time.sleep(1)
        offset = len(log_path.read_text(encoding="utf-8", errors="replace"))
        postgres.stop()
        for _ in range(6):  # enough requests for both workers to meet the outage, likely
            for answer in (requests.get(f"{base}/report", timeout=30),
                           staff.get(staff_page, allow_redirects=False, timeout=30)):
                assert answer.status_code == 503
                assert int(answer.headers["Retry-After"]) > 0
                assert "ระบบไม่พร้อมให้บริการชั่วคราว" in answer.text
                assert "Temporarily unavailable" in answer.text
            ready = requests.get(f"{base}/readyz", timeout=30)
            assert (ready.status_code, ready.text.strip()) == (503, "not ready: database")
        assert requests.get(f"{base}/healthz", timeout=10).status_code == 200

        postgres.start()
        _wait_ready(base, server, seconds=60)
        for _ in range(6):
            assert requests.get(f"{base}/report", timeout=30).status_code == 200
            assert staff.get(staff_page, allow_redirects=False, timeout=30).status_code == before
        assert _file_complaint(base).status_code == 200
        assert server.poll() is None  # never restarted
        time.sleep(0.5)
        lines = _log_lines(log_path, offset)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)

    print("server log during and after the outage:", *lines, sep="\n  ")
    down = [line for line in lines if line.endswith("database unavailable")]
    back = [line for line in lines if line.endswith("database available again")]
    assert lines == [line for line in lines if line in down or line in back], lines
    assert 1 <= len(down) <= 2  # one per worker that met the outage
    assert 1 <= len(back) <= len(down)
    assert not any("Traceback" in line or "psycopg" in line for line in lines)
