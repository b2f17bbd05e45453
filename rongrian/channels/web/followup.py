"""The complainant's side of casework on ``/track`` (issue 9 §3-4): what they filed, the
handling unit, the status explained, the due date, and three POST forms that carry the code in
their body (never in a URL) and a one-time submission token (:mod:`.once`):

- ``POST /track/reopen``: "not fixed" with a message, within the reopen window;
- ``POST /track/rate``: a 1–5 rating with an optional comment, once the case is finished;
- ``POST /track/photo``: view an "after" photo the agency sent.

Refusals show the thread again with a Thai/English message, nothing changed.
"""

import uuid
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, Response, current_app
from flask.typing import ResponseReturnValue
from flask_babel import gettext, lazy_gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, TextAreaField

from rongrian.channels.web import once
from rongrian.channels.web.forms import has_csrf_error
from rongrian.intake import complainant
from rongrian.intake.attachments import AttachmentInfo
from rongrian.intake.errors import (
    AttachmentUnavailable,
    ComplaintNotFound,
    InvalidSubmission,
    MalformedTrackingCode,
    SubmissionAlreadyReceived,
)
from rongrian.intake.models import Status
from rongrian.intake.store import ComplainantView
from rongrian.web.app import db, settings_of

#: One line per status: what it means for the complainant (issue 9 §4).
EXPLANATIONS = {
    Status.RECEIVED: lazy_gettext("We have your complaint and will look at it soon."),
    Status.SCREENING: lazy_gettext("We are checking what the complaint is about and who "
                                   "should handle it."),
    Status.FORWARDED: lazy_gettext("Your complaint was sent on to the unit that can act on it."),
    Status.IN_PROGRESS: lazy_gettext("The unit is working on it."),
    Status.RESOLVED: lazy_gettext("The unit says the matter has been dealt with. If it is not "
                                  "fixed, you can tell us below."),
    Status.CLOSED: lazy_gettext("The case is closed; the reason is in the agency's reply."),
    Status.REJECTED: lazy_gettext("The agency cannot take this matter up; the reason is in its "
                                  "reply."),
}

Render = Callable[..., ResponseReturnValue]


class ReopenForm(FlaskForm):  # type: ignore[misc]
    """"Not fixed": the code (hidden), a one-time token and the message."""

    code = HiddenField()
    submission_token = HiddenField()
    text = TextAreaField(render_kw={"maxlength": 10_000})


class RateForm(FlaskForm):  # type: ignore[misc]
    """The rating: the code (hidden), a one-time token, a score 1–5 and a comment."""

    code = HiddenField()
    submission_token = HiddenField()
    score = RadioField(choices=[(str(n), str(n)) for n in range(5, 0, -1)],
                       validate_choice=False)
    comment = TextAreaField(render_kw={"maxlength": complainant.COMMENT_MAX})


class PhotoForm(FlaskForm):  # type: ignore[misc]
    """Viewing an "after" photo: the code and the attachment id."""

    code = HiddenField()
    photo = HiddenField()


def _message(problems: dict[str, str]) -> str:
    code = next(iter(problems.values()), "")
    messages = {
        "required": gettext("Please write what is still wrong. Nothing was changed."),
        "too_long": gettext("The text is too long. Nothing was changed."),
        "not_finished": gettext("This case is not finished, so it cannot be reopened or rated "
                                "yet. Nothing was changed."),
        "window_closed": gettext("The %(days)s days in which a finished case can be reopened "
                                 "have passed. Please file a new complaint and mention this "
                                 "case number. Nothing was changed.", days=30),
        "out_of_range": gettext("Please choose a rating from 1 to 5. Nothing was changed."),
        "duplicate": gettext("Your complaint was joined with another case and is followed "
                             "there. Nothing was changed."),
        "invalid": gettext("The text is too long. Nothing was changed."),
    }
    return str(messages.get(code, gettext("Nothing was changed. Please try again.")))


