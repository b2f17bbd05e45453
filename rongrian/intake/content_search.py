"""Search in the content of cases (issue 9 §1), without any index the server could read.

The server stores every text a complainant or staff member wrote only encrypted (DESIGN.md,
promise 1), so it cannot index them. A member searches their units' **open** cases by opening
them in their own session, the way a case page does (the account key unlocked at log-in opens
the unit ring's grant, the ring opens each case's data key), in bounded batches: at most
``budget`` cases per call (the adapter uses :data:`BATCH`, 1,000), newest first
(``received_on``, then case number, descending). :func:`decrypted_texts` is the generator over
the decrypted texts; :func:`search` matches a query against them and says where to continue
(a :class:`Cursor` on the last case searched, so a batch never repeats or skips a case even
while new cases arrive). Nothing decrypted is kept after the call.

Searched: the complaint's four fields (what, when, where, who) and every thread entry's text
(the complainant's additions and reopen messages, the replies, internal notes and extension
reasons). Not searched: attachments, finished cases.

Matching is Thai-aware by normalisation (:func:`normalise`), not by word segmentation: Thai is
written without spaces between words, so every whitespace-separated term of the query must
occur as a substring somewhere in the case. Both sides are NFKC-normalised (so ``ำ`` and
``ํา`` meet), stripped of zero-width characters, with ``เเ`` read as ``แ``, a tone mark typed
before its upper vowel put after it, repeated tone marks once, Thai digits as Arabic digits,
whitespace collapsed and case-folded.

Every batch is audited (``cases_content_searched``): the number of cases searched and matched,
and the case numbers shown, **never the query** (it may itself be sensitive: a person's name, a
whistleblower's detail); :func:`search` only flushes, the caller commits.
"""

import re
import unicodedata
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from rongrian.crypto.errors import DecryptionFailed
from rongrian.crypto.keys import X25519PrivateKey
from rongrian.intake import envelope
from rongrian.intake.audit import actor_of, append_entry
from rongrian.intake.datakeys import links_of, open_copy
from rongrian.intake.errors import InvalidSubmission, KeyNotGranted
from rongrian.intake.keyring import UnlockedAccount, ring_private_key, unit_ids_of
from rongrian.intake.models import (
    AuditAction,
    CaseEvent,
    Complaint,
    ComplaintKey,
    KeyRing,
    Status,
)
from rongrian.intake.workflow import FINISHED

#: Cases opened per request by the staff page.
BATCH = 1_000
#: Hits listed per batch (the count goes on beyond it).
MAX_HITS = 100
QUERY_MAX = 200
TERMS_MAX = 10
#: Characters of context either side of a match in a snippet.
CONTEXT = 60
#: The complaint's own fields, in the order a snippet is looked for.
FIELDS = ("what_happened", "when_happened", "where_happened", "who_involved")

#: Zero-width characters and the soft hyphen are dropped; Thai digits read as Arabic ones.
_TABLE = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789", "\u200b\u200c\u200d\u2060\ufeff\u00ad")
_NEEDS_TABLE = re.compile("[\u0e50-\u0e59\u200b-\u200d\u2060\ufeff\u00ad]")
_TONE_BEFORE_VOWEL = re.compile("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37\u0e47])")
_REPEATED_TONE = re.compile("([\u0e48-\u0e4c])\\1+")
_SPACE = re.compile(r"\s+")


def _display(text: str) -> str:
    """Every step of :func:`normalise` but case-folding (each skipped when it has nothing to
    do: the search normalises every text of every case it opens)."""
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    if _NEEDS_TABLE.search(text):
        text = text.translate(_TABLE)
    if "\u0e40\u0e40" in text:
        text = text.replace("\u0e40\u0e40", "\u0e41")
    text = _TONE_BEFORE_VOWEL.sub(r"\2\1", text)
    text = _REPEATED_TONE.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def normalise(text: str) -> str:
    """The form both the query and the case texts are compared in (see the module docstring)."""
    return _display(text).casefold()


def parse_query(text: str) -> tuple[str, ...]:
    """The query's normalised terms (each must occur). Raises :class:`InvalidSubmission`
    ``{"query": "required" | "too_short" | "too_long"}`` (more than :data:`QUERY_MAX`
    characters or :data:`TERMS_MAX` terms); a query under two characters would match nearly
    everything and is ``too_short``."""
    if len(text) > QUERY_MAX:
        raise InvalidSubmission({"query": "too_long"})
    terms = tuple(dict.fromkeys(normalise(text).split()))
    if not terms:
        raise InvalidSubmission({"query": "required"})
    if len(terms) > TERMS_MAX:
        raise InvalidSubmission({"query": "too_long"})
    if sum(len(term) for term in terms) < 2:
        raise InvalidSubmission({"query": "too_short"})
    return terms


