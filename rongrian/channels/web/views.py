"""Citizen pages: the landing page, the complaint form and its receipt, and the tracking page.

The tracking code travels only in POST bodies and in the receipt's page body: never in a URL,
a cookie, a redirect or a log line. Forms carry their own CSRF check (Flask-WTF's, through
``FlaskForm``) instead of the app-wide one, so an expired token is answered with the form again,
everything typed kept, rather than with an error page that loses it.
"""

from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import (
    Flask,
    Response,
    current_app,
    g,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from markupsafe import Markup
from werkzeug.datastructures import FileStorage

from rongrian.channels.files import CleanedFile
from rongrian.channels.qr.codes import tracking_link_svg
from rongrian.channels.web import followup as follow_up
from rongrian.channels.web import notices as web_notices
from rongrian.channels.web import once
from rongrian.channels.web.bodies import form_bodies_only
from rongrian.channels.web.choices import Choice, Question, one_question
from rongrian.channels.web.forms import (
    InformationForm,
    ReportForm,
    TrackForm,
    add_problems,
    csrf_message,
    field_name,
    has_csrf_error,
    identifier_kind_name,
    identifiers_to_warn_about,
)
from rongrian.channels.web.uploads import (
    UploadRefused,
    chosen,
    cleaned_files,
    commit_or_discard,
    register_uploads,
)
from rongrian.intake.attachments import (
    attach_to_new_complaint,
    attach_with_code,
    discard_files,
    files_by_code,
    generic_name,
)
from rongrian.intake.errors import (
    ComplaintNotFound,
    InvalidSubmission,
    MalformedTrackingCode,
    ReferenceChanged,
    SubmissionAlreadyReceived,
)
from rongrian.intake.posters import find_poster
from rongrian.intake.store import Receipt, Submission, file_complaint, read_thread, validate
from rongrian.intake.store import add_information as store_information
from rongrian.intake.suggest import suggest_category
from rongrian.intake.tracking_codes import display, normalise
from rongrian.settings import Settings
from rongrian.web.agency import (
    confirmed_reference,
    current_reference,
    kept_reference,
    reference_for_token,
    reread_reference,
)
from rongrian.web.app import current_locale, db, hashed_client_key, reading_db, settings_of

STATIC = Path(__file__).resolve().parent / "static"
#: Code lookups (reading a thread, adding to one) share one budget per client: they are the only
#: place a guesser could try codes.
TRACK_LIMIT = "10 per minute;100 per day"
REPORT_LIMIT = "20 per hour"
LIMITER = "rongrian.public_limiter"
#: The format every tracking code message shows.
CODE_EXAMPLE = "ABCD-EFGH-JKMN-PQRS"


def _pepper() -> bytes:
    return settings_of(current_app).secrets.tracking_pepper


def _offer(form: ReportForm) -> Question:
    """Fill the form's choices from the database: the one question's categories
    (:mod:`.choices`, also kept in ``g.question`` for the template), and active units except
    the organisation itself (the root of the unit tree)."""
    english = current_locale() == "en"
    reference = current_reference()
    question = one_question(reference.categories, english=english)
    form.offer(
        [(choice.code, choice.name) for choice in question.all()],
        [(u.code, u.name_en if english else u.name_th) for u in reference.active_units()
         if u.parent_id is not None],
    )
    g.question = question
    form.notices_offered = g.notices_offered = web_notices.available()  # issue 9 §4
    return question


def _suggested(form: ReportForm, question: Question) -> Choice | None:
    """When no category was chosen but the text suggests one, pre-select it and return it, for
    the form to come back asking "ดูเหมือนเรื่อง …ใช่ไหม" (never filed under a guess)."""
    text = (form.what_happened.data or "").strip()
    if form.category.data or not text:
        return None
    category = suggest_category(db(), text, reference=current_reference())
    choice = question.find(category.code) if category is not None else None
    if choice is not None:
        form.category.data = choice.code
    return choice


def _with_kind(submission: Submission, question: Question) -> Submission:
    """``submission`` with its kind inferred from the category when the client sent none."""
    choice = question.find(submission.category_code)
    if submission.kind or choice is None:
        return submission
    return replace(submission, kind=choice.kind.value)


def home() -> str:
    """The landing page: file a complaint, follow one, and what is kept."""
    reading_db()
    return render_template("home.html")


def report() -> ResponseReturnValue:
    """GET: the form (``?unit=CODE&channel=qr`` from a QR poster). POST: file it."""
    if request.method == "GET":
        reading_db()
    else:
        kept_reference()  # the filing statement confirms it is current (issue 11)
    form = ReportForm()
    question = _offer(form)
    if request.method == "POST":
        g.poster = find_poster(db(), form.place.data)
        return _file(form, question)
    if request.args.get("channel") == "qr":
        form.channel.data = "qr"
    wanted = request.args.get("unit", "")
    g.poster = find_poster(db(), request.args.get("place"))
    if g.poster is not None:
        form.channel.data = "qr"
        form.place.data = g.poster.id
        wanted = wanted or g.poster.unit.code
    if wanted and wanted in {value for value, _name in form.unit.choices}:
        form.unit.data = wanted
    form.submission_token.data = once.issue_token()
    return render_template("report.html", form=form)


def _file(form: ReportForm, question: Question) -> ResponseReturnValue:
    """File a valid submission and show the receipt, or show the form again (400); a valid
    one without a category whose text suggests one comes back (200) asking to confirm it.

    Files are cleaned before anything is filed, so a refused file leaves nothing stored; a form
    shown again says the files must be chosen again (browsers cannot keep them). A form whose
    one-time token was spent gets the 409 page; an expired one comes back (:mod:`.once`)."""
    ticket = once.presented(form.submission_token.data)
    if ticket.spent(db()):
        return once.already_received("complaint")
    once.ensure_token(form)
    suggested = _suggested(form, question)
    submission = _with_kind(form.submission(), question)
    uploads = chosen(form.attachments) + chosen(form.documents)
    problems: dict[str, str] = {}
    if form.validate():
        if ticket.refused:
            return _report_again(form, files_lost=bool(uploads),
                                 token_refused=once.refused_message()), 400
        if suggested is not None:
            return _report_again(form, suggested=suggested, files_lost=bool(uploads))
        findings = identifiers_to_warn_about(form)
        if findings:
            return _report_again(form, findings=findings, files_lost=bool(uploads))
        try:
            with cleaned_files(uploads, settings_of(current_app)) as cleaned:
                return _file_with(submission, cleaned, ticket,
                                  notice_email=form.notice_email.data or "")
        except SubmissionAlreadyReceived:
            db().rollback()
            return once.already_received("complaint")
        except UploadRefused as exc:
            form.attachments.errors = [*form.attachments.errors, exc.message]
        except InvalidSubmission as exc:
            db().rollback()
            problems = exc.problems
    else:
        try:
            validate(db(), submission, reference=confirmed_reference())
        except InvalidSubmission as exc:
            problems = exc.problems
    if not form.kind.data and "category" in problems:
        problems.pop("kind", None)  # not asked: it follows from the category
    add_problems(form, problems)
    return _report_again(form, csrf_failed=has_csrf_error(form), files_lost=bool(uploads),
                         suggested=suggested), 400


def _report_again(form: ReportForm, **context: Any) -> str:
    """``report.html`` showing ``form`` again, not filed. A POST starts from the organisation
    the worker keeps (:func:`kept_reference`), which only a filing confirms: the form shown
    again is offered from the organisation as the database holds it now (an outage then gets
    the 503 page before anything more is typed)."""
    confirmed_reference()
    _offer(form)
    return render_template("report.html", form=form, **context)


def _file_with(submission: Submission, cleaned: list[CleanedFile], ticket: once.Ticket,
               *, notice_email: str = "") -> str:
    """File ``submission`` with its cleaned files in one transaction, spending ``ticket`` in
    it, and keep ``notice_email`` (when notices are offered) sealed for notices; commit; return
    the receipt page.

    The receipt (its QR code and its page) is drawn after the commit: the filing holds its
    fiscal year's case-number counter row locked until it commits, so every other filing
    waits for it (:mod:`rongrian.intake.filing_rows`); drawing outside that lock keeps the
    wait short (issue 11). What was filed is kept even if the page then fails; sending the
    form again then gets the "already received" page.

    Raises ``InvalidSubmission`` or ``SubmissionAlreadyReceived`` (rolled back by the caller;
    files written are deleted)."""
    settings = settings_of(current_app)
    receipt = _filed(submission, ticket)
    if notice_email.strip() and g.get("notices_offered"):
        web_notices.opt_in_after_filing(receipt.complaint_id, notice_email)
    stored = attach_to_new_complaint(db(), _pepper(), receipt.tracking_code,
                                     settings.attachments_dir,
                                     [(item.stream, item.media_type) for item in cleaned])
    try:
        files = [{"name": generic_name(receipt.case_number, row.position, item.media_type),
                  "kind": item.kind, "size": item.size}
                 for row, item in zip(stored, cleaned, strict=True)]
    except BaseException:
        discard_files(settings.attachments_dir, stored)
        raise
    commit_or_discard(db(), settings.attachments_dir, stored)
    # The QR code is our own markup, drawn from the code we just made: nothing typed.
    qr_svg = Markup(tracking_link_svg(settings.public_base_url,  # noqa: S704
                                      receipt.tracking_code))
    return render_template("receipt.html", receipt=receipt, qr_svg=qr_svg, files=files)


def _filed(submission: Submission, ticket: once.Ticket) -> Receipt:
    """File ``submission``, spending ``ticket``, against the organisation as the request holds
    it (:func:`kept_reference`: the filing statement confirms it is current); when it changed
    meanwhile, start again against the organisation read anew, which the submission is then
    validated against. Raises what :func:`file_complaint` raises."""
    ticket.spend(db())
    try:
        return file_complaint(db(), _pepper(), submission, reference=current_reference(),
                              confirm_token=True)
    except ReferenceChanged:
        db().rollback()
    ticket.spend(db())
    return file_complaint(db(), _pepper(), submission, reference=reread_reference())


def track() -> ResponseReturnValue:
    """GET: the code form. POST: the thread the code opens (400 malformed, 404 unknown).
    Only reads, so without a transaction (:func:`rongrian.web.app.reading_db`)."""
    reading_db()
    form = TrackForm()
    if request.method == "GET":
        return render_template("track.html", form=form)
    if not form.validate():
        return render_template("track.html", form=form, csrf_failed=has_csrf_error(form)), 400
    return _thread_or_error(form.code.data or "", form)


def _thread_or_error(code_text: str, track_form: TrackForm | None = None,
                     info_form: InformationForm | None = None, *, added: bool = False,
                     files_lost: bool = False, token_refused: bool = False,
                     followup: dict[str, Any] | None = None,
                     notices: dict[str, Any] | None = None) -> ResponseReturnValue:
    """The thread page for ``code_text``, or the malformed (400) / unknown (404) answer.

    The 404 body never depends on what was typed, so every unknown code gets the same page.
    """
    try:
        # The organisation's change token comes with the thread: one round trip (issue 11).
        view = read_thread(db(), _pepper(), code_text, reference=reference_for_token)
    except MalformedTrackingCode:
        form = track_form or TrackForm(formdata=None, code=code_text)
        return render_template("track.html", form=form, malformed=True,
                               example=CODE_EXAMPLE), 400
    except ComplaintNotFound:
        return render_template("track_unknown.html", example=CODE_EXAMPLE), 404
    code = display(normalise(code_text))
    if info_form is None:
        info_form = InformationForm(formdata=None, code=code)
    info_form.code.data = code
    once.ensure_token(info_form)
    files = files_by_code(db(), _pepper(), code_text) if view.has_files else []
    extra = follow_up.extras(code_text, view=view, files=files,  # issue 9 §3-4
                             **(followup or {}))
    extra.update(web_notices.extras(code_text, **(notices or {})))  # issue 9 §4: e-mail
    status = (400 if info_form.errors or files_lost or token_refused
              or extra["followup_problem"] or extra["notices_problem"] else 200)
    return render_template("thread.html", view=view, code=code, form=info_form,
                           added=added, files=files, files_lost=files_lost,
                           token_refused=once.refused_message() if token_refused else "",
                           **extra), status


def add_information() -> ResponseReturnValue:
    """POST ``code`` + ``information`` (+ files): add them to the thread, show it again."""
    form = InformationForm()
    ticket = once.presented(form.submission_token.data)
    if ticket.spent(db()):
        return once.already_received("information")
    code_text = form.code.data or ""
    uploads = chosen(form.attachments)
    if not form.validate():
        if has_csrf_error(form):
            # Without a valid token nothing is opened; the text stays in the form to resend.
            return render_template("thread.html", view=None, code=code_text, form=form,
                                   csrf_failed=True, files_lost=bool(uploads)), 400
        return _thread_or_error(code_text, info_form=form, files_lost=bool(uploads))
    if ticket.refused:
        return _thread_or_error(code_text, info_form=form, files_lost=bool(uploads),
                                token_refused=True)
    try:
        if uploads:
            _add_files(code_text, form.information.data or "", uploads, ticket)
        else:
            ticket.spend(db())
            store_information(db(), _pepper(), code_text, form.information.data or "")
            db().commit()
    except SubmissionAlreadyReceived:
        db().rollback()
        return once.already_received("information")
    except UploadRefused as exc:
        db().rollback()
        form.attachments.errors = [*form.attachments.errors, exc.message]
        return _thread_or_error(code_text, info_form=form, files_lost=True)
    except InvalidSubmission as exc:
        db().rollback()
        add_problems(form, exc.problems)
        return _thread_or_error(code_text, info_form=form, files_lost=bool(uploads))
    except (MalformedTrackingCode, ComplaintNotFound):
        db().rollback()
        return _thread_or_error(code_text, info_form=form, files_lost=bool(uploads))
    return _thread_or_error(code_text, added=True)


def _add_files(code_text: str, text: str, uploads: list[FileStorage], ticket: once.Ticket
               ) -> None:
    """Clean ``uploads`` and add them with ``text`` to the thread, spending ``ticket``;
    commit."""
    settings = settings_of(current_app)
    with cleaned_files(uploads, settings) as cleaned:
        ticket.spend(db())
        stored = attach_with_code(db(), _pepper(), code_text, settings.attachments_dir,
                                  [(item.stream, item.media_type) for item in cleaned],
                                  text=text)
        commit_or_discard(db(), settings.attachments_dir, stored)


def static_file(filename: str) -> Response:
    """This app's own script and stylesheet (same origin, as the CSP requires)."""
    return send_from_directory(STATIC, filename, max_age=3600)


def language_url(locale: str) -> str:
    """The current page in ``locale``, keeping a GET page's query (e.g. a QR poster's unit)."""
    if request.method == "GET" and request.endpoint in {"home", "report", "track"}:
        args: dict[str, Any] = {**request.args.to_dict(), "lang": locale}
        return url_for(request.endpoint, **args)
    return url_for("home", lang=locale)


def _template_helpers() -> dict[str, Any]:
    return {"language_url": language_url, "csrf_message": csrf_message,
            "identifier_kind_name": identifier_kind_name, "field_name": field_name}


def register(app: Flask, settings: Settings) -> None:
    """Add the citizen routes to ``app``, with their rate limits (Flask-Limiter, keyed by a
    daily HMAC of the client address so no address is kept) and their form-level CSRF."""
    limiter = Limiter(
        hashed_client_key(settings.secrets.public_secret_key),
        app=app,
        storage_uri=settings.ratelimit_storage,
        enabled=settings.ratelimit_enabled,
    )
    app.extensions[LIMITER] = limiter  # Flask-Limiter holds itself only weakly
    csrf = app.extensions["csrf"]
    tracking = limiter.shared_limit(TRACK_LIMIT, scope="tracking", methods=["POST"])
    for view in (report, track, add_information):
        csrf.exempt(view)  # checked by the view's FlaskForm, which keeps what was typed
    app.context_processor(_template_helpers)
    app.before_request(form_bodies_only(exempt={"line_webhook"}))
    register_uploads(app, settings, {"report", "add_information"})
    app.add_url_rule("/", view_func=home)
    app.add_url_rule("/report", view_func=limiter.limit(REPORT_LIMIT, methods=["POST"])(report),
                     methods=["GET", "POST"])
    app.add_url_rule("/track", view_func=tracking(track), methods=["GET", "POST"])
    app.add_url_rule("/track/information", view_func=tracking(add_information),
                     methods=["POST"])
    app.add_url_rule("/static/<path:filename>", endpoint="public_static", view_func=static_file)
    follow_up.register(app, _thread_or_error, tracking)  # /track/reopen, /rate, /photo
    web_notices.register(app, _thread_or_error, tracking)  # /track/notices (issue 9 §4)
