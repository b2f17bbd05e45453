"""Named exceptions of the domain core. Each adapter maps them to its own answer."""

from collections.abc import Mapping


class IntakeError(Exception):
    """Base class of every domain error."""


class InvalidSubmission(IntakeError):
    """A submission failed validation; nothing was stored.

    ``problems`` maps a field name to an error code: ``"required"``, ``"too_long"``,
    ``"unknown"``, ``"invalid"``. Adapters turn codes into messages in the user's language.
    """

    def __init__(self, problems: Mapping[str, str]) -> None:
        super().__init__(", ".join(f"{field}: {code}" for field, code in problems.items()))
        self.problems = dict(problems)


class MalformedTrackingCode(IntakeError):
    """Text that cannot be a tracking code: wrong length or characters outside the alphabet."""


class ComplaintNotFound(IntakeError):
    """No complaint answers to this tracking code, or this staff member may not see it.

    Deliberately the same error for "does not exist" and "not yours" so that neither a guesser
    nor a member of another unit learns which.
    """


class InvalidTransition(IntakeError):
    """The requested status change is not allowed from the complaint's current status."""


class KeyNotGranted(IntakeError):
    """The staff member belongs to the unit but has not yet been granted its key."""


class AuthenticationFailed(IntakeError):
    """Wrong user name or password (never says which)."""


class InvalidPeriod(IntakeError):
    """A reporting period label that is not ``YYYY``, ``YYYY-Qn``, ``YYYY-Hn`` or ``YYYY-MM``."""


class SetupError(IntakeError):
    """The installation is missing something it needs (keys, the integrity unit, a category)."""


class WrongRecoveryKey(IntakeError):
    """The recovery key given is well formed but is not this installation's (nothing changed)."""


class GrantRefused(IntakeError):
    """A key grant that may not be made: the account is not waiting for it (not a member, already
    granted, inactive, still on an administrator-issued password) or its role may never hold unit
    keys (administrators and executives: DESIGN.md, "Who uses it")."""


class AttachmentUnavailable(IntakeError):
    """An attachment's stored file is missing or failed authentication (damaged or tampered).

    Nothing of it is served; an adapter answers with an error page, never a partial file.
    """


class RevealNotPermitted(IntakeError):
    """Only an active account with the identity custodian role may reveal a complainant's
    identity or list cases for it (DESIGN.md promise 3); nothing was revealed or recorded."""


class SubmissionAlreadyReceived(IntakeError):
    """The form's one-time submission token was used already (a reload or a second press of
    the button): nothing was filed or added again (issue 7 §4)."""


class ReferenceChanged(IntakeError):
    """The organisation (categories, units, keys, days off) changed since the caller read it:
    a filing that was to confirm the change token wrote nothing; read the organisation again
    and file again (issue 11)."""


class NotText(IntakeError, TypeError):
    """A value that must be text is not a string (e.g. a number or an object from a JSON
    body); nothing was stored. A ``TypeError`` too, for callers that expect one."""
