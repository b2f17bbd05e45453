"""Handling webhook events in the background: one transaction per event, then the reply.

For each event (in the order LINE sent them):

1. Parse it with line-bot-sdk (``linebot.v3.webhooks.Event.from_dict``); an event type or
   shape the SDK does not know is dropped quietly.
2. In a group or multi-person chat nothing is filed or stored: a command, a button or a mention
   of the bot gets the answer "please write privately"; other chatter is ignored.
3. Otherwise, in one transaction: skip it if its ``webhookEventId`` was handled already
   (redelivery), load the user's state, let :func:`rongrian.channels.line.flow.handle` answer,
   save the state, record the event as handled (on PostgreSQL together with the redelivery
   check, first, in one statement), commit. Two events of one user racing on the
   same state retry (the row has a version); a failure rolls everything back (files written
   for it are discarded) and the user is told to try again.
4. Reply with the reply token; if LINE says the token expired, push instead when allowed
   (``line_push_fallback``), else drop quietly. A receipt that could not be delivered is kept
   (encrypted in the user's state) and shown with the next reply.

Nothing from the chat is logged: log lines name an event type or an error class, never an id,
a text or a code.
"""

import hashlib
import io
import logging
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from threading import Lock
from typing import Any

from limits import parse_many
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from linebot.v3.webhooks import (
    Event,
    FollowEvent,
    ImageMessageContent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
    UnfollowEvent,
)
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from rongrian.channels.files import FileRefused
from rongrian.channels.isolation import clean_isolated
from rongrian.channels.line import flow, ui
from rongrian.channels.line import state as line_state
from rongrian.channels.line.api import ContentUnavailable, LineApi, LineApiError, ReplyTokenInvalid
from rongrian.channels.line.texts import say
from rongrian.intake.attachments import discard_files
from rongrian.intake.models import Channel, EventKind
from rongrian.intake.notify import Notification
from rongrian.intake.reference import ReferenceCache
from rongrian.settings import Settings
from rongrian.web.labels import label

LOG = logging.getLogger("rongrian.line")
#: Code look-ups (tracking, adding information, notifications) per LINE user, as on the web.
LOOKUP_LIMIT = "10 per minute;100 per day"
#: Media types a LINE photo may become after cleaning.
PHOTO_TYPES = frozenset({"image/jpeg", "image/png"})
#: Attempts at one event when another event of the same user changed its state meanwhile.
ATTEMPTS = 3
MAX_TEXT = 5000
#: Seconds the categories and units offered in the chat are reused before being read again.
CATALOGUE_SECONDS = 60.0
_RETRY_NAMESPACE = uuid.UUID("6f1d6a4e-6b8e-4b0e-9a53-6c0a3b1f7e21")
_GROUP_SOURCES = frozenset({"group", "room"})


@dataclass(frozen=True)
class Outcome:
    """What handling one event came to (for tests and the benchmark): ``status`` is
    ``replied``, ``pushed``, ``dropped``, ``duplicate``, ``ignored`` or ``failed``."""

    status: str
    messages: int = 0


class LookupGate:
    """Code look-ups allowed per LINE user (Flask-Limiter's ``limits`` library). The key is a
    daily hash of the conversation digest, never the user id."""

    def __init__(self, storage_uri: str, limit: str = LOOKUP_LIMIT, *, enabled: bool = True
                 ) -> None:
        self.enabled = enabled
        self._items = parse_many(limit)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))

    def __call__(self, digest: bytes) -> bool:
        if not self.enabled:
            return True
        day = datetime.now(UTC).date().isoformat().encode("ascii")
        key = hashlib.sha256(b"line-lookup|" + day + b"|" + digest).hexdigest()[:32]
        if not all(self._limiter.test(item, "line", key) for item in self._items):
            return False
        return all([self._limiter.hit(item, "line", key) for item in self._items])


class LanguageCache:
    """The LINE language of recent users (by conversation digest), so the profile is fetched
    once per user rather than per message. Bounded; lost on restart."""

    def __init__(self, size: int = 10_000) -> None:
        self._size = size
        self._known: OrderedDict[bytes, str] = OrderedDict()
        self._lock = Lock()

    def get(self, digest: bytes, fetch: Callable[[], str]) -> str:
        with self._lock:
            if digest in self._known:
                self._known.move_to_end(digest)
                return self._known[digest]
        language = fetch()
        with self._lock:
            self._known[digest] = language
            while len(self._known) > self._size:
                self._known.popitem(last=False)
        return language


