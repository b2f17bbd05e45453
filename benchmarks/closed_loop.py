"""A closed-loop HTTP load generator of virtual citizens, for ``benchmarks/side_by_side.py``.

Each virtual citizen is its own **process** (so the generator's own Python work is not
serialised by one interpreter lock) with its own cookie: it GETs the form once (its CSRF token
and session cookie), then sends one request after the other until the phase's deadline, each
with a fresh ``X-Forwarded-For`` address (the servers run with ``RONGRIAN_TRUSTED_PROXIES=1``,
as behind nginx, so every request has its own rate-limit budget). It uses ``http.client`` on a
new connection per request (gunicorn's sync workers close every connection), the lightest
client the standard library has.

Two kinds of phase: ``report`` (``POST /report`` with varied Thai complaints; the tracking code
read from the receipt's ``id="tracking-code"``) and ``track`` (``POST /track`` with valid codes
filed earlier).
"""

import http.client
import multiprocessing
import re
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.sharedctypes import Synchronized
from typing import Any

from benchmarks.common import hidden_fields
from benchmarks.intake_http import Form

_CODE = re.compile(r'id="tracking-code"[^>]*>\s*([0-9A-Z-]{19})\s*<')


@dataclass(frozen=True)
class Phase:
    """One timed phase: ``kind`` ``report`` or ``track`` against ``port`` for ``seconds``.

    ``forms``: the complaints to file (cycled); ``codes``: valid codes to look up (cycled);
    ``fresh_form``: GET the form before every POST (its one-time submission token used)
    instead of once per citizen (the GET is then not timed, but it loads the server)."""

    kind: str
    port: int
    seconds: float
    forms: Sequence[Form] = ()
    codes: Sequence[str] = ()
    fresh_form: bool = False


@dataclass
class CitizenResult:
    """What one citizen saw: per-request seconds, errors by kind, codes received."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    codes: list[str] = field(default_factory=list)

    def failed(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


class Browser:
    """One citizen's connection state: its cookie and its own run of addresses."""

    def __init__(self, port: int, citizen: int) -> None:
        self.port = port
        self.citizen = citizen
        self.sent = 0
        self.cookie = ""

    def address(self) -> str:
        """A fresh address in 10.0.0.0/8 for each request (22 bits of count per citizen)."""
        self.sent += 1
        number = (self.citizen << 18) | (self.sent & 0x3FFFF)
        return f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"

    def request(self, method: str, path: str, body: dict[str, str] | None = None
                ) -> tuple[int, str]:
        """Send one request on a new connection; return the status and the body's text."""
        headers = {"X-Forwarded-For": self.address(), "Connection": "close"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        encoded = None
        if body is not None:
            encoded = urllib.parse.urlencode(body).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=encoded, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            cookie = response.getheader("Set-Cookie")
        finally:
            connection.close()
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, text




def _form_fields(browser: Browser, result: CitizenResult, keep_once: bool) -> dict[str, str]:
    status, page = browser.request("GET", "/report")
    if status != 200:
        result.failed(f"GET /report {status}")
        return {}
    fields = hidden_fields(page)
    if not keep_once:
        fields.pop("submission_token", None)  # one GET, many POSTs: no one-time token
    return fields


def _one_report(browser: Browser, phase: Phase, index: int, hidden: dict[str, str],
                result: CitizenResult) -> None:
    form = phase.forms[index % len(phase.forms)]
    if phase.fresh_form:
        hidden = _form_fields(browser, result, keep_once=True)
    body = {**form.fields(""), **hidden}
    started = time.perf_counter()
    status, page = browser.request("POST", "/report", body)
    elapsed = time.perf_counter() - started
    found = _CODE.search(page) if status == 200 else None
    if found is None:
        result.failed(f"POST /report {status}")
        return
    result.latencies.append(elapsed)
    result.codes.append(found.group(1))


def _one_track(browser: Browser, phase: Phase, index: int, hidden: dict[str, str],
               result: CitizenResult) -> None:
    code = phase.codes[index % len(phase.codes)]
    started = time.perf_counter()
    status, _page = browser.request("POST", "/track",
                                    {"code": code, "csrf_token": hidden.get("csrf_token", "")})
    elapsed = time.perf_counter() - started
    if status != 200:
        result.failed(f"POST /track {status}")
        return
    result.latencies.append(elapsed)


def citizen(phase: Phase, number: int, citizens: int, done: "Synchronized[int]",
            out: "multiprocessing.Queue[CitizenResult]") -> None:
    """One virtual citizen's closed loop until the phase's deadline (child process)."""
    browser = Browser(phase.port, number + 1)
    result = CitizenResult()
    try:
        _loop(browser, phase, number, citizens, done, result)
    except Exception as exc:  # noqa: BLE001 - reported, never a hung phase
        result.failed(f"load generator: {type(exc).__name__}: {exc}")
    out.put(result)


def _loop(browser: Browser, phase: Phase, number: int, citizens: int,
          done: "Synchronized[int]", result: CitizenResult) -> None:
    if not (phase.forms if phase.kind == "report" else phase.codes):
        raise ValueError(f"nothing to send in a {phase.kind} phase")
    hidden = _form_fields(browser, result, keep_once=False)
    step: Callable[..., None] = _one_report if phase.kind == "report" else _one_track
    deadline = time.perf_counter() + phase.seconds
    index = number
    while time.perf_counter() < deadline:
        try:
            step(browser, phase, index, hidden, result)
        except (OSError, http.client.HTTPException) as exc:
            result.failed(type(exc).__name__)
        index += citizens
        with done.get_lock():
            done.value += 1


def run_phase(phase: Phase, citizens: int, progress: Callable[[int, float], None]
              ) -> tuple[CitizenResult, float]:
    """Run ``citizens`` processes through ``phase``; call ``progress(requests, seconds)`` about
    every 5 s; return everything they saw merged, and the wall-clock seconds of the phase."""
    context = multiprocessing.get_context("fork")
    done: Any = context.Value("i", 0)
    out: Any = context.Queue()
    children = [context.Process(target=citizen, args=(phase, n, citizens, done, out))
                for n in range(citizens)]
    started = time.perf_counter()
    for child in children:
        child.start()
    merged = CitizenResult()
    received = 0
    next_report = started + 5
    while received < citizens:
        now = time.perf_counter()
        if now >= next_report:
            progress(done.value, now - started)
            next_report += 5
        try:
            part: CitizenResult = out.get(timeout=0.5)
        except Exception:  # noqa: BLE001, S112 - queue.Empty: keep waiting and reporting
            continue
        received += 1
        merged.latencies += part.latencies
        merged.codes += part.codes
        for what, count in part.errors.items():
            merged.errors[what] = merged.errors.get(what, 0) + count
    wall = time.perf_counter() - started
    for child in children:
        child.join(timeout=30)
    return merged, wall
