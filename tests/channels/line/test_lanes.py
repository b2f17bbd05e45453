"""Ordered lanes (``rongrian.channels.line.lanes``): with several ``rongrian line worker``
processes, or one running several lane threads, one citizen's events are still handled one at
a time and in the order LINE sent them; a job left by a worker that died is handled again,
first. Needs the machine's Redis (skipped without it); each test uses lanes of its own and
deletes them."""

import gc
import logging
import os
import signal
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any, cast

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue
from sqlalchemy.exc import OperationalError

from rongrian.channels.line.dispatch import RQDispatcher, open_job, seal_job
from rongrian.channels.line.jobs import run_worker, warm_up
from rongrian.channels.line.lanes import FAILED_SECONDS, MAX_ATTEMPTS, Lanes, lane_of
from rongrian.channels.line.runtime import LineRuntime
from rongrian.crypto.line_ids import queue_key
from tests.channels.line import webhooks

REDIS_URL = "redis://127.0.0.1:6379/0"
KEY = bytes(range(32))
PEPPER = bytes(range(32, 64))
#: The text of the event that keeps failing (not hexadecimal: queue names are).
POISON = "ข้อความที่ทำให้ล้ม"


@pytest.fixture
def queue() -> Iterator[str]:
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    name = f"rongrian-line-test-{uuid.uuid4().hex[:12]}"
    yield name
    Lanes(connection, name).delete()


class Recorder:
    """A handler that notes each user's events and fails the test's checks if two of one
    user's events are handled at the same time."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.busy: set[str] = set()
        self.seen: dict[str, list[str]] = {}
        self.overlaps = 0
        self.threads: set[str] = set()

    def __call__(self, blob: bytes) -> None:
        self.process_events(open_job(KEY, "events", blob))

    def process_events(self, events: list[dict[str, Any]]) -> None:
        for event in events:
            user = event["source"]["userId"]
            with self.lock:
                if user in self.busy:
                    self.overlaps += 1
                self.busy.add(user)
                self.threads.add(threading.current_thread().name)
            time.sleep(0.002)  # a handler's database and LINE calls: room for a race
            with self.lock:
                self.busy.discard(user)
                self.seen.setdefault(user, []).append(event["message"]["text"])

    def count(self) -> int:
        with self.lock:
            return sum(len(texts) for texts in self.seen.values())


def test_two_workers_keep_each_users_events_in_order_and_one_at_a_time(queue: str) -> None:
    dispatcher = RQDispatcher(REDIS_URL, KEY, queue)
    users = [webhooks.user_id() for _ in range(6)]
    sent: dict[str, list[str]] = {user: [] for user in users}
    for n in range(40):  # interleaved, one webhook body per event, as LINE sends them
        for user in users:
            text = f"{n:03d}"
            sent[user].append(text)
            dispatcher.submit_events([webhooks.text(user, text)])
    recorder = Recorder()
    done = threading.Event()
    counts: list[int] = []
    workers = [threading.Thread(target=lambda: counts.append(
        Lanes(Redis.from_url(REDIS_URL), queue).work(recorder, stop=done.is_set, wait=0.05)))
        for _ in range(2)]
    for worker in workers:
        worker.start()
    deadline = time.monotonic() + 60
    while dispatcher.lanes.waiting() and time.monotonic() < deadline:
        time.sleep(0.05)
    done.set()
    for worker in workers:
        worker.join(timeout=10)
    assert recorder.seen == sent
    assert recorder.overlaps == 0
    assert sum(counts) == 6 * 40
    assert all(count > 0 for count in counts)  # both workers took part


class WorkerRuntime(Recorder):
    """What ``run_worker`` uses of a ``LineRuntime``: a pepper (the queue key comes from it)
    and ``process_events``; no database, so the worker's warm-up is skipped with a warning."""

    pepper = PEPPER


