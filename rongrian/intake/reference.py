"""What every public page reads, kept per worker while it is unchanged (issue 11).

The complaint form, its receipt and the pages' header read the agency's profile, the active
units and categories and the agency's days off on every request, and a filing the public keys
it seals to. :class:`ReferenceCache` keeps one :class:`Reference` (plain frozen values, no ORM
objects) and, per request, reads only the token of ``reference_version``, which the database's
triggers replace whenever the agency, a unit, a category, a day off (migration 0022), a key ring
or the installation (0023) changes. A change on the admin pages, a key rotation or set-up
therefore shows on the next request in every worker, and a database that cannot be read fails
the request as before (nothing is served from memory without asking the database first).
"""

import threading
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from rongrian.crypto import keys
from rongrian.intake.errors import SetupError
from rongrian.intake.keyring import (
    FilingKeys,
    RingPublicKey,
    no_custodian_ring,
    no_unit_ring,
    not_set_up,
)
from rongrian.intake.models import (
    Agency,
    Category,
    DayOff,
    Installation,
    KeyRing,
    Kind,
    ReferenceVersion,
    RingPurpose,
    Sensitivity,
    Unit,
)

#: The single agency of an installation today (``Agency.id``).
AGENCY_ID = 1


@dataclass(frozen=True)
class UnitFacts:
    """A unit as filing and the form need it."""

    id: int
    code: str
    name_th: str
    name_en: str
    parent_id: int | None
    is_integrity: bool
    active: bool


@dataclass(frozen=True)
class CategoryFacts:
    """An active category as filing and the form need it: service days in working days
    (:mod:`rongrian.intake.service_clock`), keywords one per item (:mod:`.suggest`)."""

    id: int
    code: str
    name_th: str
    name_en: str
    kind: Kind
    sensitivity: Sensitivity
    default_unit_id: int
    sla_days: int
    acknowledge_days: int
    keywords: tuple[str, ...]
    #: The agency's order of its categories (ties of a suggestion go to the lower).
    position: int = 0


@dataclass(frozen=True)
class AgencyFacts:
    """The agency's public profile without the emblem's bytes (``""`` when not given)."""

    name_th: str
    name_en: str
    short_name: str
    address: str
    hotline: str
    office_hours: str
    website: str
    line_official_account: str
    emblem_digest: str | None


@dataclass(frozen=True)
class RingFacts:
    """An active unit or custodian key ring's public half: 32 raw bytes of X25519."""

    id: int
    purpose: RingPurpose
    unit_id: int | None
    public_key: bytes


@dataclass(frozen=True)
class Reference:
    """The agency, its active categories (in the agency's order) and its retired ones, its
    units (by id), all its days off, the active unit and custodian key rings (by id) and the
    installation's recovery public key (``None`` before set-up), as read under ``token``
    (``None``: read without a token, not kept)."""

    token: str | None
    agency: AgencyFacts | None
    categories: tuple[CategoryFacts, ...]
    units: tuple[UnitFacts, ...]
    days_off: frozenset[date]
    rings: tuple[RingFacts, ...] = ()
    recovery_public_key: bytes | None = None
    #: Categories no longer offered, which older complaints still carry (by id).
    retired_categories: tuple[CategoryFacts, ...] = ()

    def category(self, code: str | None) -> CategoryFacts | None:
        """The active category of ``code``, or None."""
        return next((c for c in self.categories if c.code == code), None)

    def category_by_id(self, category_id: int) -> CategoryFacts | None:
        """The category with ``category_id``, offered or retired, or None."""
        return next((c for c in (*self.categories, *self.retired_categories)
                     if c.id == category_id), None)

    def unit(self, code: str | None) -> UnitFacts | None:
        """The active unit of ``code``, or None."""
        return next((u for u in self.units if u.code == code and u.active), None)

    def active_units(self) -> list[UnitFacts]:
        """The active units, by id."""
        return [u for u in self.units if u.active]

    def unit_by_id(self, unit_id: int) -> UnitFacts | None:
        """The unit with ``unit_id`` (active or not: a category's default unit), or None."""
        return next((u for u in self.units if u.id == unit_id), None)

    def integrity_unit(self) -> UnitFacts:
        """The integrity officer's unit; raises :class:`SetupError` if no active unit is
        marked."""
        found = next((u for u in self.units if u.is_integrity and u.active), None)
        if found is None:
            raise SetupError("no unit is marked as the integrity officer's unit")
        return found

    def filing_keys(self, unit_id: int) -> FilingKeys:
        """The public keys a filing to ``unit_id`` seals to: the unit's active ring, the
        identity custodian's ring and the recovery key. Raises :class:`SetupError` before
        set-up, or when the unit or the custodian has no active ring (nothing is filed)."""
        if self.recovery_public_key is None:
            raise not_set_up()
        unit = next((r for r in self.rings
                     if r.purpose == RingPurpose.UNIT and r.unit_id == unit_id), None)
        custodian = next((r for r in self.rings if r.purpose == RingPurpose.CUSTODIAN), None)
        if unit is None:
            raise no_unit_ring(unit_id)
        if custodian is None:
            raise no_custodian_ring()
        return FilingKeys(RingPublicKey(unit.id, keys.load_public(unit.public_key)),
                          RingPublicKey(custodian.id, keys.load_public(custodian.public_key)),
                          keys.load_public(self.recovery_public_key))


