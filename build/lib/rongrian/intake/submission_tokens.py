"""Spent one-time submission tokens, so a form sent twice files once (issue 7 §4).

The web form carries a token issued with the page (signed and dated by the adapter,
:mod:`rongrian.channels.web.once`). Filing spends it in the same transaction that files the
complaint or adds the information: :func:`spend` inserts ``SHA-256(token)`` into
``spent_submission_token`` (its primary key), so of two requests with one token only the first
to commit files; the other gets :class:`SubmissionAlreadyReceived` and rolls back. A crash rolls
back both the filing and the spending.

Nothing in a row links it to what it filed: the digest of a random token and the hour the
token expires (not the time of filing). :func:`purge_spent` deletes expired rows
(``rongrian maintenance``); a token past its expiry is refused by the adapter anyway, so a
purged row can never let a replay file again.
"""

import hashlib
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from rongrian.intake.errors import SubmissionAlreadyReceived
from rongrian.intake.models import SpentSubmissionToken


def token_digest(token: str) -> bytes:
    """``SHA-256`` of the token's UTF-8 bytes (32 bytes). A plain hash suffices: the token
    holds 128 random bits, so the digest cannot be reversed by guessing."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def is_spent(session: Session, token: str) -> bool:
    """Whether ``token`` was spent already (and its row not yet purged)."""
    found = session.scalar(select(SpentSubmissionToken.digest).where(
        SpentSubmissionToken.digest == token_digest(token)))
    return found is not None


def spend(session: Session, token: str, expires_at: datetime) -> None:
    """Record ``token`` as spent, in the caller's transaction; flushes at once, so a second
    spending of the same token waits for the first transaction and then fails.

    ``expires_at``: when the token stops being accepted (timezone-aware; the adapter rounds it
    to the hour). Raises :class:`SubmissionAlreadyReceived` if the token was spent already;
    the caller must then roll back (the transaction is unusable on PostgreSQL).
    """
    session.add(SpentSubmissionToken(digest=token_digest(token), expires_at=expires_at))
    try:
        session.flush()
    except IntegrityError:
        raise SubmissionAlreadyReceived from None


def purge_spent(session: Session, now: datetime) -> int:
    """Delete the spent tokens expired at ``now`` (timezone-aware); returns how many. Only
    flushes: the caller commits (``rongrian maintenance``)."""
    expired = select(SpentSubmissionToken.digest).where(SpentSubmissionToken.expires_at <= now)
    count = len(list(session.scalars(expired)))
    if count:
        session.execute(delete(SpentSubmissionToken).where(
            SpentSubmissionToken.expires_at <= now).execution_options(
            synchronize_session=False))
    session.flush()
    return count
