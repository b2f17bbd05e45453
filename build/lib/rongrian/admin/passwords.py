"""Which passwords a staff member may choose: long enough, and not a common or guessable one.

OWASP ASVS 4.0.3 §2.1.7 / ASVS 5.0 6.2.4 ask that a chosen password be checked against a list of
commonly used and breached passwords; NIST SP 800-63B §5.1.1.2 asks the same and forbids
composition rules (so none are made here). The list and the guess estimate are those of
``zxcvbn`` (the Python port of Dropbox's estimator, MIT licence): its frequency lists hold the
30,000 most common passwords of real leaks, English words, names and surnames, and it also finds
keyboard walks (``qwertyuiop``), sequences (``1234567890``), repeats, dates and l33t variants of
them. A password is refused when zxcvbn scores it below :data:`MIN_SCORE`, that is, when it
expects fewer than 10^6 guesses to find it; the user name and the person's name are given to it
as words an attacker would try first, and are refused outright too.
"""

import re

from zxcvbn import zxcvbn

#: Shortest password a holder may choose (NIST SP 800-63B asks at least 8; we ask 10).
MIN_PASSWORD = 10
#: Longest password accepted (the log-in form's limit).
MAX_PASSWORD = 1024
#: Lowest zxcvbn score accepted: 2 means at least 10^6 guesses (0: < 10^3, 1: < 10^6).
MIN_SCORE = 2
#: zxcvbn refuses longer input; the first 72 characters are what it judges.
_ESTIMATE_LENGTH = 72
_WORD = re.compile(r"[^\W_]{3,}")


def _fold(text: str) -> str:
    return "".join(text.split()).casefold()


def personal_words(username: str, display_name: str) -> list[str]:
    """The user name, the whole name and each of its words of 3 or more letters, folded to lower
    case: what an attacker who knows the person tries first."""
    words = [username.casefold(), _fold(display_name)]
    words += [word.casefold() for word in _WORD.findall(display_name)]
    return [word for word in words if word]


def is_guessable(password: str, *, username: str = "", display_name: str = "") -> bool:
    """True when ``password`` is common, or easy to guess from the list and patterns of zxcvbn
    (score below :data:`MIN_SCORE`), with the user name and name counted as known words."""
    result = zxcvbn(password[:_ESTIMATE_LENGTH],
                    user_inputs=personal_words(username, display_name))
    return int(result["score"]) < MIN_SCORE


def password_problem(new: str, *, username: str, display_name: str = "",
                     current: str | None = None) -> str | None:
    """What is wrong with ``new`` as a chosen password, as a code, or ``None``.

    Codes: ``required``, ``too_short`` (< :data:`MIN_PASSWORD` characters), ``too_long``
    (> :data:`MAX_PASSWORD`), ``same`` (equal to ``current``), ``is_username``, ``is_name``
    (the display name, spaces and case ignored), ``common`` (:func:`is_guessable`).
    """
    if not new:
        return "required"
    if len(new) < MIN_PASSWORD:
        return "too_short"
    if len(new) > MAX_PASSWORD:
        return "too_long"
    if current is not None and new == current:
        return "same"
    folded = _fold(new)
    if folded == username.casefold():
        return "is_username"
    if display_name and folded == _fold(display_name):
        return "is_name"
    if is_guessable(new, username=username, display_name=display_name):
        return "common"
    return None
