"""รับเรื่องจากช่องทางอื่น: the intake desk page (issue 8 §2).

A staff member with the intake-desk role types a complaint that arrived by telephone, letter,
in person, in a suggestion box or by referral; it is filed by :func:`rongrian.intake.desk.
take_down` (same core and encryption as the web form; the officer gains no access to it). The
answer shows, once, the case number and the tracking code spelled for the telephone, and a slip
to print (A6 or an 80 mm receipt printer, by the print stylesheet) with the code, its QR link to
``/track``, the hotline and the web address. Nothing of it is kept for a second look.
"""

import contextlib
import re
from datetime import UTC, date, datetime

from flask import (
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)

from rongrian.admin.letters import acknowledgement_letter, letterhead
from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cleaning import UploadRefused, cleaned_uploads
from rongrian.channels.files import CleanedFile, FileRefused, FileTooLarge, UnsupportedFileType
from rongrian.channels.qr.codes import tracking_link, tracking_link_svg
from rongrian.intake.attachments import discard_files
from rongrian.intake.audit import Actor
from rongrian.intake.desk import (
    DESK_CHANNELS,
    MAX_AGENCY_NAME,
    MAX_REASON,
    MAX_REFERENCE,
    DeskIntake,
    DeskReceipt,
    Referral,
    ReferringBody,
    earliest_received_on,
    set_intake_desk,
    take_down,
)
from rongrian.intake.errors import InvalidSubmission, MalformedTrackingCode
from rongrian.intake.models import Agency, Category, Kind, Role, StaffAccount, Unit
from rongrian.intake.store import LIMITS, Identity, Submission
from rongrian.intake.tracking_codes import display, normalise
from rongrian.settings import Settings
from rongrian.web.app import current_locale, db, settings_of
from rongrian.web.labels import label
from rongrian.web.phonetic import spelled


class DeskForm(FlaskForm):  # type: ignore[misc]  # flask_wtf has no type hints
    """Everything the desk officer types (choices filled per request by :func:`_offer`)."""

    channel = SelectField(_l("How it arrived"), choices=[], validate_choice=False)
    referral_body = SelectField(_l("Referred by"), choices=[], validate_choice=False)
    referral_reference = StringField(_l("Their reference number"))
    referral_agency = StringField(_l("Name of the referring agency"))
    received_on = StringField(_l("Date received"))
    backdating_reason = StringField(_l("Why it is entered after the day it arrived"))
    kind = SelectField(_l("Kind"), choices=[], validate_choice=False)
    category = SelectField(_l("Category"), choices=[], validate_choice=False)
    unit = SelectField(_l("Unit concerned"), choices=[], validate_choice=False)
    what_happened = TextAreaField(_l("What happened"))
    when_happened = StringField(_l("When"))
    where_happened = StringField(_l("Where"))
    who_involved = TextAreaField(_l("Who is involved"))
    name = StringField(_l("Complainant's name (if given)"))
    phone = StringField(_l("Telephone (if given)"))
    email = StringField(_l("E-mail (if given)"))
    no_contact = BooleanField(_l("No way to reach the complainant (e.g. an anonymous letter)"))
    #: A scanned letter, a photo of a note: cleaned and encrypted as on the web form.
    attachments = MultipleFileField(_l("Scans or photos"))


class DeskRoleForm(FlaskForm):  # type: ignore[misc]
    """The account page's switch of the intake-desk role (its CSRF token; ``on`` is read)."""


class LetterForm(FlaskForm):  # type: ignore[misc]
    """What the receipt page posts for the acknowledgement letter."""

    code = HiddenField()
    case_number = HiddenField()
    received_on = HiddenField()
    addressee = StringField(_l("Addressed to"))


def _today() -> date:
    return datetime.now(UTC).date()


def _offer(form: DeskForm) -> None:
    locale = current_locale()
    english = locale == "en"
    form.channel.choices = [(c.value, label("channel", c, locale)) for c in DESK_CHANNELS]
    form.referral_body.choices = [("", "—")] + [
        (body.value, label("referral", body, locale)) for body in ReferringBody]
    form.kind.choices = [(k.value, label("kind", k, locale)) for k in Kind]
    categories = db().scalars(select(Category).where(Category.active)
                              .order_by(Category.position, Category.id))
    form.category.choices = [("", _("— Choose a category —"))] + [
        (c.code, c.name_en if english else c.name_th) for c in categories]
    units = db().scalars(select(Unit).where(Unit.active, Unit.parent_id.is_not(None))
                         .order_by(Unit.id))
    form.unit.choices = [("", _("Not sure: let the agency decide"))] + [
        (u.code, u.name_en if english else u.name_th) for u in units]
    if not form.received_on.data:
        form.received_on.data = _today().isoformat()


