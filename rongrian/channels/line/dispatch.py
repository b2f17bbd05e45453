"""Where webhook events and notification pushes go after the webhook answered 200.

- :class:`InProcessDispatcher` (the default): a few worker threads inside the app, each with
  its own queue. All events of one chat go to the same thread, so a user's messages are handled
  in the order LINE sent them. Work is lost if the process stops before it is done.
- :class:`RQDispatcher` (when ``RONGRIAN_REDIS_URL`` is set): work in Redis, handled by
  ``rongrian line worker`` processes. Webhook events go to ordered lanes
  (:mod:`rongrian.channels.line.lanes`): each chat to one lane by a keyed hash, each lane
  handled by one worker at a time, so any number of workers keeps every user's messages in
  order. Notification pushes are RQ jobs, retried with backoff if LINE is unavailable.
  A job holds LINE user ids and chat text, so it is encrypted with AES-256-GCM under the queue
  key (:func:`rongrian.crypto.line_ids.queue_key`) while it waits in Redis, and deleted when
  done (``result_ttl=0`` for RQ; removed from its lane).
"""

import json
import queue
import threading
import uuid
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any, Protocol

from rongrian.crypto import aead
from rongrian.intake.models import Channel, EventKind, Status
from rongrian.intake.notify import Notification

#: Associated data of an encrypted queue job, by job kind.
JOB_AAD = {"events": b"rongrian/line-job/events/v1", "push": b"rongrian/line-job/push/v1"}
DEFAULT_QUEUE = "rongrian-line"

EventsHandler = Callable[[Sequence[Any]], object]
PushHandler = Callable[[Sequence[Notification]], object]


class Dispatcher(Protocol):
    """Takes work off the request thread."""

    def submit_events(self, events: Sequence[Any]) -> None: ...

    def submit_notifications(self, notifications: Sequence[Notification]) -> None: ...

    def close(self) -> None: ...


def _lane_key(event: Any) -> bytes:
    source = event.get("source") if isinstance(event, dict) else None
    if not isinstance(source, dict):
        return b""
    ident = source.get("groupId") or source.get("roomId") or source.get("userId") or ""
    return str(ident).encode("utf-8")


def chat_of(event: Any) -> str:
    """The chat an event belongs to (group, room or user id; ``""`` if none)."""
    return _lane_key(event).decode("utf-8")


def split_by_chat(events: Sequence[Any], lanes: int) -> dict[int, list[Any]]:
    """The events of a body grouped by lane (chat), each group in its original order."""
    grouped: dict[int, list[Any]] = {}
    for event in events:
        grouped.setdefault(zlib.crc32(_lane_key(event)) % lanes, []).append(event)
    return grouped


class InProcessDispatcher:
    """``lanes`` daemon threads; :meth:`wait_idle` blocks until all submitted work is done."""

    def __init__(self, handle_events: EventsHandler, handle_pushes: PushHandler, *,
                 lanes: int = 4) -> None:
        self._handle_events = handle_events
        self._handle_pushes = handle_pushes
        self._queues: list[queue.Queue[tuple[str, Sequence[Any]] | None]] = [
            queue.Queue() for _ in range(lanes)
        ]
        self._threads = [threading.Thread(target=self._run, args=(q,), daemon=True,
                                          name=f"rongrian-line-{i}")
                         for i, q in enumerate(self._queues)]
        for thread in self._threads:
            thread.start()

    def _run(self, work: "queue.Queue[tuple[str, Sequence[Any]] | None]") -> None:
        while True:
            item = work.get()
            try:
                if item is None:
                    return
                kind, payload = item
                if kind == "events":
                    self._handle_events(payload)
                else:
                    self._handle_pushes(payload)
            except Exception:  # noqa: BLE001, S110 - the handlers log by kind; keep the lane alive
                pass
            finally:
                work.task_done()

    def submit_events(self, events: Sequence[Any]) -> None:
        for lane, group in split_by_chat(events, len(self._queues)).items():
            self._queues[lane].put(("events", group))

    def submit_notifications(self, notifications: Sequence[Notification]) -> None:
        if notifications:
            self._queues[0].put(("push", list(notifications)))

    def wait_idle(self) -> None:
        """Block until every queued item is handled (tests, the benchmark, shutdown)."""
        for work in self._queues:
            work.join()

    def close(self) -> None:
        for work in self._queues:
            work.put(None)
        for thread in self._threads:
            thread.join(timeout=10)


def _notification_record(item: Notification) -> dict[str, Any]:
    record = asdict(item)
    record["retry_key"] = str(uuid.uuid4())
    record["channel"] = item.channel.value
    record["kind"] = item.kind.value
    record["status"] = item.status.value if item.status else None
    return record


def _notification(record: dict[str, Any]) -> Notification:
    return Notification(
        channel=Channel(record["channel"]), recipient=record["recipient"],
        locale=record["locale"], case_number=record["case_number"],
        kind=EventKind(record["kind"]),
        status=Status(record["status"]) if record.get("status") else None,
    )


def seal_job(key: bytes, kind: str, payload: Any) -> bytes:
    """A job's payload as JSON encrypted under the queue key."""
    if kind == "push":
        payload = [_notification_record(item) for item in payload]
    return aead.encrypt(key, json.dumps(payload, ensure_ascii=False).encode("utf-8"),
                        JOB_AAD[kind])


def open_job(key: bytes, kind: str, blob: bytes) -> Any:
    """Reverse :func:`seal_job` (a push job gives ``[(notification, retry key)]``); raises
    ``DecryptionFailed`` for a job not sealed by us."""
    payload = json.loads(aead.decrypt(key, blob, JOB_AAD[kind]))
    if kind == "push":
        return [(_notification(record), record["retry_key"]) for record in payload]
    return payload


class RQDispatcher:
    """Work in Redis at ``redis_url``, sealed under ``key``: events in the lanes of
    ``queue_name``, pushes in the RQ queue ``queue_name``."""

    def __init__(self, redis_url: str, key: bytes, queue_name: str = DEFAULT_QUEUE) -> None:
        from redis import Redis
        from rq import Queue

        from rongrian.channels.line.lanes import Lanes

        self._key = key
        self.connection = Redis.from_url(redis_url)
        self.queue = Queue(queue_name, connection=self.connection)
        self.lanes = Lanes(self.connection, queue_name)

    def _enqueue(self, function: str, kind: str, payload: Any) -> None:
        from rq import Retry

        self.queue.enqueue(
            function, seal_job(self._key, kind, payload),
            description=f"line {kind}", result_ttl=0, failure_ttl=24 * 3600,
            retry=Retry(max=3, interval=[5, 30, 120]),
        )

    def submit_events(self, events: Sequence[Any]) -> None:
        """One sealed job per lane the body's chats fall in, each chat's events in order."""
        from rongrian.channels.line.lanes import lane_of

        grouped: dict[int, list[Any]] = {}
        for event in events:
            lane = lane_of(self._key, chat_of(event), self.lanes.count)
            grouped.setdefault(lane, []).append(event)
        if grouped:
            self.lanes.push([(lane, seal_job(self._key, "events", group))
                             for lane, group in grouped.items()])

    def submit_notifications(self, notifications: Sequence[Notification]) -> None:
        """One job per notification, so a retried job pushes only its own (with the same
        ``X-Line-Retry-Key``: LINE delivers it once)."""
        for item in notifications:
            self._enqueue("rongrian.channels.line.jobs.push_notification", "push", [item])

    def close(self) -> None:
        self.connection.close()
