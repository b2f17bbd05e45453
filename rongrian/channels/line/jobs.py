"""RQ jobs of the LINE channel, and the worker that runs them (``rongrian line worker``).

A worker process builds one :class:`~rongrian.channels.line.runtime.LineRuntime` from the
environment (or is handed one by :func:`run_worker`) and keeps it for its jobs: RQ calls job
functions by name with their arguments only, so the runtime is this process's, found through
:func:`current`. Jobs arrive sealed under the queue key (:mod:`rongrian.channels.line.dispatch`).
"""

import gc
import logging
import time

from rongrian.channels.line.api import LineApiError
from rongrian.channels.line.dispatch import DEFAULT_QUEUE, open_job
from rongrian.channels.line.lanes import LANE_THREADS, Lanes
from rongrian.channels.line.runtime import LineRuntime
from rongrian.crypto.line_ids import queue_key

LOG = logging.getLogger("rongrian.line")
#: Statuses worth trying again later (RQ retries the job with its backoff intervals).
RETRY_LATER = frozenset({0, 429, 500, 502, 503, 504})
_PROCESS: dict[str, LineRuntime] = {}
#: Seconds a stopping worker waits for the event at hand to be finished.
LANE_STOP_SECONDS = 30.0


def install(runtime: LineRuntime) -> None:
    """Use ``runtime`` for the jobs this process runs."""
    _PROCESS["runtime"] = runtime


def current() -> LineRuntime:
    """This process's runtime (built from the environment on first use)."""
    if "runtime" not in _PROCESS:
        from rongrian.channels.line.app import runtime_from_settings
        from rongrian.intake.db import make_engine, make_session_factory
        from rongrian.settings import from_environment

        settings = from_environment()
        factory = make_session_factory(make_engine(settings.database_url))
        install(runtime_from_settings(settings, factory))
    return _PROCESS["runtime"]


def handle_events(blob: bytes) -> None:
    """RQ job: handle the events of one webhook body. Events now go to the ordered lanes
    (:mod:`rongrian.channels.line.lanes`); this remains for jobs queued by an older version."""
    runtime = current()
    runtime.process_events(open_job(queue_key(runtime.pepper), "events", blob))


def push_notification(blob: bytes) -> None:
    """Job: push one notification. Raises :class:`LineApiError` (so RQ retries the job) when
    LINE was unavailable or rate-limited; a refusal (e.g. the user blocked the account) is
    logged by status and dropped."""
    runtime = current()
    for item, retry_key in open_job(queue_key(runtime.pepper), "push", blob):
        try:
            runtime.push_one(item, retry_key)
        except LineApiError as exc:
            if exc.status in RETRY_LATER:
                raise
            LOG.warning("LINE notification refused: HTTP %s", exc.status)


def warm_up(runtime: LineRuntime) -> None:
    """Load what the first events would otherwise load (the Thai word list behind the category
    suggestion, the database connection), so the first citizen is not kept waiting. A failure
    (e.g. the database not up yet) is logged by kind and left to the first event.

    Then everything loaded so far, which lives as long as the worker, is moved out of the
    garbage collector's sight (:func:`gc.freeze`): a full collection scanned the word list's
    and the libraries' objects each time, 100–800 ms during which every lane thread stood
    still, and replies fell seconds behind at 200 events/s (issue 11)."""
    from rongrian.intake import suggest

    try:
        suggest.warm_up()
        with runtime.sessions() as session:
            runtime.catalogue(session)
    except Exception as exc:  # noqa: BLE001 - only a head start; the events retry it
        LOG.warning("LINE worker warm-up failed: %s", type(exc).__name__)
    gc.collect()
    gc.freeze()


def run_worker(runtime: LineRuntime, redis_url: str, queue_name: str = DEFAULT_QUEUE, *,
               burst: bool = False, threads: int = LANE_THREADS) -> bool:
    """Run a LINE worker until stopped (SIGTERM/SIGINT: the jobs at hand are finished first)
    or, with ``burst``, until there is no work left. Returns whether it did any work.

    Two kinds of loop, one process, one runtime: webhook events from the ordered lanes of
    ``queue_name`` (:mod:`rongrian.channels.line.lanes`, in ``threads`` threads, one in burst
    mode; each thread takes lanes as a worker of its own does, so any number of workers and
    threads keep each chat's events in order) and notification pushes from the RQ queue
    ``queue_name`` (RQ's ``SimpleWorker``, no fork per job, with its scheduler for retries).
    Raises ``ValueError`` for ``threads`` below 1.
    """
    if threads < 1:
        raise ValueError("a LINE worker needs at least one lane thread")
    import threading

    from redis import Redis
    from rq import Queue, SimpleWorker

    install(runtime)
    warm_up(runtime)
    connection = Redis.from_url(redis_url)
    lanes = Lanes(connection, queue_name)
    queue = Queue(queue_name, connection=connection)
    key = queue_key(runtime.pepper)

    def handle(blob: bytes) -> None:
        runtime.process_events(open_job(key, "events", blob))

    if burst:
        worked = False
        while True:
            handled = lanes.work(handle, stop=lambda: False, burst=True)
            pushed = SimpleWorker([queue], connection=connection).work(
                burst=True, logging_level="WARNING", with_scheduler=False)
            if not handled and not pushed:
                return worked
            worked = True

    stopping = threading.Event()
    lane_connection = Redis.from_url(redis_url)
    counts: list[int] = []
    lane_threads = [threading.Thread(
        target=lambda: counts.append(Lanes(lane_connection, queue_name).work(
            handle, stop=stopping.is_set)),
        name=f"rongrian-line-lanes-{n}", daemon=True) for n in range(threads)]
    for thread in lane_threads:
        thread.start()
    try:
        pushed = SimpleWorker([queue], connection=connection).work(
            logging_level="WARNING", with_scheduler=True)
    finally:
        stopping.set()
        deadline = time.monotonic() + LANE_STOP_SECONDS
        for thread in lane_threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
    return bool(pushed or sum(counts))
