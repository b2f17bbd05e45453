"""Ordered lanes in Redis for LINE webhook events: each chat's events handled one at a time,
in the order LINE sent them, by any number of ``rongrian line worker`` processes.

Why not one RQ job per event: RQ's bookkeeping is about 70 Redis commands per job (registries,
executions, heartbeats), measured at 10.6 ms wall and 3.1 ms of worker CPU for a job that does
nothing on this 2-core machine; and two RQ workers on one queue may handle one citizen's quick
messages out of order. Notification pushes stay RQ jobs (they need RQ's retries with backoff).

Keys, under the prefix ``queue`` (the RQ queue name, ``RONGRIAN_LINE_QUEUE``); no key holds
anything derived from a user beyond a lane number out of :data:`LANES`, chosen by a keyed hash
(HMAC under a key derived from the queue key), so the lane says nothing about the user:

- ``{queue}:lane:{k}`` — a list of sealed jobs (:func:`~rongrian.channels.line.dispatch.seal_job`,
  AES-256-GCM under the queue key), oldest first;
- ``{queue}:lane:{k}:doing`` — the job being handled (at most one), removed once done: a job is
  deleted when done, and put back at the head of its lane if its worker died;
- ``{queue}:lease:{k}`` — which worker holds lane ``k`` (expires after :data:`LEASE_MS` unless
  renewed, which is done before each job): only the holder takes jobs from the lane;
- ``{queue}:wake`` and ``{queue}:woken:{k}`` — lanes with new jobs, each listed once;
- ``{queue}:attempts`` — failed attempts per job, by a digest of the sealed job (SHA-256 of the
  ciphertext, so it says nothing of the chat), cleared when the job is done;
- ``{queue}:failed`` — jobs set aside after :data:`MAX_ATTEMPTS` failed attempts, newest first,
  still sealed; at most :data:`FAILED_KEEP`, the list (and the attempts) expiring
  :data:`FAILED_SECONDS` after the last failure (``docs/line.md``: how an operator reads it).

A worker pops a lane from ``wake``, takes its lease if free, and handles its jobs in order, at
most :data:`BATCH` before giving the lane back (so one busy chat does not hold a worker while
other lanes wait). A worker whose lease attempt fails drops the wake-up: the holder looks at the
lane again after giving it back. Every :data:`SWEEP_SECONDS` a worker also looks at every lane,
so a lane left by a dead worker (lease expired) is picked up without new events.

A job whose handler raises goes back to the lane's head and is tried again (after the worker's
pause, which doubles with each failure in a row up to :data:`MAX_PAUSE`), so nothing is lost to
a passing fault; but a job that fails :data:`MAX_ATTEMPTS` times is set aside in
``{queue}:failed`` and the lane goes on, so one poison event cannot stop every chat of its lane.
A database or network outage (:data:`OUTAGES`) is not the job's fault and is never counted: its
jobs wait, in order, however long the outage lasts.
"""

import hashlib
import hmac
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy.exc import DisconnectionError, InterfaceError, OperationalError

from rongrian.crypto.errors import DecryptionFailed

LOG = logging.getLogger("rongrian.line")
#: Number of lanes (hash buckets of chats). More lanes than workers, so work spreads evenly.
LANES = 16
#: Lane threads of one worker by default (``rongrian line worker --threads``). Each handles one
#: lane at a time, and an event spends most of its time waiting for the database, Redis and
#: LINE's reply API, so a few threads overlap those waits (issue 11).
LANE_THREADS = 4
#: A lane's lease, in milliseconds; renewed before each job (a job takes well under a second).
LEASE_MS = 120_000
#: Jobs handled from one lane before it is given back and queued behind the other lanes.
BATCH = 64
#: Seconds between looks at every lane (dead workers' lanes, lost wake-ups).
SWEEP_SECONDS = 5.0
#: Failed attempts (outages aside) after which a job is set aside in ``{queue}:failed``.
MAX_ATTEMPTS = 5
#: Seconds the set-aside jobs (and the attempt counts) are kept after the last failure: 7 days.
FAILED_SECONDS = 7 * 24 * 3600
#: Set-aside jobs kept at most (the oldest are dropped first).
FAILED_KEEP = 10_000
#: Longest pause, in seconds, of a worker whose jobs keep failing.
MAX_PAUSE = 10.0
#: Errors of an outage (database, network), not of the job: retried without being counted.
OUTAGES: tuple[type[BaseException], ...] = (OperationalError, InterfaceError,
                                             DisconnectionError, ConnectionError, TimeoutError)
_LANE_INFO = b"rongrian/line-lane/v1"

