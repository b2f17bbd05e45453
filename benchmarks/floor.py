"""What the parts of a request cost, against the reference (issue 11): Rongrian with parts of
``POST /report`` and ``POST /track`` replaced by the reference's, side by side with the reference.

Starts :mod:`benchmarks.reference.app` and five Rongrian servers under gunicorn with the same
settings as :mod:`benchmarks.side_by_side` (two sync workers each, PostgreSQL, rate limits in
Redis), all five on one database and one instance folder, each made by
:func:`create_variant` with some of these parts taken out:

- ``page``: the receipt and the thread page replaced by the reference's three-line templates,
  compiled once and given only the facts they show;
- ``data``: for a filing, ``file_complaint`` replaced by a receipt made without sealing or
  writing anything; for a lookup, the first code's thread (and standing) read once and shown
  for every code, so no database and no decryption;
- ``limit``: the rate limits off.

Then, interleaving the servers, ``--citizens`` virtual citizens in a closed loop
(:mod:`benchmarks.closed_loop`) for ``--seconds`` each: ``POST /report`` (the codes the
unchanged server files are looked up next, on every server), then ``POST /track``. Prints each
server's throughput and its ratio to the reference's, and what the ratio goal leaves for the
parts taken out. A server with nothing taken out is the application as deployed.

    .venv/bin/python -m benchmarks.floor                     # 2 rounds × 10 s
    .venv/bin/python -m benchmarks.floor --rounds 3 --seconds 15

The variants are for measuring only: they replace module attributes of the running app.
Empties both PostgreSQL databases it is given.
"""

import argparse
import statistics
import sys
import tempfile
import uuid
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from types import ModuleType
from typing import Any

from benchmarks.closed_loop import Phase, run_phase
from benchmarks.common import fresh_instance, load_line, machine_line
from benchmarks.intake_http import make_forms
from benchmarks.reference.app import RECEIPT, THREAD
from benchmarks.side_by_side import (
    GOAL_RATIO,
    Server,
    add_server_options,
    reference_environment,
    rongrian_env,
    start,
)