@dataclass(frozen=True)
class Cursor:
    """The last case a batch searched; the next batch starts after it."""

    received_on: date
    case_number: str

    def text(self) -> str:
        """``2026-01-31|2569/000123``: how a form carries it."""
        return f"{self.received_on.isoformat()}|{self.case_number}"

    @classmethod
    def parse(cls, text: str) -> "Cursor":
        """The cursor :meth:`text` wrote; raises :class:`InvalidSubmission`
        ``{"after": "invalid"}`` for anything else."""
        day, _, number = text.partition("|")
        try:
            received = date.fromisoformat(day)
        except ValueError as exc:
            raise InvalidSubmission({"after": "invalid"}) from exc
        if not re.fullmatch(r"\d{4}/\d{6}", number):
            raise InvalidSubmission({"after": "invalid"})
        return cls(received, number)


@dataclass(frozen=True)
class CaseText:
    """One open case's decrypted texts: ``(field, text)`` pairs, fields first, then thread
    entries (``thread``); ``texts`` is ``None`` when the member cannot open the case (their key
    to its unit has not been granted yet)."""

    id: uuid.UUID
    case_number: str
    status: Status
    received_on: date
    texts: list[tuple[str, str]] | None


@dataclass(frozen=True)
class Hit:
    """A matching case: its number, status, day received, where the first term was found
    (a field name or ``thread``) and a snippet around it."""

    id: uuid.UUID
    case_number: str
    status: Status
    received_on: date
    found_in: str
    snippet: str


@dataclass
class Batch:
    """One call's result: the hits listed (at most :data:`MAX_HITS`), how many cases were
    searched, matched and could not be opened, the member's open cases in all, and where to
    continue (``None`` when the last case was reached)."""

    hits: list[Hit] = field(default_factory=list)
    searched: int = 0
    matched: int = 0
    not_opened: int = 0
    total: int = 0
    after: Cursor | None = None


def _open_cases(unit_ids: list[int]) -> Select[Complaint]:
    return (select(Complaint)
            .where(Complaint.unit_id.in_(unit_ids), Complaint.status.not_in(list(FINISHED)))
            .order_by(Complaint.received_on.desc(), Complaint.case_number.desc()))


def _after(cursor: Cursor) -> ColumnElement[bool]:
    return or_(Complaint.received_on < cursor.received_on, and_(
        Complaint.received_on == cursor.received_on, Complaint.case_number < cursor.case_number))


def _more_after(session: Session, account_id: int, cursor: Cursor) -> bool:
    query = _open_cases(unit_ids_of(session, account_id)).where(_after(cursor))
    return session.scalar(query.with_only_columns(Complaint.id).limit(1)) is not None


def count_open(session: Session, account_id: int) -> int:
    """The open cases of the account's units (what a full search goes through)."""
    units = unit_ids_of(session, account_id)
    if not units:
        return 0
    return session.scalar(select(func.count()).select_from(Complaint).where(
        Complaint.unit_id.in_(units), Complaint.status.not_in(list(FINISHED)))) or 0


class _Rings:
    """The batch's key rings, each private key opened once (``None``: the ring is not of the
    case's unit, or not granted to the account)."""

    def __init__(self, session: Session, unlocked: UnlockedAccount,
                 rings: dict[int, KeyRing]) -> None:
        self._session, self._unlocked, self._rings = session, unlocked, rings
        self._opened: dict[int, X25519PrivateKey | None] = {}

    def private(self, ring_id: int, unit_id: int) -> X25519PrivateKey | None:
        ring = self._rings.get(ring_id)
        if ring is None or ring.unit_id != unit_id:
            return None
        if ring_id not in self._opened:
            try:
                self._opened[ring_id] = ring_private_key(self._session, self._unlocked, ring)
            except KeyNotGranted:
                self._opened[ring_id] = None
        return self._opened[ring_id]


