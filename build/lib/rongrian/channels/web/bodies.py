"""Only form data reaches the citizen pages' POST routes (issue 7 §4).

Flask-WTF reads a JSON body as if it were the form (``wrap_formdata``), so a top-level array,
string or number, or a number or object where text is expected, used to reach the core and end
in a 500. Every POST of the public app whose body is not ``application/x-www-form-urlencoded``
or ``multipart/form-data`` is answered 415 with a page in Thai and English before any view
reads it; the LINE webhook (JSON, signed) is the one exception. A POST with no body at all is
left to the view (its form check answers 400).
"""

from collections.abc import Callable, Iterable

from flask import render_template, request
from flask.typing import ResponseReturnValue

#: The media types a browser's form sends (HTML Living Standard, "form submission").
FORM_TYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})
_WITH_BODY = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def form_bodies_only(exempt: Iterable[str]) -> Callable[[], ResponseReturnValue | None]:
    """A ``before_request`` hook answering 415 to a non-form body on any endpoint except
    those in ``exempt`` (endpoint names)."""
    skipped = frozenset(exempt)

    def check() -> ResponseReturnValue | None:
        if request.method not in _WITH_BODY or request.endpoint in skipped:
            return None
        if request.mimetype in FORM_TYPES:
            return None
        if not request.mimetype and not request.content_length:
            return None
        return render_template("not_form_data.html"), 415

    return check