#: The servers, by the parts taken out (``-`` for none: the application as deployed).
VARIANTS = ("-", "page", "data", "page+data", "page+data+limit")
#: What the reference's templates are given instead of Rongrian's context.
_REFERENCE_PAGES: dict[str, tuple[str, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    "receipt.html": (RECEIPT, lambda context: {
        "code": context["receipt"].tracking_code, "received": context["receipt"].case_number}),
    "thread.html": (THREAD, lambda context: {
        "category": context["view"].category.name_th, "received": context["view"].received_on,
        "text": context["standing"].filed["what_happened"]}),
}


def _swap(module: ModuleType, name: str, value: object) -> None:
    """Put ``value`` in place of ``module.name`` (an attribute it has)."""
    getattr(module, name)  # AttributeError for a name the module lost: never add a new one
    setattr(module, name, value)


def _reference_pages() -> None:
    """The receipt and the thread page rendered from the reference's templates, compiled once
    and given only the facts they show: the least a page can cost."""
    from flask import current_app

    from rongrian.channels.web import views

    rongrian_render: Any = getattr(views, "render_template")  # noqa: B009 - typed as Any
    compiled: dict[str, Any] = {}

    def render_template(name: str, **context: Any) -> str:
        if name not in _REFERENCE_PAGES:
            return str(rongrian_render(name, **context))
        source, arguments = _REFERENCE_PAGES[name]
        if name not in compiled:
            compiled[name] = current_app.jinja_env.from_string(source)
        return str(compiled[name].render(arguments(context)))

    _swap(views, "render_template", render_template)


def _no_data() -> None:
    """No sealing and no writing for a filing; for a lookup, the first code's thread and
    standing read once and shown for every code (the page's status is what is counted)."""
    from rongrian.channels.web import views
    from rongrian.intake import complainant
    from rongrian.intake.filing import Receipt
    from rongrian.intake.tracking_codes import display, new_tracking_code

    filed = [0]

    def file_complaint(*_args: Any, **_kwargs: Any) -> Receipt:
        filed[0] += 1
        return Receipt(display(new_tracking_code()), f"2570/{filed[0]:06d}", uuid.uuid4())

    def kept(read: Any) -> Any:
        answers: list[Any] = []

        def once(*args: Any, **kwargs: Any) -> Any:
            if not answers:
                answers.append(read(*args, **kwargs))
            return answers[0]
        return once

    _swap(views, "file_complaint", file_complaint)
    _swap(views, "read_thread", kept(getattr(views, "read_thread")))  # noqa: B009
    _swap(complainant, "standing", kept(complainant.standing))


def create_variant(parts: str) -> Any:
    """Rongrian's combined app from the environment (``rongrian.wsgi:create_app()``) with
    ``parts`` taken out: ``-`` or ``+``-joined names of :data:`VARIANTS`."""
    from rongrian import wsgi

    taken = set(parts.split("+")) - {"-"}
    if "page" in taken:
        _reference_pages()
    if "data" in taken:
        _no_data()
    if "limit" in taken:
        settings = getattr(wsgi, "from_environment")  # noqa: B009 - not exported
        _swap(wsgi, "from_environment", lambda: replace(settings(), ratelimit_enabled=False))
    return wsgi.create_app()


def _rate(server: Server, phase: Phase, citizens: int) -> tuple[float, list[str]]:
    result, wall = run_phase(phase, citizens, lambda _count, _seconds: None)
    errors = f"errors {result.errors}" if result.errors else "no error"
    print(f"  {server.name:16} {phase.kind:6} {len(result.latencies) / wall:7.1f}/s  {errors}"
          f"  [{load_line()}]", flush=True)
    return len(result.latencies) / wall, result.codes


def _summary(kind: str, rates: dict[str, list[float]], workers: int) -> None:
    """Each server's median and ratio, and the worker time per request (``workers / rate``)
    the ratio goal leaves for what ``page+data`` takes out, against what it takes as deployed."""
    reference = statistics.median(rates["reference"])
    print(f"POST /{kind} (medians)")
    for name, runs in rates.items():
        ratio = statistics.median(runs) / reference
        print(f"  {name:16} {statistics.median(runs):7.1f}/s  ratio {ratio:.2f}  (runs: "
              + ", ".join(f"{rate:.0f}" for rate in runs) + ")")

    def worker_ms(rate: float) -> float:
        return 1000 * workers / rate

    without = worker_ms(statistics.median(rates["page+data"]))
    left = worker_ms(GOAL_RATIO * reference) - without
    taken = worker_ms(statistics.median(rates["-"])) - without
    print(f"  page and data: the goal ({GOAL_RATIO} of the reference) leaves them {left:.2f} ms"
          f" of a worker per request; as deployed they take {taken:.2f} ms", flush=True)


def measure(options: argparse.Namespace, ref: Server, ours: list[Server]) -> None:
    forms = make_forms(500, seed=11)
    servers = [ref, *ours]
    rates: dict[str, dict[str, list[float]]] = {
        kind: {server.name: [] for server in servers} for kind in ("report", "track")}
    codes: dict[str, list[str]] = {"reference": [], "rongrian": []}
    for kind in ("report", "track"):
        for round_number in range(options.rounds):
            print(f"{kind}: round {round_number + 1}/{options.rounds}", flush=True)
            for server in servers:
                own = "reference" if server is ref else "rongrian"
                phase = Phase(kind, server.port, options.seconds, forms=forms,
                              codes=codes[own][::-1])
                rate, made = _rate(server, phase, options.citizens)
                rates[kind][server.name].append(rate)
                if kind == "report" and server.name in ("reference", "-"):
                    codes[own] += made
        _summary(kind, rates[kind], options.workers)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="rongrian-floor-"))
    instance = fresh_instance(options.database_url, folder)
    ref_env = reference_environment(options.reference_url)
    print(machine_line())
    print(f"servers: the reference and Rongrian with parts taken out ({', '.join(VARIANTS)}), "
          f"{options.workers} sync workers each; {options.citizens} virtual citizens, "
          f"{options.seconds:.0f} s per run, {options.rounds} rounds", flush=True)
    env = rongrian_env(options, instance, "https://report.example.go.th")
    started: list[Server] = []
    try:
        ref = start("reference", "benchmarks.reference.app:create_app()", ref_env,
                    options.workers, folder / "reference.log")
        started.append(ref)
        for parts in VARIANTS:
            started.append(start(parts, f"benchmarks.floor:create_variant({parts!r})", env,
                                 options.workers, folder / f"{parts}.log"))
        measure(options, ref, started[1:])
    finally:
        for server in started:
            server.stop()
    print(load_line())
    return 0


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else "")
    add_server_options(parser, seconds=10.0)
    return parser.parse_args(argv)


if __name__ == "__main__":
    sys.exit(main())
