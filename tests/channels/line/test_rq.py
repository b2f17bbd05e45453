"""The Redis queue (RQ) path: with ``RONGRIAN_REDIS_URL`` set the webhook enqueues sealed jobs
and ``rongrian line worker`` handles them. Needs the machine's Redis on 127.0.0.1:6379 (the
tests are skipped without it); each test uses a queue of its own and deletes it."""

import gc
import uuid
from collections.abc import Iterator
from dataclasses import replace

import pytest
from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from rq import Queue
from sqlalchemy import Engine, select
from werkzeug.test import Client

from rongrian.admin.accounts import log_in, resume
from rongrian.admin.server import combined_app
from rongrian.channels.line.app import LINE_EXTENSION, LineChannel, runtime_from_settings
from rongrian.channels.line.dispatch import RQDispatcher
from rongrian.channels.line.jobs import run_worker
from rongrian.channels.line.lanes import Lanes
from rongrian.intake.casework import reply
from rongrian.intake.db import make_session_factory
from rongrian.intake.models import Complaint
from rongrian.settings import Settings
from tests.channels.line import webhooks
from tests.channels.line.helpers import receipt_of
from tests.channels.line.standin import StandIn
from tests.conftest import PASSWORDS, Demo
from tests.test_no_plaintext_at_rest import Secrets, leaks

REDIS_URL = "redis://127.0.0.1:6379/0"


@pytest.fixture
def redis() -> Redis:
    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    return connection


@pytest.fixture
def rq_settings(line_settings: Settings, redis: Redis) -> Iterator[Settings]:
    queue = f"rongrian-line-test-{uuid.uuid4().hex[:12]}"
    yield replace(line_settings, redis_url=REDIS_URL, line_queue=queue)
    Queue(queue, connection=redis).delete(delete_jobs=True)
    Lanes(redis, queue).delete()


class RQLine:
    """The combined server on the RQ path, and a worker run on demand."""

    def __init__(self, settings: Settings, engine: Engine, standin: StandIn) -> None:
        self.settings = settings
        self.server = combined_app(settings, engine=engine)
        self.client = Client(self.server)
        self.standin = standin
        self.runtime = runtime_from_settings(settings, make_session_factory(engine))

    @property
    def channel(self) -> LineChannel:
        channel: LineChannel = self.server.app.extensions[LINE_EXTENSION]  # type: ignore[attr-defined]
        return channel

    def post(self, *events: dict[str, object]) -> None:
        raw = webhooks.body(*events)
        response = self.client.post("/line/webhook", data=raw,
                                    headers={"X-Line-Signature": webhooks.sign(raw)})
        assert response.status_code == 200

    def work(self) -> bool:
        """Run a worker until the queue is empty (its warm-up's freeze undone after: the test
        run's objects stay collectable)."""
        try:
            return run_worker(self.runtime, self.settings.redis_url, self.settings.line_queue,
                              burst=True)
        finally:
            gc.unfreeze()

    def tap(self, user: str, data: str) -> list[str]:
        event = webhooks.postback(user, data)
        self.post(event)
        assert self.work()
        return self.standin.reply_to(str(event["replyToken"])).texts


def _redis_dump(redis: Redis, queue: str) -> dict[str, bytes]:
    dump = {}
    for key in [*redis.scan_iter("rq:*"), *redis.scan_iter(f"{queue}:*")]:
        kind = redis.type(key)
        if kind == b"hash":
            fields: dict[bytes, bytes] = redis.hgetall(key)  # type: ignore[assignment]
            dump[str(key)] = b"\x00".join(k + b"=" + v for k, v in fields.items())
        elif kind == b"list":
            items: list[bytes] = redis.lrange(key, 0, -1)  # type: ignore[assignment]
            dump[str(key)] = b"\x00".join(items)
    return dump


def test_events_wait_sealed_in_redis_and_a_worker_handles_them(
        rq_settings: Settings, engine: Engine, demo: Demo, standin: StandIn,
        redis: Redis) -> None:
    line = RQLine(rq_settings, engine, standin)
    assert isinstance(line.channel.dispatcher, RQDispatcher)
    kept = Secrets()
    user = kept.add("user id", webhooks.user_id())
    follow = webhooks.follow(user)
    text = webhooks.text(user, kept.sentence("chat text", "มีการทุจริตในโครงการ"))
    line.post(follow, text)
    assert standin.calls == []  # nothing handled before a worker runs
    lanes = Lanes(redis, rq_settings.line_queue)
    assert lanes.waiting() == 1  # one chat: one sealed job in its lane
    dump = _redis_dump(redis, rq_settings.line_queue)
    assert any(rq_settings.line_queue in key for key in dump)
    assert leaks(kept.values, dump) == []

    assert line.work()
    assert standin.reply_to(str(follow["replyToken"]))
    assert lanes.waiting() == 0  # deleted when done
    assert leaks(kept.values, _redis_dump(redis, rq_settings.line_queue)) == []


def test_a_whole_filing_and_a_push_through_the_queue(rq_settings: Settings, engine: Engine,
                                                     demo: Demo, standin: StandIn) -> None:
    line = RQLine(rq_settings, engine, standin)
    user = webhooks.user_id()
    line.tap(user, "a=file")
    event = webhooks.text(user, "ไฟฟ้าดับทั้งหมู่บ้าน")
    line.post(event)
    line.work()
    for data in ("a=skip", "a=cat&v=general", "a=edit", "a=field&v=unit", "a=unit&v=WORKS"):
        line.tap(user, data)
    confirm = webhooks.postback(user, "a=confirm")
    line.post(confirm)
    line.work()
    code, number = receipt_of(standin.reply_to(str(confirm["replyToken"])))
    line.post(dict(confirm, deliveryContext={"isRedelivery": True}))  # redelivered
    line.work()
    line.tap(user, f"a=notify&v=on&c={code}")
    with demo.sessions() as session:
        complaints = session.scalars(select(Complaint)).all()
        assert [c.case_number for c in complaints] == [number]
        complaint_id = complaints[0].id
    # Staff reply in the staff app's sessions: the push goes through the queue too.
    staff_sessions = line.server.mounts["/staff"].extensions["rongrian.sessions"]  # type: ignore[attr-defined]
    with staff_sessions() as session:
        _account, ticket = log_in(session, "works", PASSWORDS["works"], strength="test")
        resumed = resume(session, ticket)
        assert resumed is not None
        reply(session, resumed[1], complaint_id, "ซ่อมแล้ว")
        session.commit()
    assert standin.pushes() == []
    assert line.work()
    assert [p.json()["to"] for p in standin.pushes()] == [user]