# KEYS: lane, woken flag, wake list. ARGV: job, lane number.
_PUSH = """
redis.call('RPUSH', KEYS[1], ARGV[1])
if redis.call('SET', KEYS[2], '1', 'NX') then redis.call('RPUSH', KEYS[3], ARGV[2]) end
return 1
"""
# KEYS: lease. ARGV: token. Give the lease back only if it is still ours.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
# KEYS: lane, doing, lease, attempts. ARGV: token, milliseconds, the job just done ('' if
# none), '1' to take the next, the done job's digest. One round trip per job: forget the job
# done (and its failed attempts); if the lease is still ours, renew it and move the next job
# (if any) from the lane to ``doing``.
_NEXT = """
if ARGV[3] ~= '' then
  redis.call('LREM', KEYS[2], 1, ARGV[3])
  redis.call('HDEL', KEYS[4], ARGV[5])
end
if ARGV[4] ~= '1' or redis.call('GET', KEYS[3]) ~= ARGV[1] then return false end
redis.call('PEXPIRE', KEYS[3], ARGV[2])
return redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT')
"""
# KEYS: doing, lane, attempts, failed. ARGV: job, digest, '1' to count the attempt, most
# attempts, seconds kept, most jobs kept. A failed job: count the attempt (unless an outage);
# at the last, move the job from ``doing`` to the failed list and return minus the count; else
# put it back at the lane's head and return the count (0: not counted).
_FAILED = """
local n = 0
if ARGV[3] == '1' then
  n = redis.call('HINCRBY', KEYS[3], ARGV[2], 1)
  redis.call('EXPIRE', KEYS[3], ARGV[5])
  if n >= tonumber(ARGV[4]) then
    redis.call('LREM', KEYS[1], 1, ARGV[1])
    redis.call('HDEL', KEYS[3], ARGV[2])
    redis.call('LPUSH', KEYS[4], ARGV[1])
    redis.call('LTRIM', KEYS[4], 0, tonumber(ARGV[6]) - 1)
    redis.call('EXPIRE', KEYS[4], ARGV[5])
    return -n
  end
end
redis.call('LMOVE', KEYS[1], KEYS[2], 'RIGHT', 'LEFT')
return n
"""


def lane_of(key: bytes, chat: str, lanes: int = LANES) -> int:
    """The lane (0 ≤ lane < ``lanes``) of a chat id: HMAC-SHA256 under a key derived from the
    queue key ``key``, so the lane number reveals nothing about the id."""
    lane_key = hmac.new(key, _LANE_INFO, hashlib.sha256).digest()
    digest = hmac.new(lane_key, chat.encode("utf-8"), hashlib.sha256).digest()
    return int.from_bytes(digest[:4], "big") % lanes


def job_digest(job: bytes) -> str:
    """The key of a sealed job in ``{queue}:attempts``: SHA-256 of its ciphertext, 32 hex
    digits (a fresh nonce per job, so two jobs never share it; nothing of the chat)."""
    return hashlib.sha256(job).hexdigest()[:32]