def _received_on(form: DeskForm) -> date | None:
    try:
        return date.fromisoformat((form.received_on.data or "").strip())
    except ValueError:
        return None


def _intake(form: DeskForm, received: date) -> DeskIntake:
    identity = None
    if (form.name.data or "").strip():
        identity = Identity(form.name.data or "", form.phone.data or "", form.email.data or "")
    submission = Submission(
        kind=form.kind.data or "", category_code=form.category.data or "",
        unit_code=form.unit.data or None, channel=form.channel.data or "",
        what_happened=form.what_happened.data or "", when_happened=form.when_happened.data or "",
        where_happened=form.where_happened.data or "", who_involved=form.who_involved.data or "",
        identity=identity)
    referral = Referral(form.referral_body.data or "", form.referral_reference.data or "",
                        form.referral_agency.data or "")
    return DeskIntake(submission, received, form.backdating_reason.data or "",
                      referral, bool(form.no_contact.data))


def problem_messages(problems: dict[str, str]) -> dict[str, str]:
    """Thai/English messages (in the page's language) of :func:`take_down`'s problem codes."""
    today = _today()
    known = {
        ("received_on", "future"): _("The date received cannot be in the future."),
        ("received_on", "too_old"): _("The date received cannot be before %(day)s.",
                                      day=earliest_received_on(today).isoformat()),
        ("received_on", "invalid"): _("Please give the date received as a date."),
        ("backdating_reason", "required"): _("Please say why it is entered after the day it "
                                             "arrived."),
        ("backdating_reason", "too_long"): _("At most %(count)s characters.", count=MAX_REASON),
        ("referral_body", "required"): _("Please choose who referred it."),
        ("referral_reference", "required"): _("Please give the referring body's reference "
                                              "number."),
        ("referral_reference", "too_long"): _("At most %(count)s characters.",
                                              count=MAX_REFERENCE),
        ("referral_agency", "required"): _("Please give the referring agency's name."),
        ("referral_agency", "too_long"): _("At most %(count)s characters.",
                                           count=MAX_AGENCY_NAME),
        ("what_happened", "required"): _("Please write what the complainant told you."),
        ("category", "required"): _("Please choose a category."),
        ("category", "unknown"): _("Please choose a category."),
    }
    messages = {}
    for field, code in problems.items():
        if code == "too_long" and field in LIMITS:
            messages[field] = str(_("At most %(count)s characters.", count=LIMITS[field]))
        else:
            messages[field] = str(known.get((field, code), _("Please check this field.")))
    return messages


def _receipt_page(form: DeskForm, case_number: str, code: str | None, received: date) -> str:
    settings = settings_of(current_app)
    agency = db().scalars(select(Agency)).first()
    qr = None
    if code is not None:
        # Our own markup, drawn from the code just made: nothing typed reaches it.
        qr = Markup(tracking_link_svg(settings.public_base_url, code))  # noqa: S704
    return render_template(
        "desk_receipt.html", case_number=case_number, code=code,
        spelled=spelled(code) if code else [], qr_svg=qr, agency=agency,
        track_url=tracking_link(settings.public_base_url, "").rstrip("#"),
        channel=label("channel", form.channel.data or "", current_locale()),
        letter=LetterForm(formdata=None, code=code or "", case_number=case_number,
                          received_on=received.isoformat(), addressee="ผู้ร้องเรียน"),
        is_letter=form.channel.data == "letter")


def _refusal(name: str, error: FileRefused) -> str:
    settings = settings_of(current_app)
    if isinstance(error, FileTooLarge):
        return str(_("“%(name)s” is too large or too complex: at most %(mb)s MB. Scan it at a "
                     "lower resolution.", name=name, mb=settings.attachment_max_mb))
    if isinstance(error, UnsupportedFileType):
        return str(_("“%(name)s” is not a photo (JPEG, PNG, HEIC), a PDF or an office "
                     "document.", name=name))
    return str(_("“%(name)s” could not be read or cleaned. Scan it again as PDF or JPEG.",
                 name=name))


def _cleaned(uploads: list[FileStorage]) -> contextlib.AbstractContextManager[
        list[CleanedFile]]:
    """Clean every upload in the sandboxed cleaner (as the web form does); yield them, close
    them at the end. Raises ``UploadRefused`` for the first refused file or too many files."""
    settings = settings_of(current_app)
    return cleaned_uploads(
        uploads, max_files=settings.attachment_max_files,
        too_many=str(_("At most %(count)s files.", count=settings.attachment_max_files)),
        refusal=lambda upload, error: _refusal((upload.filename or "")[-60:], error))