def test_one_worker_runs_several_lane_threads_and_keeps_each_users_order(queue: str) -> None:
    dispatcher = RQDispatcher(REDIS_URL, queue_key(PEPPER), queue)
    users = [webhooks.user_id() for _ in range(6)]
    sent: dict[str, list[str]] = {user: [] for user in users}
    for n in range(30):
        for user in users:
            sent[user].append(f"{n:03d}")
            dispatcher.submit_events([webhooks.text(user, f"{n:03d}")])
    runtime = WorkerRuntime()
    returned = threading.Event()

    def stop_when_done() -> None:  # as systemd stops the worker: SIGTERM, jobs at hand finish
        deadline = time.monotonic() + 60
        while runtime.count() < 6 * 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        # Again if the first came before RQ had put its handler in place of the test's.
        while not returned.is_set():
            os.kill(os.getpid(), signal.SIGTERM)
            returned.wait(5)

    handlers = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGINT)}
    signal.signal(signal.SIGTERM, lambda *_: None)  # never the default (exit) in a test run
    stopper = threading.Thread(target=stop_when_done)
    stopper.start()
    try:
        assert run_worker(cast(LineRuntime, runtime), REDIS_URL, queue, threads=3)
    finally:
        returned.set()
        stopper.join()
        for number, handler in handlers.items():
            signal.signal(number, handler)
        gc.unfreeze()  # the worker's warm-up froze the test run's objects
        Queue(queue, connection=Redis.from_url(REDIS_URL)).delete(delete_jobs=True)
    assert runtime.seen == sent
    assert runtime.overlaps == 0
    assert len(runtime.threads) > 1  # the lanes were shared out among the threads


def test_a_body_with_two_chats_is_split_and_each_chat_stays_in_order(queue: str) -> None:
    dispatcher = RQDispatcher(REDIS_URL, KEY, queue)
    first, second = webhooks.user_id(), webhooks.user_id()
    while lane_of(KEY, first) == lane_of(KEY, second):
        second = webhooks.user_id()
    dispatcher.submit_events([webhooks.text(first, "1"), webhooks.text(second, "a"),
                              webhooks.text(first, "2")])
    assert dispatcher.lanes.waiting() == 2
    recorder = Recorder()
    assert Lanes(Redis.from_url(REDIS_URL), queue).work(recorder, stop=lambda: False,
                                                        burst=True) == 2
    assert recorder.seen == {first: ["1", "2"], second: ["a"]}


def test_a_job_left_by_a_dead_worker_is_handled_again_before_the_next(queue: str) -> None:
    connection = Redis.from_url(REDIS_URL)
    lanes = Lanes(connection, queue)
    user = webhooks.user_id()
    k = lane_of(KEY, user)

    def job(text: str) -> bytes:
        return seal_job(KEY, "events", [webhooks.text(user, text)])

    lanes.push([(k, job("1")), (k, job("2"))])
    # A worker took "1" and died: its lease expired, the job is still marked as being done.
    connection.lmove(lanes.lane(k), lanes.doing(k), "LEFT", "RIGHT")
    recorder = Recorder()
    assert Lanes(connection, queue).work(recorder, stop=lambda: False, burst=True) == 2
    assert recorder.seen == {user: ["1", "2"]}
    assert lanes.waiting() == 0


def test_a_leased_lane_waits_for_its_holder(queue: str) -> None:
    connection = Redis.from_url(REDIS_URL)
    holder, other = Lanes(connection, queue), Lanes(connection, queue)
    user = webhooks.user_id()
    k = lane_of(KEY, user)
    holder.push([(k, seal_job(KEY, "events", [webhooks.text(user, "1")]))])
    assert connection.set(holder.lease(k), holder.token, nx=True, px=60_000)
    recorder = Recorder()
    assert other.drain(k, recorder) == 0
    assert recorder.seen == {}
    connection.delete(holder.lease(k))
    assert other.drain(k, recorder) == 1
    assert recorder.seen == {user: ["1"]}


def test_a_job_not_sealed_under_the_queue_key_is_dropped(queue: str) -> None:
    connection = Redis.from_url(REDIS_URL)
    lanes = Lanes(connection, queue)
    foreign: list[Any] = [webhooks.text(webhooks.user_id(), "x")]
    lanes.push([(0, seal_job(bytes(32), "events", foreign))])
    assert lanes.work(Recorder(), stop=lambda: False, burst=True) == 1
    assert lanes.waiting() == 0


class Failing(Recorder):
    """A recorder whose handling of the text ``bad`` raises ``error`` (its first ``times``
    attempts; every attempt if ``times`` is None)."""

    def __init__(self, error: Exception, times: int | None = None) -> None:
        super().__init__()
        self.error = error
        self.times = times
        self.attempts = 0

    def __call__(self, blob: bytes) -> None:
        if any(event["message"]["text"] == POISON for event in open_job(KEY, "events", blob)):
            self.attempts += 1
            if self.times is None or self.attempts <= self.times:
                raise self.error
        super().__call__(blob)