def decrypted_texts(session: Session, unlocked: UnlockedAccount, *, budget: int = BATCH,
                    after: Cursor | None = None) -> Iterator[CaseText]:
    """The account's units' open cases after ``after``, newest first, at most ``budget`` of
    them, each with its decrypted texts (six queries per batch, whatever its size; plain rows,
    not ORM objects, which would cost more than the decryption)."""
    units = unit_ids_of(session, unlocked.account_id)
    if not units or budget < 1:
        return
    query = _open_cases(units)
    if after is not None:
        query = query.where(_after(after))
    cases = session.execute(query.with_only_columns(
        Complaint.id, Complaint.case_number, Complaint.status, Complaint.received_on,
        Complaint.unit_id, Complaint.content, Complaint.key_generation).limit(budget)).all()
    ids = [case.id for case in cases]
    copies: dict[uuid.UUID, list[tuple[int, int, bytes]]] = {}
    for cid, ring_id, generation, box in session.execute(
            select(ComplaintKey.complaint_id, ComplaintKey.ring_id, ComplaintKey.generation,
                   ComplaintKey.sealed_data_key).where(ComplaintKey.complaint_id.in_(ids))):
        copies.setdefault(cid, []).append((ring_id, generation, box))
    ring_ids = {ring_id for found in copies.values() for ring_id, _g, _b in found}
    rings = _Rings(session, unlocked, {ring.id: ring for ring in session.scalars(
        select(KeyRing).where(KeyRing.id.in_(ring_ids)))})
    links = links_of(session, [case.id for case in cases if case.key_generation > 1])
    events: dict[uuid.UUID, list[tuple[uuid.UUID, int, bytes]]] = {}
    for cid, event_id, generation, body in session.execute(
            select(CaseEvent.complaint_id, CaseEvent.id, CaseEvent.key_generation,
                   CaseEvent.body).where(CaseEvent.complaint_id.in_(ids))
            .order_by(CaseEvent.complaint_id, CaseEvent.seq)):
        events.setdefault(cid, []).append((event_id, generation, body))
    for case in cases:
        opened = next(((generation, box, private)
                       for ring_id, generation, box in copies.get(case.id, [])
                       for private in [rings.private(ring_id, case.unit_id)]
                       if private is not None), None)
        texts = None if opened is None else _texts(
            session, opened, case.id, case.content, links.get(case.id, {}),
            events.get(case.id, []))
        yield CaseText(case.id, case.case_number, case.status, case.received_on, texts)


def _texts(session: Session, opened: tuple[int, bytes, X25519PrivateKey],
           complaint_id: uuid.UUID, content_box: bytes, links: dict[int, bytes],
           events: list[tuple[uuid.UUID, int, bytes]]) -> list[tuple[str, str]] | None:
    """The case's texts through its data key's ``opened`` copy; ``None`` if it fails."""
    try:
        keys = open_copy(session, complaint_id, *opened, links)
        content = envelope.decrypt_record(keys.of(1), content_box,
                                          envelope.content_aad(complaint_id))
        texts = [(name, str(content.get(name) or "")) for name in FIELDS]
        for event_id, generation, body in events:
            record = envelope.decrypt_record(
                keys.of(generation), body,
                envelope.event_aad(complaint_id, event_id, generation))
            texts.append(("thread", str(record.get("text") or record.get("note") or "")))
    except DecryptionFailed:
        return None
    return texts


def _snippet(text: str, term: str) -> str:
    shown = _display(text)
    folded = shown.casefold()
    if len(folded) != len(shown):
        shown = folded
    at = folded.find(term)
    start, end = max(0, at - CONTEXT), min(len(shown), at + len(term) + CONTEXT)
    return ("…" if start else "") + shown[start:end] + ("…" if end < len(shown) else "")


def match(case: CaseText, terms: tuple[str, ...]) -> Hit | None:
    """A :class:`Hit` if every term occurs in the case's texts, else ``None``."""
    if not case.texts:
        return None
    folded = [(name, text, normalise(text)) for name, text in case.texts if text]
    if not all(any(term in norm for _n, _t, norm in folded) for term in terms):
        return None
    name, text, _norm = next(item for item in folded if terms[0] in item[2])
    return Hit(case.id, case.case_number, case.status, case.received_on, name,
               _snippet(text, terms[0]))


def search(session: Session, unlocked: UnlockedAccount, query: str, *, budget: int = BATCH,
           after: Cursor | None = None) -> Batch:
    """Search the next ``budget`` open cases of the account's units for ``query``; audited.

    Raises :class:`InvalidSubmission` (:func:`parse_query`), checked before anything is
    opened."""
    terms = parse_query(query)
    batch = Batch(total=count_open(session, unlocked.account_id))
    last: CaseText | None = None
    for case in decrypted_texts(session, unlocked, budget=budget, after=after):
        last = case
        batch.searched += 1
        if case.texts is None:
            batch.not_opened += 1
            continue
        hit = match(case, terms)
        if hit is not None:
            batch.matched += 1
            if len(batch.hits) < MAX_HITS:
                batch.hits.append(hit)
    if last is not None and batch.searched == budget:
        cursor = Cursor(last.received_on, last.case_number)
        if _more_after(session, unlocked.account_id, cursor):
            batch.after = cursor
    append_entry(session, AuditAction.CASES_CONTENT_SEARCHED,
                 actor_of(session, unlocked.account_id),
                 detail={"searched": batch.searched, "matched": batch.matched,
                         "not_opened": batch.not_opened, "terms": len(terms),
                         "shown": ",".join(hit.case_number for hit in batch.hits)})
    return batch
