"""The agency as pages show it: loaded per request from the database, never kept in a global.

Issue 7 §1: the public pages say whose they are (name, emblem, hotline, office hours, LINE
Official Account). :func:`current_agency` reads the profile once per request through the
request's session (``flask.g``), without the emblem's bytes; the emblem is served by
:func:`emblem_response` from our own host (the Content-Security-Policy allows ``img-src
'self'`` only), at an address versioned by its digest so browsers may cache it. Nothing is
cached across requests, so a change on the admin pages shows on the next page load in every
worker, and a later change can pick the agency per request (several agencies per deployment).
"""

from dataclasses import dataclass

from flask import Flask, Response, abort, current_app, g, request
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from rongrian.intake.models import Agency
from rongrian.web.app import db
from rongrian.web.outage import AVAILABILITY

#: The single agency of an installation today (``Agency.id``).
AGENCY_ID = 1
#: Browsers may keep a versioned emblem this long (seconds).
EMBLEM_MAX_AGE = 7 * 86400


@dataclass(frozen=True)
class AgencyView:
    """What templates read of the agency (strings, ``""`` when not given)."""

    name_th: str
    name_en: str
    short_name: str
    address: str
    hotline: str
    office_hours: str
    website: str
    line_official_account: str
    emblem_digest: str | None

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


def load_agency(session: Session) -> AgencyView | None:
    """The agency's profile read through ``session``, without the emblem's bytes; ``None``
    before set-up."""
    row = session.execute(select(
        Agency.name_th, Agency.name_en, Agency.short_name, Agency.address, Agency.hotline,
        Agency.office_hours, Agency.website, Agency.line_official_account, Agency.emblem_digest,
    ).where(Agency.id == AGENCY_ID)).first()
    return AgencyView(*row) if row is not None else None


def current_agency() -> AgencyView | None:
    """The agency of this request (read once per request); ``None`` before set-up or when the
    database cannot be read (an error page must still render)."""
    availability = current_app.extensions.get(AVAILABILITY)
    if availability is not None and availability.down:
        return None  # an outage page: do not wait for the database again
    if "rongrian_agency" not in g:
        try:
            g.rongrian_agency = load_agency(db())
        except SQLAlchemyError:
            db().rollback()
            g.rongrian_agency = None
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
    """Add ``/agency/emblem.png`` and the ``agency()`` template global to ``app``."""
    app.add_url_rule("/agency/emblem.png", endpoint="agency_emblem", view_func=emblem_response)
    app.add_template_global(current_agency, "agency")