def _drain_until_done(lanes: Lanes, k: int, handler: Failing, tries: int) -> list[str]:
    """Drain lane ``k`` up to ``tries`` times, as a worker would after each pause; returns the
    kinds of errors raised."""
    raised = []
    for _ in range(tries):
        try:
            lanes.drain(k, handler)
        except Exception as exc:  # noqa: BLE001 - what the worker would log
            raised.append(type(exc).__name__)
        if not lanes.waiting():
            break
    return raised


def test_a_job_that_keeps_failing_is_set_aside_and_its_lane_goes_on(
        queue: str, caplog: pytest.LogCaptureFixture) -> None:
    connection = Redis.from_url(REDIS_URL)
    lanes = Lanes(connection, queue)
    user = webhooks.user_id()
    k = lane_of(KEY, user)
    lanes.push([(k, seal_job(KEY, "events", [webhooks.text(user, text)]))
                for text in (POISON, "next")])
    handler = Failing(ValueError("poison"))
    with caplog.at_level(logging.WARNING, logger="rongrian.line"):
        raised = _drain_until_done(lanes, k, handler, tries=MAX_ATTEMPTS + 2)
    assert raised == ["ValueError"] * (MAX_ATTEMPTS - 1)
    assert handler.attempts == MAX_ATTEMPTS
    assert handler.seen == {user: ["next"]}  # the chat's next event was handled after all
    assert lanes.waiting() == 0
    assert lanes.set_aside() == 1
    kept = connection.lrange(lanes.failed, 0, -1)
    assert len(kept) == 1
    assert isinstance(kept[0], bytes)  # still sealed under the queue key
    assert [e["message"]["text"] for e in open_job(KEY, "events", kept[0])] == [POISON]
    assert 0 < connection.ttl(lanes.failed) <= FAILED_SECONDS
    assert not connection.exists(lanes.attempts)  # the count went with the job
    warnings = [r.getMessage() for r in caplog.records if "set aside" in r.getMessage()]
    assert len(warnings) == 1
    assert f"{MAX_ATTEMPTS} failed attempts" in warnings[0]
    assert lanes.failed in warnings[0]
    assert all(user not in r.getMessage() and POISON not in r.getMessage()
               for r in caplog.records)


def test_a_database_outage_is_retried_in_order_and_nothing_is_set_aside(queue: str) -> None:
    lanes = Lanes(Redis.from_url(REDIS_URL), queue)
    user = webhooks.user_id()
    k = lane_of(KEY, user)
    lanes.push([(k, seal_job(KEY, "events", [webhooks.text(user, text)]))
                for text in (POISON, "next")])
    # The database is down for three times as many attempts as a poison job is allowed.
    outage = OperationalError("SELECT 1", {}, Exception("connection refused"))
    handler = Failing(outage, times=3 * MAX_ATTEMPTS)
    raised = _drain_until_done(lanes, k, handler, tries=3 * MAX_ATTEMPTS + 1)
    assert raised == ["OperationalError"] * (3 * MAX_ATTEMPTS)
    assert handler.seen == {user: [POISON, "next"]}
    assert lanes.waiting() == 0
    assert lanes.set_aside() == 0


def test_a_job_that_failed_and_then_succeeded_starts_its_count_afresh(queue: str) -> None:
    connection = Redis.from_url(REDIS_URL)
    lanes = Lanes(connection, queue)
    user = webhooks.user_id()
    k = lane_of(KEY, user)
    lanes.push([(k, seal_job(KEY, "events", [webhooks.text(user, POISON)]))])
    handler = Failing(ValueError("passing"), times=MAX_ATTEMPTS - 1)
    assert _drain_until_done(lanes, k, handler, tries=MAX_ATTEMPTS) == (
        ["ValueError"] * (MAX_ATTEMPTS - 1))
    assert handler.seen == {user: [POISON]}
    assert lanes.set_aside() == 0
    assert not connection.exists(lanes.attempts)


def test_a_worker_keeps_the_garbage_collector_off_what_it_loaded_at_start() -> None:
    """A full collection that scans the Thai word list and the libraries stops every lane
    thread for 100–800 ms (issue 11): the worker freezes what its warm-up loaded."""
    gc.unfreeze()
    try:
        warm_up(cast(LineRuntime, WorkerRuntime()))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
