"""Conversation state of one LINE user, stored encrypted and keyed by an HMAC of the user id.

See :mod:`rongrian.crypto.line_ids` for the keys. Rows exist only while something is in progress
(a draft, a question awaiting its answer, an undelivered receipt) and expire 24 hours after the
last message: :func:`purge` deletes expired rows and their photos, and redelivery digests older
than :data:`SEEN_DAYS` days.
"""

import uuid
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from rongrian.crypto import aead, line_ids
from rongrian.crypto.errors import DecryptionFailed
from rongrian.intake import envelope
from rongrian.intake.models import LineConversation, LineDraftPhoto, LineSeenEvent

#: A draft untouched this long is deleted (issue 4).
DRAFT_LIFETIME = timedelta(hours=24)
#: Digests of handled webhook events are kept this many days (LINE redelivers within hours).
SEEN_DAYS = 3


@dataclass
class Draft:
    """What the citizen has said so far (issue 12: anything may come first).

    ``category`` is set only by the citizen's own choice (a suggestion is shown, never taken
    silently); the kind and the unit follow from it. ``unit`` is ``None`` unless the citizen
    chose one through "edit" (``""``: left to the category). ``where`` is ``None`` until given
    or skipped. Anonymous unless ``anonymous`` is ``False`` (the citizen chose to give a name).
    ``tip`` says filing began with "แจ้งเบาะแส" (the whistleblower categories are offered).
    ``kind``, ``what_done`` and ``photos_done`` are kept only so older drafts still load."""

    kind: str = ""
    category: str = ""
    unit: str | None = None
    what: list[str] = field(default_factory=list)
    what_done: bool = False
    where: str | None = None
    photos_done: bool = False
    anonymous: bool | None = None
    name: str = ""
    phone: str | None = None
    tip: bool = False

    @property
    def named(self) -> bool:
        """The citizen chose to give their name and phone."""
        return self.anonymous is False


