"""Notifications a complainant asked for: a message when their complaint moves.

A complainant who opted in (for now through LINE) has a :class:`NotificationSubscription` row
whose ``recipient`` (e.g. the LINE user id and language) is encrypted under the complaint's data
key. Nobody holds a standing key to it: it opens only for whoever opens the complaint, the unit's
staff (through their key ring) or the tracking-code holder.

When staff change a case's status or reply (:mod:`rongrian.intake.casework`, which holds the
data key at that moment), :func:`collect` decrypts the recipients and puts a
:class:`Notification` in the session's outbox (``session.info``). Nothing leaves before the
transaction commits: :func:`deliver_after_commit` hands the outbox to a :data:`Notifier` after
each commit of a session factory's sessions, and a rollback empties it. The notifier is the
adapter's (e.g. the LINE channel's push), so this core never imports an adapter.
"""

import json
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session, sessionmaker

from rongrian.crypto import aead
from rongrian.intake import notices
from rongrian.intake.datakeys import DataKeys
from rongrian.intake.envelope import with_generation
from rongrian.intake.models import (
    Channel,
    Complaint,
    EventKind,
    NotificationSubscription,
    Status,
)
from rongrian.intake.store import unlock_by_code

#: Key of the outbox list in ``Session.info``.
OUTBOX = "rongrian.notifications"
#: Key under which an app keeps its :data:`Notifier` in ``Flask.extensions`` (so a composing
#: server can pass one app's notifier to another without importing the adapter).
NOTIFIER_EXTENSION = "rongrian.notifier"


@dataclass(frozen=True)
class Notification:
    """One message to send: ``kind`` is ``status`` (with the new ``status``) or ``reply``.

    ``recipient`` is the channel's address (a LINE user id): keep it in memory only. The text
    of a reply is deliberately not carried: the complainant reads it with their tracking code.
    """

    channel: Channel
    recipient: str
    locale: str
    case_number: str
    kind: EventKind
    status: Status | None


#: Something that sends notifications (after the transaction that made them committed).
Notifier = Callable[[Sequence[Notification]], None]


def recipient_aad(complaint_id: uuid.UUID, channel: Channel, generation: int = 1) -> bytes:
    """Associated data of a subscription's encrypted recipient (complaint, channel and the
    data-key generation that encrypts it)."""
    base = b"notification-recipient:" + complaint_id.bytes + channel.value.encode("ascii")
    # The channel name varies in length: a NUL ends it before the generation is appended.
    return base if generation == 1 else with_generation(base + b"\x00", generation)


def _seal(data_keys: DataKeys, channel: Channel, recipient: str, locale: str) -> bytes:
    record = json.dumps({"recipient": recipient, "locale": locale}).encode("utf-8")
    return aead.encrypt(data_keys.current, record,
                        recipient_aad(data_keys.complaint_id, channel, data_keys.generation))


def _open(data_keys: DataKeys, row: NotificationSubscription) -> dict[str, str]:
    plain = aead.decrypt(data_keys.of(row.key_generation), row.recipient,
                         recipient_aad(row.complaint_id, row.channel, row.key_generation))
    record: dict[str, str] = json.loads(plain)
    return record


def subscribe(session: Session, pepper: bytes, code_text: str, channel: Channel,
              recipient: str, *, locale: str = "th") -> None:
    """Opt the complaint ``code_text`` opens in to notifications to ``recipient`` by
    ``channel`` (replacing an earlier recipient of that channel).

    Raises ``MalformedTrackingCode`` or ``ComplaintNotFound``. Only flushes.
    """
    complaint, data_keys = unlock_by_code(session, pepper, code_text, upgrade=True)
    row = session.get(NotificationSubscription, (complaint.id, channel))
    sealed = _seal(data_keys, channel, recipient, locale)
    if row is None:
        session.add(NotificationSubscription(complaint_id=complaint.id, channel=channel,
                                             recipient=sealed,
                                             key_generation=data_keys.generation))
    else:
        row.recipient = sealed
        row.key_generation = data_keys.generation
    session.flush()


def unsubscribe(session: Session, pepper: bytes, code_text: str, channel: Channel) -> bool:
    """Stop notifications by ``channel`` for the complaint ``code_text`` opens.

    Returns whether there was a subscription. Raises ``MalformedTrackingCode`` or
    ``ComplaintNotFound``. Only flushes.
    """
    complaint, _data_key = unlock_by_code(session, pepper, code_text)
    row = session.get(NotificationSubscription, (complaint.id, channel))
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def subscribed(session: Session, pepper: bytes, code_text: str, channel: Channel,
               recipient: str) -> bool:
    """Whether the complaint ``code_text`` opens notifies ``recipient`` by ``channel``.

    Raises ``MalformedTrackingCode`` or ``ComplaintNotFound``.
    """
    complaint, data_keys = unlock_by_code(session, pepper, code_text)
    row = session.get(NotificationSubscription, (complaint.id, channel))
    return row is not None and _open(data_keys, row).get("recipient") == recipient


def collect(session: Session, complaint: Complaint, data_keys: DataKeys, kind: EventKind,
            status: Status | None = None) -> int:
    """Queue a notification to each subscriber of ``complaint`` in the session's outbox.

    Called by casework while it holds the data key. Returns how many were queued. An e-mail
    notice the complainant asked for is queued too (:func:`rongrian.intake.notices.queue`,
    not counted: it waits in the database for ``rongrian notify send``).
    """
    notices.queue(session, complaint, status, datetime.now(UTC).date())
    rows = session.scalars(
        select(NotificationSubscription).where(
            NotificationSubscription.complaint_id == complaint.id
        )
    ).all()
    outbox: list[Notification] = session.info.setdefault(OUTBOX, [])
    for row in rows:
        record = _open(data_keys, row)
        outbox.append(Notification(
            channel=row.channel,
            recipient=record["recipient"],
            locale=record.get("locale", "th"),
            case_number=complaint.case_number,
            kind=kind,
            status=status,
        ))
    return len(rows)


def take(session: Session) -> list[Notification]:
    """Remove and return the session's queued notifications."""
    queued: list[Notification] = session.info.pop(OUTBOX, [])
    return queued


def deliver_after_commit(factory: sessionmaker[Session], notifier: Notifier) -> None:
    """After each commit of a session made by ``factory``, hand its outbox to ``notifier``;
    after a rollback, drop the outbox (what was rolled back never happened)."""

    def committed(session: Session) -> None:
        queued = take(session)
        if queued:
            notifier(queued)

    def rolled_back(session: Session) -> None:
        take(session)

    event.listen(factory, "after_commit", committed)
    event.listen(factory, "after_rollback", rolled_back)
