"""The complainant's e-mail notices on the citizen pages (issue 9 §4).

Offered only when the agency can send them (:func:`available`: a notifier key exists and
``RONGRIAN_SMTP_HOST`` is set). On the complaint form the address is an optional field under
"More"; on ``/track`` the code holder opts in (or changes the address) and opts out with
``POST /track/notices`` — the code travels in the body, never in a URL. The address is sealed
to the notifier key at once (:mod:`rongrian.intake.notices`): neither this app nor staff can
read it back, so the page only ever says *whether* an address is kept, never which.
"""

import uuid
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from flask.typing import ResponseReturnValue
from flask_babel import gettext
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from rongrian.channels.web.forms import csrf_message, has_csrf_error, problem_message
from rongrian.intake import notices
from rongrian.intake.errors import ComplaintNotFound, InvalidSubmission, MalformedTrackingCode
from rongrian.intake.store import unlock_by_code
from rongrian.intake.workflow import FINISHED
from rongrian.mail import MailError, settings_from_environment
from rongrian.web.app import db, settings_of

Render = Callable[..., ResponseReturnValue]


class NoticeForm(FlaskForm):  # type: ignore[misc]
    """``/track/notices``: the code (hidden), ``action`` (``on`` or ``off``) and the address."""

    code = HiddenField()
    action = HiddenField(default="on")
    notice_email = StringField(render_kw={"maxlength": notices.ADDRESS_MAX * 2})


def available() -> bool:
    """Whether notices are offered: the notifier key exists and e-mail is configured."""
    try:
        mail = settings_from_environment()
    except MailError:
        return False
    return mail is not None and notices.public_key(db()) is not None


def opt_in_after_filing(complaint_id: uuid.UUID, address: str) -> None:
    """Keep ``address`` (already checked by the form) for the complaint just filed, in the
    filing's transaction. Raises ``InvalidSubmission`` (the notifier key went away)."""
    notices.opt_in(db(), complaint_id, address)


def extras(code_text: str, *, form: NoticeForm | None = None, notice: str = "",
           problem: str = "") -> dict[str, Any]:
    """What ``thread.html`` shows of notices for ``code_text``: whether they are offered for
    this case (not finished), whether an address is kept, the form (``None`` when not
    offered and none was given) and a message."""
    offered = False
    kept = False
    if available():
        complaint, _keys = unlock_by_code(db(), settings_of(current_app).secrets.tracking_pepper,
                                          code_text)
        kept = notices.opted_in(db(), complaint.id)
        offered = complaint.status not in FINISHED
    if form is None and offered:  # built only when the page shows it
        form = NoticeForm(formdata=None)
    return {"notices_offered": offered, "notices_kept": kept, "notice_form": form,
            "notices_message": notice, "notices_problem": problem}


def _change(form: NoticeForm, pepper: bytes) -> str:
    """Apply the form; return what to tell the person. Raises ``InvalidSubmission``,
    ``MalformedTrackingCode`` or ``ComplaintNotFound``."""
    code = form.code.data or ""
    if form.action.data == "off":
        notices.opt_out_by_code(db(), pepper, code)
        return str(gettext("Done: no more e-mail notices for this case, and the address was "
                           "deleted."))
    notices.opt_in_by_code(db(), pepper, code, form.notice_email.data or "")
    return str(gettext("Done: we will e-mail you when something changes. The message will not say "
                       "what changed: read it here with your code."))


def register(app: Flask, render: Render, tracking: Callable[[Any], Any]) -> None:
    """Add ``POST /track/notices``; ``render(code, notices=…)`` shows the thread page,
    ``tracking`` is the code lookups' shared rate limit."""
    pepper = settings_of(app).secrets.tracking_pepper

    def change() -> ResponseReturnValue:
        form = NoticeForm()
        code = form.code.data or ""
        if not form.validate() or not available():
            problem = (csrf_message() if has_csrf_error(form)
                       else problem_message(notices.FIELD, "unavailable"))
            return render(code, notices={"form": form, "problem": problem})
        try:
            done = _change(form, pepper)
            db().commit()
        except InvalidSubmission as exc:
            db().rollback()
            problem = problem_message(notices.FIELD, exc.problems.get(notices.FIELD, "invalid"))
            return render(code, notices={"form": form, "problem": problem})
        except (MalformedTrackingCode, ComplaintNotFound):
            db().rollback()
            return render(code)
        return render(code, notices={"notice": done})

    app.extensions["csrf"].exempt(change)  # checked by the FlaskForm, which keeps what was typed
    app.add_url_rule("/track/notices", endpoint="track_notices", view_func=tracking(change),
                     methods=["POST"])
