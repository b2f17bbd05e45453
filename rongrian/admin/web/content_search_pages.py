"""``/cases/search``: search in the content of the member's units' open cases (issue 9 §1;
:mod:`rongrian.intake.content_search`).

GET shows the form. POST (CSRF-checked like every form) searches the next batch of
:data:`~rongrian.intake.content_search.BATCH` cases (read at each request): the query, the
position to continue from and the count searched so far travel in the POST body, never in the
address, and the "continue" button is a form of its own (no script). A refused query shows the
form again with the message (400). Each batch is audited without the query.
"""

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField

from rongrian.admin.web.auth import current_staff, roles_required
from rongrian.admin.web.cases import CASE_ROLES
from rongrian.intake import content_search
from rongrian.intake.content_search import (
    MAX_HITS,
    QUERY_MAX,
    TERMS_MAX,
    Batch,
    Cursor,
    count_open,
    search,
)
from rongrian.intake.errors import InvalidSubmission
from rongrian.web.app import db


class SearchForm(FlaskForm):  # type: ignore[misc]
    """``query``; ``after`` and ``done`` (cases searched so far) when continuing."""

    query = StringField(_l("Words to look for"))
    after = HiddenField()
    done = HiddenField()


def _problem(problems: dict[str, str]) -> str:
    code = problems.get("query") or problems.get("after", "")
    messages = {
        "required": _("Please write what to look for."),
        "too_short": _("Please write at least two letters to look for."),
        "too_long": _("The search is too long: at most %(chars)s characters and %(terms)s "
                      "words.", chars=QUERY_MAX, terms=TERMS_MAX),
    }
    return str(messages.get(code, _("The search position is not valid. Please start the "
                                    "search again.")))


def _done_before(form: SearchForm) -> int:
    text = form.done.data or ""
    if not form.after.data:
        return 0
    if not text.isdigit() or len(text) > 9:
        raise InvalidSubmission({"after": "invalid"})
    return int(text)


def _page(form: SearchForm, total: int, *, code: int = 200, **shown: object
          ) -> tuple[str, int]:
    return render_template("case_search.html", form=form, total=total,
                           batch_size=content_search.BATCH, max_hits=MAX_HITS,
                           query_max=QUERY_MAX, **{"batch": None, "error": None, "done": 0,
                                                   **shown}), code


def register(app: Flask) -> None:
    """Add ``/cases/search`` (GET: the form; POST: one batch)."""

    @app.route("/cases/search", methods=["GET", "POST"])
    @roles_required(*CASE_ROLES)
    def case_content_search() -> tuple[str, int]:
        user = current_staff()
        form = SearchForm()
        if not form.is_submitted():
            return _page(form, count_open(db(), user.account.id))
        try:
            done = _done_before(form)
            after = Cursor.parse(form.after.data) if form.after.data else None
            result: Batch = search(db(), user.unlocked, form.query.data or "", after=after,
                                   budget=content_search.BATCH)
        except InvalidSubmission as exc:
            db().rollback()
            return _page(form, count_open(db(), user.account.id), code=400,
                         error=_problem(dict(exc.problems)))
        db().commit()
        next_form = SearchForm(formdata=None, query=form.query.data,
                               after=result.after.text() if result.after else "",
                               done=str(done + result.searched))
        return _page(form, result.total, batch=result, next_form=next_form,
                     done=done + result.searched, first=done + 1)
