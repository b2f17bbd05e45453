"""Python function calls per ``POST /report`` and ``POST /track``, by part (issue 11): a yardstick
that the machine's noise does not move.

On this shared machine two timed runs of the same tree differ by up to a fifth, more than most
single changes to a request's work (``benchmarks/README.md``, sixth pass). The number of Python
function calls a request makes is the same from run to run and follows its CPU time closely
(the time of a request is nearly all Python), so a change that removes work shows at once.

The application runs in this process as deployed (``rongrian.wsgi:create_app()``, PostgreSQL, rate
limits in Redis, behind the trusted proxy) and is called through Werkzeug's WSGI test client, one
request at a time, as the load generator's citizens send them (a fresh address each, one GET of
the form, then POSTs without the one-time token). ``sys.setprofile`` counts each Python call
under the first of :data:`PARTS` found on its stack; C functions are not counted, and a
generator counts each time it resumes (the QR code's path is drawn by one).

    .venv/bin/python -m benchmarks.calls                   # 50 filings, 50 lookups
    .venv/bin/python -m benchmarks.calls --requests 200

Empties the PostgreSQL database it is given.
"""

import argparse
import os
import re
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from types import FrameType
from typing import Any

from werkzeug.test import Client

from benchmarks.closed_loop import Browser
from benchmarks.common import DEFAULT_PG_URL, fresh_instance, hidden_fields, machine_line
from benchmarks.intake_http import make_forms
from benchmarks.side_by_side import rongrian_env

#: The parts a call is counted under: the first of these function names up its stack
#: (``FormMeta.__call__`` is a form being made), else "the rest" (Flask, Werkzeug, the session).
PARTS = ("render_template", "read_thread", "file_complaint", "tracking_link_svg",
         "_check_request_limit", "FormMeta.__call__", "validate", "_offer", "extras",
         "ensure_token", "kept_reference", "current_reference", "commit_or_discard",
         "identifiers_to_warn_about", "do_teardown_appcontext")
_CODE = re.compile(r'id="tracking-code"[^>]*>\s*([0-9A-Z-]{19})\s*<')


class CallCounter:
    """Counts Python calls by part while :meth:`run` runs a function."""

    def __init__(self) -> None:
        self.parts: Counter[str] = Counter()

    def _part_of(self, frame: FrameType | None) -> str:
        while frame is not None:
            name = frame.f_code.co_name
            if name in PARTS:
                return name
            if name == "__call__" and frame.f_code.co_filename.endswith("wtforms/form.py"):
                return "FormMeta.__call__"
            frame = frame.f_back
        return "the rest"

    def _seen(self, frame: FrameType, event: str, _arg: Any) -> None:
        if event == "call":
            self.parts[self._part_of(frame)] += 1

    def run(self, work: Callable[[], None]) -> None:
        """Run ``work`` with every Python call counted."""
        sys.setprofile(self._seen)
        try:
            work()
        finally:
            sys.setprofile(None)


class Citizen:
    """One citizen of the load generator, in process: a cookie and a fresh address a request
    (the load generator's own run of addresses, :meth:`benchmarks.closed_loop.Browser.address`)."""

    def __init__(self, app: Any) -> None:
        self.client = Client(app)
        self.addresses = Browser(port=0, citizen=1)

    def headers(self) -> dict[str, str]:
        """A fresh ``X-Forwarded-For`` address in 10.0.0.0/8."""
        return {"X-Forwarded-For": self.addresses.address()}

    def post(self, path: str, data: dict[str, str]) -> str:
        """POST ``data``; the page's text. Raises ``SystemExit`` on any status but 200."""
        response = self.client.post(path, data=data, headers=self.headers())
        if response.status_code != 200:
            raise SystemExit(f"POST {path}: {response.status_code}")
        return response.get_data(as_text=True)


def _app(instance: Path, options: argparse.Namespace) -> Any:
    os.environ.update(rongrian_env(options, instance, "https://report.example.go.th"))
    from rongrian.wsgi import create_app  # noqa: PLC0415 - configured from the environment above

    return create_app()


def _print(kind: str, counter: CallCounter, requests: int) -> None:
    total = sum(counter.parts.values())
    print(f"POST /{kind}: {total / requests:,.0f} Python calls a request")
    for part, count in counter.parts.most_common():
        print(f"  {count / requests:7,.0f}  {100 * count / total:5.1f} %  {part}")


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rongrian-calls-"))
    import redis  # noqa: PLC0415 - only this command needs it

    redis.Redis.from_url(options.redis).flushdb()
    citizen = Citizen(_app(fresh_instance(options.database_url, folder), options))
    form = hidden_fields(citizen.client.get("/report", headers=citizen.headers())
                         .get_data(as_text=True))
    form.pop("submission_token", None)  # one GET, many POSTs, as the load generator
    complaints = make_forms(500, seed=11)
    codes: list[str] = []

    def file(count: int) -> None:
        for index in range(count):
            page = citizen.post("/report", {**complaints[index % 500].fields(""), **form})
            found = _CODE.search(page)
            if found is None:
                raise SystemExit("no tracking code on the receipt")
            codes.append(found.group(1))

    def look_up(count: int) -> None:
        for index in range(count):
            citizen.post("/track", {"code": codes[index % len(codes)],
                                    "csrf_token": form["csrf_token"]})

    print(machine_line())
    file(20)  # warm: statements prepared, templates compiled, the organisation kept
    look_up(20)
    for kind, work in (("report", file), ("track", look_up)):
        counter = CallCounter()
        counter.run(partial(work, options.requests))
        _print(kind, counter, options.requests)
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    parser.add_argument("--database-url", default=DEFAULT_PG_URL)
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/5",
                        help="rate-limit storage (emptied)")
    parser.add_argument("--requests", type=int, default=50, help="of each kind, counted")
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
