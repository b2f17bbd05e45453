"""What the channels keep: attachments (migration 0003), the LINE conversation, spent
submission tokens, notification subscriptions and e-mail notices (migrations 0005, 0009,
0019), QR posters and suggestion boxes (migration 0011)."""

import uuid
from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rongrian.intake.models.core import (
    Base,
    Channel,
    Unit,
    enum_type,
)

# --- attachments (issue 3; migration 0003) ---

class Attachment(Base):
    """A file a complainant sent, cleaned of metadata and stored encrypted on disk.

    The file lives in the attachments folder under ``storage_name`` (random, 32 hex digits),
    encrypted with :mod:`rongrian.crypto.stream` under its own random key; ``wrapped_key`` is that
    key encrypted under the complaint's data key. ``details`` (encrypted under the data key too)
    holds the media type, the generic name and the size: nothing about the file is in clear
    but its existence, its order and the day it was added. ``event_id`` names the
    ``information`` entry it came with; ``None`` when it came with the complaint itself.
    """

    __tablename__ = "attachment"
    __table_args__ = (
        Index("ix_attachment_complaint", "complaint_id", "position", unique=True),
    )

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"))
    event_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("case_event.id"))
    position: Mapped[int] = mapped_column(Integer)
    storage_name: Mapped[str] = mapped_column(String(64), unique=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    details: Mapped[bytes] = mapped_column(LargeBinary)
    added_on: Mapped[date] = mapped_column(Date)
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


# --- LINE channel (issue 4; migration 0005) ---


class LineConversation(Base):
    """A LINE chat in progress (a draft, a question awaiting its answer, an undelivered receipt).

    Keyed by ``HMAC-SHA256(pepper, LINE user id)``; ``state`` is JSON encrypted with AES-256-GCM
    under a key derived from the pepper and the user id (:mod:`rongrian.crypto.line_ids`), so
    neither a copy of the database nor the server without the user id reads it. ``expires_at``
    (rounded up to the hour) is 24 hours after the last message; the row goes on submit, cancel
    or expiry. ``version`` guards against two events of one user overwriting each other.
    """

    __tablename__ = "line_conversation"
    __table_args__ = (Index("ix_line_conversation_expires_at", "expires_at"),)

    user_digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}


class LineDraftPhoto(Base):
    """A photo of a LINE draft: cleaned of metadata, encrypted under the draft key."""

    __tablename__ = "line_draft_photo"
    __table_args__ = (Index("ix_line_draft_photo_user_digest", "user_digest", "position"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    user_digest: Mapped[bytes] = mapped_column(
        ForeignKey("line_conversation.user_digest", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    blob: Mapped[bytes] = mapped_column(LargeBinary)


class LineSeenEvent(Base):
    """A webhook event already handled: ``HMAC-SHA256(pepper, webhookEventId)`` and the day.

    LINE may deliver an event again (``deliveryContext.isRedelivery``); rows older than a few
    days are purged.
    """

    __tablename__ = "line_seen_event"
    __table_args__ = (Index("ix_line_seen_event_seen_on", "seen_on"),)

    event_digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    seen_on: Mapped[date] = mapped_column(Date)


class SpentSubmissionToken(Base):
    """A one-time form token already used to file or add (issue 7 §4; migration 0009).

    Only ``SHA-256(token)`` and the hour the token expires are kept: nothing names what it
    filed, so a row cannot be linked to a complaint. Rows are purged once expired
    (:func:`rongrian.intake.submission_tokens.purge_spent`); an expired token is refused anyway.
    """

    __tablename__ = "spent_submission_token"
    __table_args__ = (Index("ix_spent_submission_token_expires_at", "expires_at"),)

    digest: Mapped[bytes] = mapped_column(LargeBinary(32), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class NotificationSubscription(Base):
    """A complainant's wish to be told when their complaint moves, by ``channel``.

    ``recipient`` (for LINE: the user id and language) is encrypted under the complaint's data
    key, so only whoever opens the complaint (its unit's staff, or the tracking-code holder)
    can read it; the push goes out while a staff member acts on the case.
    """

    __tablename__ = "notification_subscription"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_type(Channel), primary_key=True)
    recipient: Mapped[bytes] = mapped_column(LargeBinary)
    key_generation: Mapped[int] = mapped_column(Integer, default=1, server_default="1")


class NotifierKey(Base):
    """The notifier's X25519 public key (issue 9 §4, migration 0019): e-mail addresses for
    notices are sealed to it. Its private key is a file only ``rongrian notify send`` reads
    (:mod:`rongrian.intake.notices`); one row, ``id`` 1."""

    __tablename__ = "notifier_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    public_key: Mapped[bytes] = mapped_column(LargeBinary(32))
    created_on: Mapped[date] = mapped_column(Date)


class EmailNotice(Base):
    """A complainant's e-mail address for "something changed, use your code" notices (issue 9
    §4, migration 0019; :mod:`rongrian.intake.notices`).

    ``sealed_address`` is sealed to the notifier key (fixed size: no length leak), so staff and
    the web app cannot open it. ``queued_on`` (day) is set when a change waits to be announced
    (several changes make one notice); ``final`` says the case finished, so the row is deleted
    once that last notice is sent.
    """

    __tablename__ = "email_notice"

    complaint_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("complaint.id"), primary_key=True)
    sealed_address: Mapped[bytes] = mapped_column(LargeBinary)
    queued_on: Mapped[date | None] = mapped_column(Date)
    final: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


# --- QR posters (issue 8; migration 0011) ---


class QrPoster(Base):
    """A printed QR poster (จุดติดตั้งคิวอาร์โค้ด), registered when it is made.

    ``id`` is the short opaque id its link carries as ``place=`` (not a secret: it names a place,
    like the channel); ``place`` the text printed on it (at most 80 characters); ``size`` the
    paper (``A4``, ``A5``, ``A6``).
    """

    __tablename__ = "qr_poster"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    place: Mapped[str] = mapped_column(String(80), default="")
    size: Mapped[str] = mapped_column(String(2))
    made_on: Mapped[date] = mapped_column(Date)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))

    unit: Mapped[Unit] = relationship()



class SuggestionBox(Base):
    """A suggestion box (ตู้รับฟังความคิดเห็น), known by the place it stands (issue 8)."""

    __tablename__ = "suggestion_box"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place: Mapped[str] = mapped_column(String(80), unique=True)


class BoxOpening(Base):
    """One opening of a suggestion box: when, by whom, how many items it held and how many of
    them were no complaint ("no action"); the complaints found refer to it."""

    __tablename__ = "box_opening"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    box_id: Mapped[int] = mapped_column(ForeignKey("suggestion_box.id"))
    opened_on: Mapped[date] = mapped_column(Date)
    items: Mapped[int] = mapped_column(Integer)
    no_action: Mapped[int] = mapped_column(Integer)
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("staff_account.id"))

    box: Mapped[SuggestionBox] = relationship()