def _source(raw: dict[str, Any]) -> tuple[str, str]:
    source = raw.get("source") or {}
    if not isinstance(source, dict):
        return "", ""
    return str(source.get("type", "")), str(source.get("userId", "") or "")


class LineRuntime:
    """Everything the background side needs: settings, sessions, the LINE API."""

    def __init__(self, settings: Settings, sessions: sessionmaker[Session], api: LineApi, *,
                 lookups: LookupGate | None = None, purge_every: timedelta = timedelta(minutes=1),
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.settings = settings
        self.sessions = sessions
        self.api = api
        self.lookups = lookups or LookupGate(settings.ratelimit_storage,
                                             enabled=settings.ratelimit_enabled)
        self.languages = LanguageCache()
        self.purge_every = purge_every
        self.clock = clock
        self._last_purge: datetime | None = None
        self._purge_lock = Lock()
        self._catalogue: tuple[float, flow.Catalogue] | None = None
        self.references = ReferenceCache()

    def catalogue(self, session: Session) -> flow.Catalogue:
        """The categories, units and organisation name, read again after a minute."""
        cached = self._catalogue
        if cached is not None and time.monotonic() - cached[0] < CATALOGUE_SECONDS:
            return cached[1]
        loaded = flow.Catalogue.load(session)
        self._catalogue = (time.monotonic(), loaded)
        return loaded

    @property
    def pepper(self) -> bytes:
        return self.settings.secrets.tracking_pepper

    # --- the entry points -----------------------------------------------------------------

    def process_events(self, events: Sequence[Any]) -> list[Outcome]:
        """Handle a webhook body's events in order; returns one outcome per event."""
        self.maybe_purge()
        outcomes = []
        for raw in events:
            try:
                outcomes.append(self.process_event(raw))
            except Exception as exc:  # noqa: BLE001 - one bad event must not stop the others
                LOG.warning("LINE event failed: %s", type(exc).__name__)
                outcomes.append(Outcome("failed"))
        return outcomes

    def process_event(self, raw: Any) -> Outcome:
        """Handle one event of a webhook body (a dict in the Messaging API's shape)."""
        if not isinstance(raw, dict) or raw.get("mode") == "standby":
            return Outcome("ignored")
        try:
            event = Event.from_dict(raw)
        except Exception:  # noqa: BLE001 - unknown types and shapes
            event = None
        source_type, user_id = _source(raw)
        if source_type in _GROUP_SOURCES:
            return self._group(event, raw)
        if source_type != "user" or not user_id:
            return Outcome("ignored")
        if event is None:
            # A message of a type the SDK does not know yet gets the polite answer; any other
            # unknown event is dropped quietly.
            if raw.get("type") != "message" or not raw.get("replyToken"):
                return Outcome("ignored")
            return self._converse(raw, user_id, flow.Incoming("unsupported"))
        if isinstance(event, UnfollowEvent):
            return self._unfollow(raw, user_id)
        incoming = self._incoming(event)
        if incoming is None:
            return Outcome("ignored")
        return self._converse(raw, user_id, incoming)

    def maybe_purge(self) -> None:
        """Purge expired drafts and old redelivery digests, at most every ``purge_every``."""
        now = self.clock()
        with self._purge_lock:
            if self._last_purge is not None and now - self._last_purge < self.purge_every:
                return
            self._last_purge = now
        with self.sessions() as session:
            line_state.purge(session, now)
            session.commit()

    def push_notifications(self, notifications: Sequence[Notification]) -> int:
        """Push each LINE notification (status change or staff reply); returns how many LINE
        accepted. A failure (after the HTTP retries) is logged by status only and dropped."""
        sent = 0
        for item in notifications:
            try:
                sent += self.push_one(item)
            except LineApiError as exc:
                LOG.warning("LINE notification not delivered: HTTP %s", exc.status)
        return sent

    def push_one(self, item: Notification, retry_key: str | None = None) -> int:
        """Push one notification (1 if sent, 0 if not a LINE one). The text names the case
        number and the new status, never the complaint or the reply itself.

        Raises :class:`LineApiError` when LINE refused it or stayed unavailable.
        """
        if item.channel != Channel.LINE:
            return 0
        lang = item.locale
        if item.kind == EventKind.REPLY:
            body = say("push_reply", lang, case_number=item.case_number)
        else:
            body = say("push_status", lang, case_number=item.case_number,
                       status=label("status", item.status, lang))
        self.api.push(item.recipient, [ui.text(body)], retry_key=retry_key)
        return 1

    # --- events ---------------------------------------------------------------------------

    @staticmethod
    def _incoming(event: Any) -> flow.Incoming | None:
        if isinstance(event, FollowEvent):
            return flow.Incoming("follow")
        if isinstance(event, PostbackEvent):
            return flow.Incoming("postback", data=str(event.postback.data or ""))
        if not isinstance(event, MessageEvent):
            return None
        message = event.message
        if isinstance(message, TextMessageContent):
            text = str(message.text or "")
            return flow.Incoming("too_long") if len(text) > MAX_TEXT else flow.Incoming(
                "text", text=text)
        if isinstance(message, LocationMessageContent):
            return flow.Incoming("location", latitude=float(message.latitude),
                                 longitude=float(message.longitude),
                                 title=str(message.title or ""),
                                 address=str(message.address or ""))
        if isinstance(message, ImageMessageContent):
            image_set = message.image_set
            last = image_set is None or not image_set.total or image_set.index == image_set.total
            return flow.Incoming("image", message_id=str(message.id), last_of_set=bool(last))
        return flow.Incoming("unsupported")

    def _group(self, event: Any, raw: dict[str, Any]) -> Outcome:
        """Group and multi-person chats: never file, answer only when addressed."""
        addressed = isinstance(event, JoinEvent | PostbackEvent)
        if isinstance(event, MessageEvent) and isinstance(event.message, TextMessageContent):
            mention = event.message.mention
            mentioned = bool(mention and any(getattr(m, "is_self", False)
                                             for m in mention.mentionees or []))
            addressed = mentioned or bool(flow.command_of(str(event.message.text or "")))
        token = raw.get("replyToken")
        if not addressed or not token:
            return Outcome("ignored")
        base = self.settings.public_base_url.rstrip("/")
        link = f"{base}/report"
        both = say("group", "th", link=link) + "\n\n" + say("group", "en", link=link)
        return self._reply_only(str(token), [ui.text(both)])

    def _unfollow(self, raw: dict[str, Any], user_id: str) -> Outcome:
        event_id = str(raw.get("webhookEventId") or "")
        with self.sessions() as session:
            line_state.forget(session, self.pepper, user_id)
            if event_id and line_state.claims(session):
                line_state.claim(session, self.pepper, event_id, self.clock().date())
            elif event_id and not line_state.seen(session, self.pepper, event_id):
                line_state.mark_seen(session, self.pepper, event_id, self.clock().date())
            session.commit()
        return Outcome("ignored")

    def _photo(self, message_id: str) -> tuple[bytes, str]:
        """Fetch a photo from LINE and clean it; raises ``PhotoRejected``."""
        try:
            raw = self.api.content(message_id)
        except ContentUnavailable:
            raise flow.PhotoRejected from None
        try:
            with clean_isolated(io.BytesIO(raw), self.settings) as cleaned:
                if cleaned.media_type not in PHOTO_TYPES:
                    raise flow.PhotoRejected
                return cleaned.stream.read(), cleaned.media_type
        except FileRefused:
            raise flow.PhotoRejected from None

    def _context(self, session: Session, now: datetime) -> flow.Context:
        return flow.Context(
            session=session, pepper=self.pepper, now=now,
            public_base_url=self.settings.public_base_url,
            attachments_dir=self.settings.attachments_dir,
            max_photos=self.settings.attachment_max_files,
            photo_source=self._photo, lookup_allowed=self.lookups,
            catalogue=self.catalogue(session), references=self.references,
        )

    def _language(self, loaded: line_state.Loaded) -> str:
        return self.languages.get(loaded.digest, lambda: self.api.language(loaded.user_id))

    def _converse(self, raw: dict[str, Any], user_id: str, incoming: flow.Incoming) -> Outcome:
        event_id = str(raw.get("webhookEventId") or "")
        for _attempt in range(ATTEMPTS):
            now = self.clock()
            with self.sessions() as session:
                ctx = self._context(session, now)
                # PostgreSQL: the redelivery check and record are one statement, first.
                early = bool(event_id) and line_state.claims(session)
                try:
                    if early:
                        if not line_state.claim(session, self.pepper, event_id, now.date()):
                            return Outcome("duplicate")
                    elif event_id and line_state.seen(session, self.pepper, event_id):
                        return Outcome("duplicate")
                    loaded = line_state.load(session, self.pepper, user_id, now)
                    if loaded.row is None:
                        loaded.state.lang = self._language(loaded)
                    messages = flow.handle(ctx, loaded, incoming,
                                           partial(line_state.save, session, loaded, now))
                    line_state.save(session, loaded, now)
                    if event_id and not early:
                        line_state.mark_seen(session, self.pepper, event_id, now.date())
                    session.commit()
                except (StaleDataError, IntegrityError, OperationalError):
                    session.rollback()
                    discard_files(self.settings.attachments_dir, ctx.attachments)
                    continue
                except Exception as exc:  # noqa: BLE001 - roll back, tell the user, log the kind
                    session.rollback()
                    discard_files(self.settings.attachments_dir, ctx.attachments)
                    LOG.warning("LINE event not handled: %s", type(exc).__name__)
                    return self._sorry(raw)
            return self._deliver(raw, loaded, messages, ctx.receipt)
        return self._sorry(raw)

    def _sorry(self, raw: dict[str, Any]) -> Outcome:
        token = raw.get("replyToken")
        if not token:
            return Outcome("failed")
        self._reply_only(str(token), [ui.text(
            "ระบบขัดข้องชั่วคราว สิ่งที่ส่งแล้วไม่สูญหาย กรุณาลองอีกครั้ง\n"
            "A temporary fault. Nothing already accepted was lost. Please try again.")])
        return Outcome("failed")

    # --- replying -------------------------------------------------------------------------

    def _reply_only(self, token: str, messages: list[ui.Message]) -> Outcome:
        try:
            self.api.reply(token, messages)
        except LineApiError:
            return Outcome("dropped", len(messages))
        return Outcome("replied", len(messages))

    def _deliver(self, raw: dict[str, Any], loaded: line_state.Loaded,
                 messages: list[ui.Message], receipt: list[ui.Message]) -> Outcome:
        """Reply; on an expired token push if allowed; keep an undelivered receipt."""
        if not messages:
            return Outcome("replied")
        token = str(raw.get("replyToken") or "")
        try:
            if not token:
                raise ReplyTokenInvalid(400, "no reply token")
            self.api.reply(token, messages)
            return Outcome("replied", len(messages))
        except ReplyTokenInvalid:
            if self.settings.line_push_fallback:
                event_id = str(raw.get("webhookEventId") or uuid.uuid4())
                try:
                    self.api.push(loaded.user_id, messages,
                                  retry_key=str(uuid.uuid5(_RETRY_NAMESPACE, event_id)))
                    return Outcome("pushed", len(messages))
                except LineApiError as exc:
                    LOG.warning("LINE push fallback failed: HTTP %s", exc.status)
        except LineApiError as exc:
            LOG.warning("LINE reply failed: HTTP %s", exc.status)
        if receipt:
            self._keep_receipt(loaded.user_id, receipt)
        return Outcome("dropped", len(messages))

    def _keep_receipt(self, user_id: str, receipt: list[ui.Message]) -> None:
        for _attempt in range(ATTEMPTS):
            now = self.clock()
            with self.sessions() as session:
                try:
                    loaded = line_state.load(session, self.pepper, user_id, now)
                    loaded.state.receipt = receipt
                    line_state.save(session, loaded, now)
                    session.commit()
                    return
                except (StaleDataError, IntegrityError, OperationalError):
                    session.rollback()
