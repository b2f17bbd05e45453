"""One-time submission tokens of the citizen forms: a reload files nothing (issue 7 §4).

Every complaint form and every "add information" form carries ``submission_token``: 16 random
bytes (``secrets``), signed and dated with the public app's secret key by itsdangerous (the
library Flask signs its own cookies with). Filing spends the token in the same transaction
(:mod:`rongrian.intake.submission_tokens`), so a browser that sends the form again (a reload of
the receipt, a phone restoring the tab, a double press) gets 409 and the "already received"
page, which says how to follow the complaint without showing its code again.

- A token past :data:`LIFETIME`, or not signed by us, is refused: the form comes back (400),
  everything typed kept, with a fresh token and a request to check it was not sent already.
- A form that fails validation does not spend its token: the citizen corrects and sends again.
- A POST without the field (a client that never loaded our page) is handled as before.
"""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import current_app, render_template
from flask_babel import gettext
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from rongrian.intake.submission_tokens import is_spent, spend

#: How long a form may stay open before sending it; spent tokens are kept as long.
LIFETIME = timedelta(hours=24)
FIELD = "submission_token"
_SALT = "rongrian.submission-token.v1"


def _serializer() -> URLSafeTimedSerializer:
    key = current_app.secret_key
    if not key:
        raise RuntimeError("the public app has no secret key")
    return URLSafeTimedSerializer(key, salt=_SALT)


def issue_token() -> str:
    """A fresh token for a form about to be shown (needs an app context)."""
    return _serializer().dumps(secrets.token_urlsafe(16))


def _hour_after(moment: datetime) -> datetime:
    """``moment`` rounded up to the hour: the only time a spent token's row keeps."""
    rounded = moment.replace(minute=0, second=0, microsecond=0)
    return rounded if rounded == moment else rounded + timedelta(hours=1)


@dataclass(frozen=True)
class Ticket:
    """The token a POST presented. ``state``: ``valid``, ``missing``, ``expired`` (older than
    :data:`LIFETIME`) or ``forged`` (not signed by us); ``expires_at`` set when valid."""

    token: str
    state: str
    expires_at: datetime | None = None

    @property
    def refused(self) -> bool:
        """Whether the form must be shown again instead of being acted on."""
        return self.state in {"expired", "forged"}

    def spent(self, session: Session) -> bool:
        """Whether a valid token was used already."""
        return self.state == "valid" and is_spent(session, self.token)

    def spend(self, session: Session) -> None:
        """Spend a valid token in the caller's transaction (nothing for a missing one).
        Raises ``SubmissionAlreadyReceived`` if another request spent it first."""
        if self.state == "valid" and self.expires_at is not None:
            spend(session, self.token, self.expires_at)


def presented(value: Any) -> Ticket:
    """Check the ``submission_token`` a form sent (any value; only a signed ``str`` of ours
    within :data:`LIFETIME` is valid)."""
    if not isinstance(value, str) or not value:
        return Ticket("", "missing")
    try:
        _nonce, issued = _serializer().loads(value, max_age=int(LIFETIME.total_seconds()),
                                             return_timestamp=True)
    except SignatureExpired:
        return Ticket(value, "expired")
    except BadSignature:
        return Ticket(value, "forged")
    return Ticket(value, "valid", _hour_after(issued.astimezone(UTC) + LIFETIME))


def ensure_token(form: Any) -> None:
    """Give ``form`` a fresh token unless it holds a valid one (before showing it again)."""
    field = getattr(form, FIELD)
    if presented(field.data).state != "valid":
        field.data = issue_token()


def refused_message() -> str:
    """What an expired or unknown form token means for the person, in the current language."""
    return str(gettext(
        "This form was open too long (or was changed), so nothing was sent yet. If you may "
        "have sent it already, check on the “Follow a complaint” page first; otherwise press "
        "the button again."))


def already_received(what: str) -> tuple[str, int]:
    """The 409 page: ``what`` is ``complaint`` or ``information``."""
    return render_template("already_received.html", what=what), 409
