"""QR posters in the staff app (issue 8 §1): make a unit's poster, download it again, and see
how many complaints each poster brought.

Administrators make posters for any active unit; a staff member (or custodian) for the units
they belong to, and sees only those units' posters. Making one registers it (its id goes into
its link as ``place=``) and writes an audit entry; the page then redirects (a reload registers
nothing twice). Downloads: the PDF poster on its paper size, or the QR code alone as PNG or SVG.
"""

from datetime import UTC, datetime

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectField, StringField

from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.channels.qr.printing import OutputFormat, poster_file, poster_link
from rongrian.intake.audit import Actor, append_entry
from rongrian.intake.models import AuditAction, Complaint, QrPoster, Role, Unit, UnitMembership
from rongrian.intake.posters import (
    MAX_PLACE_CHARS,
    SIZES,
    InactivePosterUnit,
    InvalidPlace,
    InvalidPosterSize,
    PosterError,
    UnknownPosterUnit,
    posters_of,
    register_poster,
)
from rongrian.web.app import current_locale, db, settings_of

POSTER_ROLES = (Role.ADMIN, Role.STAFF, Role.CUSTODIAN)
MEDIA_TYPES = {OutputFormat.PDF: "application/pdf", OutputFormat.PNG: "image/png",
               OutputFormat.SVG: "image/svg+xml"}


class PosterForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """``unit`` (code), ``place`` (at most 80 characters) and ``size`` (A4, A5, A6)."""

    unit = SelectField(_l("Unit that receives the complaints"), choices=[],
                       validate_choice=False)
    place = StringField(_l("Where the poster hangs"))
    size = SelectField(_l("Paper size"), choices=[(size, size) for size in SIZES],
                       validate_choice=False)


def _units() -> list[Unit]:
    """Active units the logged-in staff member may make posters for."""
    account = current_staff().account
    query = select(Unit).where(Unit.active, Unit.parent_id.is_not(None)).order_by(Unit.code)
    if account.role != Role.ADMIN:
        query = query.join(UnitMembership, UnitMembership.unit_id == Unit.id).where(
            UnitMembership.account_id == account.id)
    return list(db().scalars(query))


def _form(units: list[Unit]) -> PosterForm:
    form = PosterForm()
    english = current_locale() == "en"
    form.unit.choices = [(unit.code, unit.name_en if english else unit.name_th) for unit in units]
    return form


def _counts() -> dict[str, int]:
    """Complaints filed through each poster, all time."""
    query = (select(Complaint.poster_id, func.count()).where(Complaint.poster_id.is_not(None))
             .group_by(Complaint.poster_id))
    return {str(poster_id): int(n) for poster_id, n in db().execute(query)}


def _page(form: PosterForm, units: list[Unit], *, error: str = "", code: int = 200
          ) -> tuple[str, int]:
    posters = posters_of(db(), [unit.id for unit in units])
    base = _public_url()
    links = {poster.id: poster_link(base, poster) for poster in posters}
    return render_template("posters.html", form=form, posters=posters, links=links,
                           counts=_counts(), error=error, max_place=MAX_PLACE_CHARS), code


def _public_url() -> str:
    """The public URL the posters' links start with (``RONGRIAN_PUBLIC_URL``)."""
    return settings_of(current_app).public_base_url


def _message(exc: PosterError) -> str:
    if isinstance(exc, UnknownPosterUnit | InactivePosterUnit):
        return str(_("Please choose an active unit from the list."))
    if isinstance(exc, InvalidPlace):
        return str(_("The place is at most %(count)s characters, without control characters.",
                 count=MAX_PLACE_CHARS))
    if isinstance(exc, InvalidPosterSize):
        return str(_("Please choose A4, A5 or A6."))
    return str(_("The poster could not be made."))


def _allowed_poster(poster_id: str) -> QrPoster:
    """The poster ``poster_id`` if it belongs to one of the user's units, else 404."""
    poster = db().get(QrPoster, poster_id)
    if poster is None or poster.unit_id not in {unit.id for unit in _units()}:
        abort(404)
    return poster


def register(app: Flask) -> None:
    """Add ``/posters`` (GET list and form, POST make) and ``/posters/<id>.<pdf|png|svg>``."""

    @app.get("/posters")
    @roles_required(*POSTER_ROLES)
    def posters() -> tuple[str, int]:
        units = _units()
        return _page(_form(units), units)

    @app.post("/posters")
    @roles_required(*POSTER_ROLES)
    def poster_make() -> WerkzeugResponse | tuple[str, int]:
        units = _units()
        form = _form(units)
        if not form.validate():
            return _page(form, units, error=_("The form expired. Please try again."),
                         code=400)
        if form.unit.data not in {unit.code for unit in units}:
            return _page(form, units, error=_("Please choose an active unit from the list."),
                         code=400)
        session = db()
        account = current_staff().account
        try:
            poster = register_poster(session, unit_code=form.unit.data or "",
                                     place=form.place.data or "", size=form.size.data or "",
                                     today=datetime.now(UTC).date(), made_by=account)
        except PosterError as exc:
            session.rollback()
            return _page(form, units, error=_message(exc), code=400)
        append_entry(session, AuditAction.POSTER_MADE, Actor.of(account),
                     detail={"poster": poster.id, "unit": poster.unit.code, "size": poster.size})
        session.commit()
        flash(_("Poster made. Download it below and print it."), "ok")
        return redirect(url_for("posters", _anchor=f"poster-{poster.id}"), code=303)

    @app.get("/posters/<poster_id>.<fmt>")
    @roles_required(*POSTER_ROLES)
    def poster_download(poster_id: str, fmt: str) -> Response:
        try:
            output = OutputFormat(fmt)
        except ValueError:
            abort(404)
        poster = _allowed_poster(poster_id)
        data = poster_file(db(), poster, _public_url(), output)
        name = f"poster-{poster.unit.code}-{poster.id}.{output.value}"
        return Response(data, mimetype=MEDIA_TYPES[output], headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        })