def _file(form: DeskForm, received: date, cleaned: list[CleanedFile]) -> DeskReceipt:
    """Take the complaint down with its files and commit; the files written are deleted again
    if the commit fails."""
    settings = settings_of(current_app)
    session = db()
    receipt = take_down(session, settings.secrets.tracking_pepper, _intake(form, received),
                        officer=current_staff().account, attachments_dir=settings.attachments_dir,
                        files=[(item.stream, item.media_type) for item in cleaned])
    try:
        session.commit()
    except BaseException:
        session.rollback()
        discard_files(settings.attachments_dir, receipt.attachments)
        raise
    return receipt


def upload_limit(settings: Settings) -> int:
    """The desk form's largest body in bytes: every file at its largest, plus 1 MiB of form."""
    return settings.attachment_max_files * settings.attachment_max_bytes + 1024 * 1024


def require_desk() -> None:
    """403 unless the logged-in staff member has the intake-desk role."""
    if not current_staff().account.intake_desk:
        abort(403)


def register(app: Flask) -> None:
    """Add ``/desk`` (GET the form, POST take it down, with files up to :func:`upload_limit`)."""

    def desk_upload_limit() -> None:
        if request.method == "POST" and request.endpoint == "desk_take_down":
            request.max_content_length = upload_limit(settings_of(current_app))

    # First of all: CSRF protection reads the form in an earlier hook, under the staff app's
    # small default body limit.
    app.before_request_funcs.setdefault(None, []).insert(0, desk_upload_limit)

    @app.get("/desk")
    def desk() -> str:
        require_desk()
        form = DeskForm()
        _offer(form)
        return render_template("desk.html", form=form, errors={})

    @app.post("/desk")
    def desk_take_down() -> str | tuple[str, int]:
        require_desk()
        form = DeskForm()
        _offer(form)
        if not form.validate():
            return render_template("desk.html", form=form, errors={},
                                   expired=True), 400
        received = _received_on(form)
        if received is None:
            errors = problem_messages({"received_on": "invalid"})
            return render_template("desk.html", form=form, errors=errors), 400
        uploads = [f for f in request.files.getlist("attachments") if f.filename]
        try:
            with _cleaned(uploads) as cleaned:
                receipt = _file(form, received, cleaned)
        except UploadRefused as exc:
            return render_template("desk.html", form=form,
                                   errors={"attachments": exc.message}), 400
        except InvalidSubmission as exc:
            db().rollback()
            return render_template("desk.html", form=form,
                                   errors=problem_messages(exc.problems)), 400
        return _receipt_page(form, receipt.case_number, receipt.tracking_code, received)


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_CASE_NUMBER = re.compile(r"^\d{4}/\d{6}$")


def register_letters(app: Flask) -> None:
    """Add ``POST /desk/letter.docx``: the acknowledgement letter of a complaint just taken
    down, made from what the receipt page posts (the code is not kept, so it comes back once
    more in the request body, never in a URL)."""

    @app.post("/desk/letter.docx")
    def desk_letter() -> Response:
        require_desk()
        form = LetterForm()
        try:
            code = display(normalise(form.code.data or ""))
            received = date.fromisoformat(form.received_on.data or "")
        except (MalformedTrackingCode, ValueError):
            abort(400)
        number = (form.case_number.data or "").strip()
        if not form.validate() or not _CASE_NUMBER.match(number):
            abort(400)
        settings = settings_of(current_app)
        data = acknowledgement_letter(
            letterhead(db()), addressee=(form.addressee.data or "").strip()[:200],
            case_number=number, code=code, received_on=received, today=_today(),
            track_url=tracking_link(settings.public_base_url, "").rstrip("#"))
        name = f"letter-{number.replace('/', '-')}.docx"
        return Response(data, mimetype=DOCX_TYPE, headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})


def register_role(app: Flask) -> None:
    """Add ``POST /admin/staff/<id>/desk``: an administrator gives or takes away the
    intake-desk role (``on`` = ``1`` or ``0``), audited as ``desk_role_changed``."""

    @app.post("/admin/staff/<int:account_id>/desk")
    @roles_required(Role.ADMIN)
    def staff_desk(account_id: int) -> WerkzeugResponse:
        account = db().get(StaffAccount, account_id)
        if account is None:
            abort(404)
        if not DeskRoleForm().validate():
            abort(400)
        allowed = request.form.get("on") == "1"
        set_intake_desk(db(), account, allowed, actor=Actor.of(current_staff().account))
        db().commit()
        if allowed:
            flash(_("%(user)s may now take down complaints at the intake desk.",
                    user=account.username), "ok")
        else:
            flash(_("%(user)s no longer has the intake-desk role.", user=account.username), "ok")
        return redirect(url_for("staff_account", account_id=account.id))