class Lanes:
    """The lanes of queue ``queue`` on the Redis ``connection`` (a ``redis.Redis``)."""

    def __init__(self, connection: Any, queue: str, lanes: int = LANES) -> None:
        self.connection = connection
        self.queue = queue
        self.count = lanes
        self.token = uuid.uuid4().hex
        self._push = connection.register_script(_PUSH)
        self._release = connection.register_script(_RELEASE)
        self._next = connection.register_script(_NEXT)
        self._failed = connection.register_script(_FAILED)

    def lane(self, k: int) -> str:
        return f"{self.queue}:lane:{k}"

    def doing(self, k: int) -> str:
        return f"{self.queue}:lane:{k}:doing"

    def lease(self, k: int) -> str:
        return f"{self.queue}:lease:{k}"

    def woken(self, k: int) -> str:
        return f"{self.queue}:woken:{k}"

    @property
    def wake(self) -> str:
        return f"{self.queue}:wake"

    @property
    def attempts(self) -> str:
        return f"{self.queue}:attempts"

    @property
    def failed(self) -> str:
        return f"{self.queue}:failed"

    def keys(self) -> list[str]:
        """Every key the lanes may use (to delete them)."""
        per_lane = [f(k) for k in range(self.count)
                    for f in (self.lane, self.doing, self.lease, self.woken)]
        return [self.wake, self.attempts, self.failed, *per_lane]

    # --- the webhook side -----------------------------------------------------------------

    def push(self, jobs: list[tuple[int, bytes]]) -> None:
        """Append each sealed job to the end of its lane (one round trip for one job)."""
        if len(jobs) == 1:
            k, job = jobs[0]
            self._push(keys=[self.lane(k), self.woken(k), self.wake], args=[job, k])
            return
        pipe = self.connection.pipeline(transaction=False)
        for k, job in jobs:
            self._push(keys=[self.lane(k), self.woken(k), self.wake], args=[job, k], client=pipe)
        pipe.execute()

    def waiting(self) -> int:
        """Jobs waiting or being handled, over all lanes."""
        pipe = self.connection.pipeline(transaction=False)
        for k in range(self.count):
            pipe.llen(self.lane(k))
            pipe.llen(self.doing(k))
        return sum(int(n) for n in pipe.execute())

    def set_aside(self) -> int:
        """Jobs set aside after :data:`MAX_ATTEMPTS` failed attempts (in ``{queue}:failed``)."""
        return int(self.connection.llen(self.failed))

    def delete(self) -> None:
        """Delete every lane, lease and wake-up of this queue (tests, the benchmark)."""
        self.connection.delete(*self.keys())

    # --- the worker side ------------------------------------------------------------------

    def _take(self, k: int) -> bool:
        """Take lane ``k``'s lease; put a job left by a dead holder back at the lane's head."""
        if not self.connection.set(self.lease(k), self.token, nx=True, px=LEASE_MS):
            return False
        while self.connection.lmove(self.doing(k), self.lane(k), "RIGHT", "LEFT") is not None:
            pass
        return True

    def _give_back(self, k: int) -> None:
        self._release(keys=[self.lease(k)], args=[self.token])

    def _fail(self, k: int, job: bytes, digest: str, exc: Exception) -> bool:
        """Note a failed attempt at ``job`` (not counted for :data:`OUTAGES`); returns True
        if it was set aside (the lane goes on), False if it is back at the lane's head."""
        counted = not isinstance(exc, OUTAGES)
        n = int(self._failed(keys=[self.doing(k), self.lane(k), self.attempts, self.failed],
                             args=[job, digest, "1" if counted else "0", MAX_ATTEMPTS,
                                   FAILED_SECONDS, FAILED_KEEP]))
        if n >= 0:
            return False
        LOG.warning("LINE job set aside after %d failed attempts (last: %s) in the Redis list "
                    "%s; its lane goes on. Fix the cause, then move the job back to a lane or "
                    "delete it (docs/line.md, 'Failed jobs')",
                    -n, type(exc).__name__, self.failed)
        return True

    def drain(self, k: int, handle: Callable[[bytes], None], *, batch: int = BATCH) -> int:
        """Handle lane ``k``'s jobs in order (at most ``batch``) if its lease is free; returns
        how many were handled (set-aside jobs included). A job ``handle`` cannot open
        (``DecryptionFailed``) is logged and dropped; on any other error the job goes back to
        the lane's head and the error is raised after the lease is given back, except at its
        :data:`MAX_ATTEMPTS`-th failed attempt (outages not counted), when it is set aside in
        ``{queue}:failed`` with a warning and the lane goes on."""
        handled = 0
        while self._take(k):
            keys = [self.lane(k), self.doing(k), self.lease(k), self.attempts]
            done = b""
            digest = ""
            try:
                while True:
                    job = self._next(keys=keys, args=[self.token, LEASE_MS, done,
                                                      "1" if handled < batch else "0", digest])
                    done = b""
                    if job is None:
                        break
                    digest = job_digest(job)
                    try:
                        handle(job)
                    except DecryptionFailed:
                        LOG.warning("LINE job dropped: not sealed under this queue key")
                    except Exception as exc:
                        if not self._fail(k, job, digest, exc):
                            raise
                        handled += 1
                        continue
                    done = job
                    handled += 1
            finally:
                self._give_back(k)
            if not self.connection.llen(self.lane(k)):
                break  # empty after giving it back: a job pushed later brings a wake-up
            if handled >= batch:
                self._requeue(k)
                break
        return handled

    def _requeue(self, k: int) -> None:
        if self.connection.set(self.woken(k), "1", nx=True):
            self.connection.rpush(self.wake, k)

    def next_lane(self, timeout: float) -> int | None:
        """Wait up to ``timeout`` seconds for a lane with new jobs (``None`` if none)."""
        popped = self.connection.blpop([self.wake], timeout=timeout)
        if popped is None:
            return None
        k = int(popped[1])
        self.connection.delete(self.woken(k))
        return k

    def sweep(self, handle: Callable[[bytes], None]) -> int:
        """Drain every lane that holds jobs and is not leased; returns the jobs handled."""
        pipe = self.connection.pipeline(transaction=False)
        for k in range(self.count):
            pipe.llen(self.lane(k))
            pipe.llen(self.doing(k))
        lengths = pipe.execute()
        return sum(self.drain(k, handle) for k in range(self.count)
                   if lengths[2 * k] or lengths[2 * k + 1])

    def work(self, handle: Callable[[bytes], None], *, stop: Callable[[], bool],
             burst: bool = False, wait: float = 1.0) -> int:
        """Handle jobs until ``stop()`` is true (or, with ``burst``, until every lane is
        empty); returns how many jobs were handled. An error of ``handle`` other than an
        unopenable job is logged by kind and the lane retried after a pause of ``wait``
        seconds, doubled with each failure in a row up to :data:`MAX_PAUSE` (raised in burst
        mode)."""
        handled = 0
        last_sweep = 0.0
        failures = 0
        while not stop():
            try:
                if burst or time.monotonic() - last_sweep > SWEEP_SECONDS:
                    last_sweep = time.monotonic()
                    swept = self.sweep(handle)
                    handled += swept
                    if burst:
                        if not swept:
                            return handled
                        continue
                k = self.next_lane(wait)
                if k is not None:
                    handled += self.drain(k, handle)
                failures = 0
            except Exception as exc:  # noqa: BLE001 - keep the worker alive; the job was kept
                if burst:
                    raise
                failures += 1
                LOG.warning("LINE lane job failed: %s", type(exc).__name__)
                time.sleep(min(wait * 2 ** min(failures - 1, 16), max(wait, MAX_PAUSE)))
        return handled