def keywords_in(text: str | None) -> tuple[str, ...]:
    """A category's stored keywords (``Category.keywords``, one a line) without blank lines."""
    return tuple(k for k in (text or "").splitlines() if k.strip())


def load_reference(session: Session, token: str | None = None) -> Reference:
    """Read the :class:`Reference` through ``session`` (six statements), labelled ``token``."""
    row = session.execute(select(
        Agency.name_th, Agency.name_en, Agency.short_name, Agency.address, Agency.hotline,
        Agency.office_hours, Agency.website, Agency.line_official_account, Agency.emblem_digest,
    ).where(Agency.id == AGENCY_ID)).first()
    category_rows = session.execute(select(
        Category.id, Category.code, Category.name_th, Category.name_en, Category.kind,
        Category.sensitivity, Category.default_unit_id, Category.sla_days,
        Category.acknowledge_days, Category.keywords, Category.position, Category.active,
    ).order_by(Category.position, Category.id))
    categories = [(CategoryFacts(*c[:9], keywords_in(c.keywords), c.position), c.active)
                  for c in category_rows]
    units = session.execute(select(
        Unit.id, Unit.code, Unit.name_th, Unit.name_en, Unit.parent_id, Unit.is_integrity,
        Unit.active,
    ).order_by(Unit.id)).all()
    return Reference(
        token=token,
        agency=AgencyFacts(*row) if row is not None else None,
        categories=tuple(facts for facts, active in categories if active),
        retired_categories=tuple(facts for facts, active in categories if not active),
        units=tuple(UnitFacts(*u) for u in units),
        days_off=frozenset(session.scalars(select(DayOff.day))),
        rings=tuple(RingFacts(*r) for r in session.execute(select(
            KeyRing.id, KeyRing.purpose, KeyRing.unit_id, KeyRing.public_key,
        ).where(KeyRing.active, KeyRing.purpose.in_([RingPurpose.UNIT, RingPurpose.CUSTODIAN]))
            .order_by(KeyRing.id))),
        recovery_public_key=session.scalar(
            select(Installation.recovery_public_key).order_by(Installation.id).limit(1)),
    )


#: The change token's read (:class:`ReferenceCache`), built once.
_TOKEN = select(ReferenceVersion.token).where(ReferenceVersion.id == 1)
#: The change token as a column of a caller's own statement (a scalar subquery), for
#: :meth:`ReferenceCache.for_token`: the token then costs no round trip of its own (issue 11).
TOKEN_COLUMN = _TOKEN.scalar_subquery().label("reference_token")
#: The change token as a value inside a caller's own statement: a writing statement compares
#: it with the token it was prepared under (:func:`rongrian.intake.filing_rows.write_filing`).
CURRENT_TOKEN = _TOKEN.scalar_subquery()


def current_token(session: Session) -> str | None:
    """The change token as the database holds it now (one statement)."""
    return session.connection().scalar(_TOKEN)


class ReferenceCache:
    """One worker's last :class:`Reference`, checked against ``reference_version`` on each
    :meth:`get` (thread-safe: a reader gets a whole snapshot, old or new)."""

    def __init__(self) -> None:
        self._held: Reference | None = None
        self._lock = threading.Lock()

    def get(self, session: Session) -> Reference:
        """The current reference: the kept one when the token is unchanged (one statement),
        else read again (seven). Raises what ``session`` raises when the database is down."""
        return self.for_token(session, current_token(session))

    def kept(self) -> Reference | None:
        """The reference this worker keeps, without asking the database whether it is still
        current (``None`` before the first read): for a caller whose own statement confirms
        its token (:data:`CURRENT_TOKEN`)."""
        return self._held

    def for_token(self, session: Session, token: str | None) -> Reference:
        """The current reference, given the change token the caller read in one of its own
        statements (:data:`TOKEN_COLUMN`): the kept one when the token is unchanged (no
        statement), else read again through ``session`` (six). Raises what ``session`` raises
        when the database is down."""
        held = self._held
        if held is not None and token is not None and held.token == token:
            return held
        fresh = load_reference(session, token)
        if token is not None:
            with self._lock:
                self._held = fresh
        return fresh