def extras(code_text: str, *, reopen_form: ReopenForm | None = None,
           rate_form: RateForm | None = None, notice: str = "", problem: str = "",
           problem_in: str = "", view: ComplainantView | None = None,
           files: Sequence[AttachmentInfo] | None = None) -> dict[str, Any]:
    """What ``thread.html`` shows of issue 9 for the code: the standing, the explanation of
    each status, and the forms the page shows (``None`` for one it does not show; the reopen
    and rating forms each with a valid one-time token). ``view`` and ``files``, the thread and
    the files read for the same code in this request, spare reading them again."""
    standing = complainant.standing(db(), settings_of(current_app).secrets.tracking_pepper,
                                    code_text, view=view, files=files)
    # A form is built (and its token signed) only when the page shows it: forms cost CPU.
    if reopen_form is None and standing.can_reopen:
        reopen_form = ReopenForm(formdata=None)
    if rate_form is None and standing.can_rate:
        rate_form = RateForm(formdata=None)
    for form in (reopen_form, rate_form):
        if form is not None:
            once.ensure_token(form)
    if standing.rating is not None and rate_form is not None and not rate_form.score.data:
        rate_form.score.data = str(standing.rating)
    return {"standing": standing, "explanations": EXPLANATIONS, "reopen_form": reopen_form,
            "rate_form": rate_form,
            "photo_form": PhotoForm(formdata=None) if standing.agency_files else None,
            "followup_notice": notice, "followup_problem": problem,
            "followup_problem_in": problem_in}


def _act(render: Render, form: ReopenForm | RateForm, which: str,
         action: Callable[[str], None], done: str) -> ResponseReturnValue:
    """Check the form and its token, run ``action(code)``, commit; show the thread again."""
    code_text = form.code.data or ""
    ticket = once.presented(form.submission_token.data)
    if ticket.spent(db()):
        return once.already_received("information")
    keep = {"reopen_form": form} if which == "reopen" else {"rate_form": form}
    if not form.validate() or ticket.refused:
        message = (gettext("Nothing was changed. Please try again.") if has_csrf_error(form)
                   else once.refused_message())
        return render(code_text, followup=dict(keep, problem=message, problem_in=which))
    try:
        ticket.spend(db())
        action(code_text)
        db().commit()
    except SubmissionAlreadyReceived:
        db().rollback()
        return once.already_received("information")
    except InvalidSubmission as exc:
        db().rollback()
        return render(code_text, followup=dict(keep, problem=_message(dict(exc.problems)),
                                               problem_in=which))
    except (MalformedTrackingCode, ComplaintNotFound):
        db().rollback()
        return render(code_text)
    return render(code_text, followup={"notice": done})


def register(app: Flask, render: Render, tracking: Callable[[Any], Any]) -> None:
    """Add ``/track/reopen``, ``/track/rate`` and ``/track/photo``; ``render(code, followup=…)``
    shows the thread page, ``tracking`` is the code lookups' shared rate limit."""
    pepper = settings_of(app).secrets.tracking_pepper

    def reopen() -> ResponseReturnValue:
        form = ReopenForm()
        return _act(render, form, "reopen",
                    lambda code: complainant.reopen(db(), pepper, code, form.text.data or ""),
                    gettext("Thank you. The case is open again and the unit has been told it "
                            "is not fixed."))

    def rate() -> ResponseReturnValue:
        form = RateForm()
        chosen = form.score.data or ""
        score: object = int(chosen) if chosen.isdigit() else chosen
        return _act(render, form, "rate",
                    lambda code: complainant.rate(db(), pepper, code, score,
                                                  form.comment.data or ""),
                    gettext("Thank you for rating how your complaint was handled."))

    def photo() -> ResponseReturnValue:
        form = PhotoForm()
        try:
            if not form.validate():
                raise ComplaintNotFound
            opened = complainant.open_agency_photo(
                db(), pepper, form.code.data or "", uuid.UUID(form.photo.data or ""),
                settings_of(current_app).attachments_dir)
        except (ValueError, MalformedTrackingCode, ComplaintNotFound, AttachmentUnavailable):
            db().rollback()
            return render(form.code.data or "")
        db().rollback()
        response = Response(opened.chunks(), mimetype=opened.info.media_type,
                            direct_passthrough=True)
        response.headers["Content-Length"] = str(opened.info.size)
        response.headers.set("Content-Disposition", "inline", filename=opened.info.name)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "no-store"
        return response

    csrf = app.extensions["csrf"]
    for view in (reopen, rate, photo):
        csrf.exempt(view)  # checked by the view's FlaskForm, which keeps what was typed
    for name, view in (("reopen", reopen), ("rate", rate), ("photo", photo)):
        app.add_url_rule(f"/track/{name}", endpoint=f"track_{name}", view_func=tracking(view),
                         methods=["POST"])