@dataclass
class State:
    """Everything kept between two messages of one user (encrypted at rest).

    ``step`` names the question awaiting an answer (``""``: none). ``resume`` is the draft step
    to go back to after a look-up interrupted it. ``code`` is the tracking code of the complaint
    the user is adding information to. ``receipt`` holds receipt messages a failed reply did not
    deliver; they are shown on the user's next message.
    """

    lang: str = "th"
    step: str = ""
    resume: str = ""
    editing: bool = False
    draft: Draft | None = None
    code: str = ""
    photos: int = 0
    receipt: list[dict[str, Any]] = field(default_factory=list)

    @property
    def idle(self) -> bool:
        """Nothing to keep: the row can go."""
        return not (self.step or self.draft or self.code or self.receipt)

    def to_record(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> "State":
        draft = record.get("draft")
        return cls(
            lang=record.get("lang", "th"),
            step=record.get("step", ""),
            resume=record.get("resume", ""),
            editing=bool(record.get("editing", False)),
            draft=_draft(draft) if draft else None,
            code=record.get("code", ""),
            photos=int(record.get("photos", 0)),
            receipt=list(record.get("receipt", [])),
        )


def _draft(record: dict[str, Any]) -> Draft:
    known = {f.name for f in fields(Draft)}
    return Draft(**{name: value for name, value in record.items() if name in known})


@dataclass
class Stored:
    """The stored row of a conversation, as far as the caller needs it: its ``version``, the
    guard against two events of one user overwriting each other (a change or a delete of
    another version raises ``StaleDataError``)."""

    version: int


@dataclass
class Loaded:
    """A user's state as loaded: ``row`` is ``None`` when nothing was stored; ``expired`` says a
    stored draft had expired (and was deleted); ``no_photos`` that its photos were deleted in
    this transaction and none added since (deleting the row need not delete them again)."""

    user_id: str
    digest: bytes
    key: bytes
    state: State
    row: Stored | None
    expired: bool = False
    no_photos: bool = False


def _aad(digest: bytes) -> bytes:
    return b"line-conversation:" + digest


def _photo_aad(digest: bytes, photo_id: uuid.UUID) -> bytes:
    return b"line-draft-photo:" + digest + photo_id.bytes


def expiry(now: datetime) -> datetime:
    """24 hours from ``now``, rounded up to the hour (the row shows no minute of activity)."""
    later = now + DRAFT_LIFETIME
    rounded = later.replace(minute=0, second=0, microsecond=0)
    return rounded if rounded == later else rounded + timedelta(hours=1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# A conversation's row is read and written with Core statements built once, through the
# session's connection (same transaction): every LINE event loads and saves one, and the ORM's
# identity map and unit of work were a fifth of a worker's CPU for that (issue 11). The version
# check is the one the ORM's ``version_id_col`` made.
_C = LineConversation
_LOAD = select(_C.state, _C.expires_at, _C.version).where(_C.user_digest == bindparam("digest"))
_INSERT = insert(_C).values(user_digest=bindparam("digest"), state=bindparam("state"),
                            expires_at=bindparam("expires_at"), version=1)
_UPDATE = (update(_C)
           .where(_C.user_digest == bindparam("digest"), _C.version == bindparam("version"))
           .values(state=bindparam("state"), expires_at=bindparam("expires_at"),
                   version=_C.version + 1))
_DELETE = delete(_C).where(_C.user_digest == bindparam("digest"),
                           _C.version == bindparam("version"))


def load(session: Session, pepper: bytes, user_id: str, now: datetime) -> Loaded:
    """The stored state of ``user_id`` (a fresh one if none, or if it expired: then the expired
    row and its photos are deleted here)."""
    digest = line_ids.conversation_digest(pepper, user_id)
    key = line_ids.draft_key(pepper, user_id)
    found = session.connection().execute(_LOAD, {"digest": digest}).first()
    if found is None:
        return Loaded(user_id, digest, key, State(), None)
    blob, expires_at, version = found
    row = Stored(version)
    if _aware(expires_at) <= now:
        _delete(session, digest, row)
        return Loaded(user_id, digest, key, State(), None, expired=True)
    try:
        record = envelope.decrypt_record(key, blob, _aad(digest))
    except DecryptionFailed:
        # Unreadable (e.g. the pepper was replaced): start afresh rather than fail forever.
        _delete(session, digest, row)
        return Loaded(user_id, digest, key, State(), None, expired=True)
    return Loaded(user_id, digest, key, State.from_record(record), row)


def save(session: Session, loaded: Loaded, now: datetime) -> None:
    """Store ``loaded.state`` encrypted (or delete the row and its photos when idle).

    Writes at once; a concurrent change of the same row raises ``StaleDataError`` (another
    version stored) or ``IntegrityError`` (another event stored the first one).
    """
    session.flush()  # anything pending goes first, as it did when this flushed the ORM
    if loaded.state.idle:
        if loaded.row is not None:
            _delete(session, loaded.digest, loaded.row, photos=not loaded.no_photos)
            loaded.row = None
        return
    values = {"digest": loaded.digest, "expires_at": expiry(now),
              "state": envelope.encrypt_record(loaded.key, loaded.state.to_record(),
                                               _aad(loaded.digest))}
    connection = session.connection()
    if loaded.row is None:
        connection.execute(_INSERT, values)
        loaded.row = Stored(1)
        return
    if connection.execute(_UPDATE, {**values, "version": loaded.row.version}).rowcount != 1:
        raise StaleDataError("the conversation was changed by another event")
    loaded.row.version += 1


def _delete(session: Session, digest: bytes, row: Stored, *, photos: bool = True) -> None:
    connection = session.connection()
    if photos:
        connection.execute(delete(LineDraftPhoto).where(LineDraftPhoto.user_digest == digest))
    if connection.execute(_DELETE, {"digest": digest, "version": row.version}).rowcount != 1:
        raise StaleDataError("the conversation was changed by another event")


def forget(session: Session, pepper: bytes, user_id: str) -> bool:
    """Delete everything kept for ``user_id`` (unfollow). Returns whether anything was there."""
    digest = line_ids.conversation_digest(pepper, user_id)
    found = session.connection().execute(_LOAD, {"digest": digest}).first()
    if found is None:
        return False
    _delete(session, digest, Stored(found.version))
    return True


def add_photo(session: Session, loaded: Loaded, cleaned: bytes, media_type: str) -> int:
    """Keep a cleaned photo with the draft (encrypted under the draft key); the conversation
    row must exist (save first). Returns the number of photos now kept."""
    photo_id = uuid.uuid4()
    position = (session.scalar(
        select(func.max(LineDraftPhoto.position)).where(
            LineDraftPhoto.user_digest == loaded.digest)
    ) or 0) + 1
    record = media_type.encode("ascii") + b"\n" + cleaned
    loaded.no_photos = False
    session.add(LineDraftPhoto(
        id=photo_id, user_digest=loaded.digest, position=position,
        blob=aead.encrypt(loaded.key, record, _photo_aad(loaded.digest, photo_id)),
    ))
    session.flush()
    return count_photos(session, loaded)


def count_photos(session: Session, loaded: Loaded) -> int:
    return int(session.scalar(
        select(func.count()).select_from(LineDraftPhoto).where(
            LineDraftPhoto.user_digest == loaded.digest)
    ) or 0)


def take_photos(session: Session, loaded: Loaded) -> list[tuple[bytes, str]]:
    """The draft's photos in order, decrypted (``(cleaned bytes, media type)``), deleted from
    the draft by the same statement (``DELETE … RETURNING``: one round trip where a read and a
    delete took two; issue 11). In the caller's transaction: a rollback keeps them."""
    rows = session.connection().execute(
        delete(LineDraftPhoto).where(LineDraftPhoto.user_digest == loaded.digest)
        .returning(LineDraftPhoto.id, LineDraftPhoto.position, LineDraftPhoto.blob)).all()
    loaded.no_photos = True
    found = []
    for photo_id, _position, blob in sorted(rows, key=lambda row: row.position):
        record = aead.decrypt(loaded.key, blob, _photo_aad(loaded.digest, photo_id))
        media_type, _newline, data = record.partition(b"\n")
        found.append((data, media_type.decode("ascii")))
    return found


def drop_photos(session: Session, loaded: Loaded) -> None:
    """Delete the draft's photos (the state is saved by the caller)."""
    session.execute(delete(LineDraftPhoto).where(LineDraftPhoto.user_digest == loaded.digest))
    session.flush()
    loaded.no_photos = True


def seen(session: Session, pepper: bytes, webhook_event_id: str) -> bool:
    """Whether the event was handled already."""
    digest = line_ids.event_digest(pepper, webhook_event_id)
    return session.get(LineSeenEvent, digest) is not None


def mark_seen(session: Session, pepper: bytes, webhook_event_id: str, today: date) -> None:
    """Record the event as handled (a second insert of the same event fails at flush)."""
    session.add(LineSeenEvent(event_digest=line_ids.event_digest(pepper, webhook_event_id),
                              seen_on=today))
    session.flush()


_CLAIM = (postgresql.insert(LineSeenEvent)
          .values(event_digest=bindparam("digest"), seen_on=bindparam("today"))
          .on_conflict_do_nothing(index_elements=[LineSeenEvent.event_digest])
          .returning(LineSeenEvent.event_digest))


def claims(session: Session) -> bool:
    """Whether :func:`claim` works on ``session``'s database (PostgreSQL); elsewhere check
    with :func:`seen` first and :func:`mark_seen` last."""
    return session.get_bind().dialect.name == "postgresql"


def claim(session: Session, pepper: bytes, webhook_event_id: str, today: date) -> bool:
    """Record the event as handled, first thing in the caller's transaction, and return
    whether it was new: :func:`seen` and :func:`mark_seen` in one statement (``INSERT … ON
    CONFLICT DO NOTHING``; PostgreSQL only, see :func:`claims`). A second claim of an event
    whose first claim is not committed yet waits for it, and gets ``False`` if it commits;
    a rollback forgets the claim."""
    # Through the session's connection (same transaction): a Core statement, no ORM bulk-insert
    # bookkeeping for a row nothing else in the event touches (issue 11).
    inserted = session.connection().execute(
        _CLAIM, {"digest": line_ids.event_digest(pepper, webhook_event_id), "today": today},
    ).first()
    return inserted is not None


def purge(session: Session, now: datetime) -> tuple[int, int]:
    """Delete expired conversations (with their photos) and old redelivery digests.

    Returns ``(conversations, event digests)`` deleted. Only flushes.
    """
    expired = list(session.scalars(
        select(LineConversation.user_digest).where(LineConversation.expires_at <= now)
    ))
    if expired:
        session.execute(delete(LineDraftPhoto).where(LineDraftPhoto.user_digest.in_(expired)))
        session.execute(delete(LineConversation).where(
            LineConversation.user_digest.in_(expired)).execution_options(
            synchronize_session=False))
    cutoff = now.date() - timedelta(days=SEEN_DAYS)
    old = session.scalar(
        select(func.count()).select_from(LineSeenEvent).where(LineSeenEvent.seen_on < cutoff)
    ) or 0
    if old:
        session.execute(delete(LineSeenEvent).where(LineSeenEvent.seen_on < cutoff))
    session.flush()
    return len(expired), int(old)
