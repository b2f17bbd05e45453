"""Refusing webhook events too old (or too far ahead) to be genuine (issue 13, L7).

Each webhook event carries ``timestamp``, the time of the event in milliseconds since the
epoch, inside the signed body (Messaging API reference, "Common properties" of webhook
events). Redelivered events are recognised by their ``webhookEventId`` digest, kept
:data:`~rongrian.channels.line.state.SEEN_DAYS` days; a captured signed body replayed after
that would be handled again. So an event is accepted only while its digest would still be
kept: no older than :data:`MAX_AGE`, and no more than :data:`MAX_AHEAD` in the future (clock
skew between LINE and us).

A refused event is dropped quietly and the webhook still answers 200: LINE reads any other
status as a failed delivery (it redelivers, reports it in the channel's error statistics and
may suspend webhooks to a server that keeps failing), and one body may mix fresh and old events.
Nothing about a refused event is logged but the count.
"""

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from rongrian.channels.line.state import SEEN_DAYS

LOG = logging.getLogger("rongrian.line")
#: Oldest event accepted. LINE redelivers within hours; one day leaves room for an outage of
#: ours while staying inside the :data:`SEEN_DAYS` the redelivery digests are kept.
MAX_AGE = timedelta(days=1)
#: How far ahead of our clock an event's timestamp may be.
MAX_AHEAD = timedelta(minutes=5)
# Digests are kept at least SEEN_DAYS days after handling (purged by their day), so every
# event accepted here is still recognised if replayed until it is too old to be accepted.
assert timedelta(days=SEEN_DAYS) > MAX_AGE + MAX_AHEAD  # noqa: S101 - a constant's invariant


def is_fresh(event: Any, now: datetime) -> bool:
    """Whether ``event`` (one item of a webhook body's ``events``) has an integer
    ``timestamp`` (ms since the epoch) within ``[now - MAX_AGE, now + MAX_AHEAD]``.
    ``now`` must be timezone-aware."""
    if not isinstance(event, dict):
        return False
    stamp = event.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        return False
    moment = now.timestamp() * 1000
    return bool(moment - MAX_AGE.total_seconds() * 1000 <= stamp
                <= moment + MAX_AHEAD.total_seconds() * 1000)


def fresh_events(events: Sequence[Any], now: datetime) -> list[Any]:
    """The events of a body that :func:`is_fresh` accepts, in order; logs how many were
    dropped (a count only)."""
    kept = [event for event in events if is_fresh(event, now)]
    if len(kept) < len(events):
        LOG.info("LINE events dropped as stale or from the future: %d", len(events) - len(kept))
    return kept
