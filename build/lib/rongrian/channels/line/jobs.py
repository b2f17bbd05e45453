"""RQ jobs of the LINE channel, and the worker that runs them (``rongrian line worker``).

A worker process builds one :class:`~rongrian.channels.line.runtime.LineRuntime` from the
environment (or is handed one by :func:`run_worker`) and keeps it for its jobs: RQ calls job
functions by name with their arguments only, so the runtime is this process's, found through
:func:`current`. Jobs arrive sealed under the queue key (:mod:`rongrian.channels.line.dispatch`).
"""

import logging

from rongrian.channels.line.api import LineApiError
from rongrian.channels.line.dispatch import DEFAULT_QUEUE, open_job
from rongrian.channels.line.runtime import LineRuntime
from rongrian.crypto.line_ids import queue_key

LOG = logging.getLogger("rongrian.line")
#: Statuses worth trying again later (RQ retries the job with its backoff intervals).
RETRY_LATER = frozenset({0, 429, 500, 502, 503, 504})
_PROCESS: dict[str, LineRuntime] = {}


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
    """Job: handle the events of one webhook body (one chat's share of it)."""
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


def run_worker(runtime: LineRuntime, redis_url: str, queue_name: str = DEFAULT_QUEUE, *,
               burst: bool = False) -> bool:
    """Run an RQ worker (in this process, no fork per job) on ``queue_name`` until stopped
    (or, with ``burst``, until the queue is empty). Returns whether it did any work."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    install(runtime)
    connection = Redis.from_url(redis_url)
    worker = SimpleWorker([Queue(queue_name, connection=connection)], connection=connection)
    return bool(worker.work(burst=burst, logging_level="WARNING", with_scheduler=not burst))
