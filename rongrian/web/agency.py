"""The agency as pages show it, and what else every page reads of the organisation.

Issue 7 §1: the public pages say whose they are (name, emblem, hotline, office hours, LINE
Official Account). :func:`current_reference` gives the request's
:class:`rongrian.intake.reference.Reference` (agency profile without the emblem's bytes, active
categories, units, days off) from the app's :class:`~rongrian.intake.reference.ReferenceCache`:
one small read of the database's change token per request, the tables read again only when
they changed (issue 11), so a change on the admin pages shows on the next page load in every
worker. The emblem is served by :func:`emblem_response` from our own host (the
Content-Security-Policy allows ``img-src 'self'`` only), at an address versioned by its digest
so browsers may cache it.
"""

from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, abort, current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from rongrian.intake.models import Agency
from rongrian.intake.reference import AGENCY_ID, AgencyFacts, Reference, ReferenceCache
from rongrian.web.app import db
from rongrian.web.outage import AVAILABILITY

#: ``app.extensions`` key of the app's :class:`ReferenceCache`.
REFERENCE_CACHE = "rongrian.reference_cache"
#: Browsers may keep a versioned emblem this long (seconds).
EMBLEM_MAX_AGE = 7 * 86400


@dataclass(frozen=True)
class AgencyView(AgencyFacts):
    """What templates read of the agency: its :class:`AgencyFacts` (strings, ``""`` when not
    given) and the forms pages show them in."""

    def name(self, locale: str) -> str:
        """The agency's name in ``locale`` (``th`` or ``en``)."""
        return self.name_en if locale == "en" and self.name_en else self.name_th

    @property
    def line_url(self) -> str:
        """The LINE "add friend" address of the Official Account, or ``""``."""
        account = self.line_official_account
        return f"https://line.me/R/ti/p/{account}" if account else ""

    @property
    def hotline_uri(self) -> str:
        """The hotline as a ``tel:`` address (digits and ``+`` only), or ``""``."""
        digits = "".join(ch for ch in self.hotline if ch.isdigit() or ch == "+")
        return f"tel:{digits}" if digits else ""


def current_reference() -> Reference:
    """The organisation as this request reads it (read once per request, through the request's
    session, from the app's cache). Raises ``SQLAlchemyError`` when the database cannot be
    read."""
    return _kept_for_request(lambda cache: cache.get(db()))


def reference_for_token(token: str | None) -> Reference:
    """:func:`current_reference`, given the change token the request read in a statement of
    its own (:data:`rongrian.intake.reference.TOKEN_COLUMN`): no statement when this worker
    keeps the organisation of that token (issue 11)."""
    return _kept_for_request(lambda cache: cache.for_token(db(), token))


def kept_reference() -> Reference:
    """The organisation this worker keeps, without reading the change token: for a request
    whose writing statement confirms the token itself
    (:func:`rongrian.intake.filing.file_complaint`'s ``confirm_token``), one round trip less
    (issue 11). Read as :func:`current_reference` when the worker keeps none yet; the rest of
    the request sees the same. Raises ``SQLAlchemyError`` when the database cannot be read."""
    def kept_or_read(cache: ReferenceCache) -> Reference:
        kept = cache.kept()
        if kept is None:
            return cache.get(db())
        g.rongrian_reference_unconfirmed = True
        return kept

    return _kept_for_request(kept_or_read)


def reread_reference() -> Reference:
    """:func:`current_reference` read again (its change token included), for a request whose
    :func:`kept_reference` turned out to be outdated. Raises ``SQLAlchemyError`` when the
    database cannot be read."""
    g.pop("rongrian_reference", None)
    g.pop("rongrian_agency", None)
    g.pop("rongrian_reference_unconfirmed", None)
    return current_reference()


def confirmed_reference() -> Reference:
    """:func:`current_reference`, read again if the request started from
    :func:`kept_reference` and has not confirmed it since: for a page drawn instead of a
    filing. Raises ``SQLAlchemyError`` when the database cannot be read."""
    if g.get("rongrian_reference_unconfirmed"):
        return reread_reference()
    return current_reference()


def _kept_for_request(read: Callable[[ReferenceCache], Reference]) -> Reference:
    """The request's reference: ``read`` from the app's cache on first use, then kept in
    ``g`` for the rest of the request."""
    if "rongrian_reference" not in g:
        g.rongrian_reference = read(current_app.extensions[REFERENCE_CACHE])
    reference: Reference = g.rongrian_reference
    return reference


def current_agency() -> AgencyView | None:
    """The agency of this request; ``None`` before set-up or when the database cannot be read
    (an error page must still render)."""
    availability = current_app.extensions.get(AVAILABILITY)
    if availability is not None and availability.down:
        return None  # an outage page: do not wait for the database again
    if "rongrian_agency" not in g:
        try:
            facts = current_reference().agency
        except SQLAlchemyError:
            db().rollback()
            facts = None
        # ``vars``, not ``asdict``: the facts are flat strings, and asdict deep-copies them.
        g.rongrian_agency = AgencyView(**vars(facts)) if facts is not None else None
    agency: AgencyView | None = g.rongrian_agency
    return agency


def emblem_response() -> Response:
    """The stored emblem (PNG); 404 when there is none. Cached for a week when the request
    names the current version (``?v=<digest>``), else revalidated."""
    row = db().execute(select(Agency.emblem, Agency.emblem_digest)
                       .where(Agency.id == AGENCY_ID)).first()
    if row is None or row.emblem is None:
        abort(404)
    response = Response(row.emblem, mimetype="image/png")
    response.set_etag(row.emblem_digest or "")
    if request.args.get("v") == row.emblem_digest:
        response.headers["Cache-Control"] = f"public, max-age={EMBLEM_MAX_AGE}, immutable"
    else:
        response.headers["Cache-Control"] = "no-cache"
    response.make_conditional(request)
    return response


def register_agency(app: Flask) -> None:
    """Add ``/agency/emblem.png``, the ``agency()`` template global and the app's
    :class:`ReferenceCache` to ``app``."""
    app.extensions[REFERENCE_CACHE] = ReferenceCache()
    app.add_url_rule("/agency/emblem.png", endpoint="agency_emblem", view_func=emblem_response)
    app.add_template_global(current_agency, "agency")
