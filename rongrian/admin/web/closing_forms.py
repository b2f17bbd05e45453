"""Forms and "after"-photo cleaning of the case page's issue 9 actions (assignment,
extension, the status-and-message form, reply templates); used by :mod:`.cases` and
:mod:`.closing_pages`."""

import contextlib

from flask import current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import DateField, SelectField, StringField, TextAreaField

from rongrian.admin.web.cleaning import cleaned_uploads
from rongrian.admin.web.forms import StatusForm
from rongrian.channels.files import CleanedFile, FileRefused, FileTooLarge
from rongrian.intake.closing import PHOTO_TYPES
from rongrian.intake.store import LIMITS
from rongrian.web.app import settings_of

#: At most this many "after" photos with one status change.
MAX_PHOTOS = 3


class CloseForm(StatusForm):
    """The status form with the message to the complainant, a reply template to fill it and
    "after" photos."""

    message = TextAreaField(_l("Message to the complainant"))
    template = SelectField(_l("Reply template"), choices=[], validate_choice=False)
    evidence = MultipleFileField(_l("“After” photo"))


class AssignForm(FlaskForm):  # type: ignore[misc]
    """``officer``: the id of a member of the case's unit."""

    officer = SelectField(_l("Responsible officer"), choices=[], validate_choice=False)


class ExtendForm(FlaskForm):  # type: ignore[misc]
    """``due_on`` (a date) and ``reason``."""

    due_on = DateField(_l("New due date"))
    reason = TextAreaField(_l("Reason for the extension"))


class TemplateForm(FlaskForm):  # type: ignore[misc]
    """A new reply template: ``title`` and ``body``."""

    title = StringField(_l("Template title"))
    body = TextAreaField(_l("Template message"))


def chosen_photos(field_name: str = "evidence") -> list[FileStorage]:
    """The files chosen in the request's ``field_name`` (a browser sends one empty part when
    none is)."""
    return [item for item in request.files.getlist(field_name) if item.filename]


def cleaned_photos(uploads: list[FileStorage]) -> contextlib.AbstractContextManager[
        list[CleanedFile]]:
    """Clean each upload in the sandboxed cleaner (as every attachment is); yield them and
    close them at the end. Raises ``UploadRefused`` (also for a file that is not a
    photo once cleaned)."""
    return cleaned_uploads(uploads, max_files=MAX_PHOTOS,
                           too_many=str(_("At most %(count)s files.", count=MAX_PHOTOS)),
                           refusal=lambda _upload, error: _photo_refusal(error),
                           check=_not_a_photo)


def _not_a_photo(cleaned: CleanedFile) -> str | None:
    if cleaned.media_type in PHOTO_TYPES:
        return None
    return str(_("The “after” evidence must be a photo (JPEG, PNG or HEIC). Nothing was "
                 "changed."))


def _photo_refusal(error: FileRefused) -> str:
    if isinstance(error, FileTooLarge):
        return str(_("The photo is too large: at most %(mb)s MB. Nothing was changed.",
                     mb=settings_of(current_app).attachment_max_mb))
    return str(_("The “after” evidence must be a photo (JPEG, PNG or HEIC). Nothing was "
                 "changed."))


def closing_message(problems: dict[str, str]) -> str | None:
    """The page message for a refused status-and-message form, or ``None`` (a note problem,
    which :mod:`.cases` words)."""
    if problems.get("message") == "required":
        return str(_("A status that finishes the case needs a message to the complainant: "
                     "the reason, or what was done. Nothing was changed."))
    if problems.get("message") == "too_long":
        return str(_("The message is too long: at most %(limit)s characters.",
                     limit=f"{LIMITS['reply']:,}"))
    if problems.get("evidence") == "required":
        return str(_("This category needs an “after” photo to resolve a case. Please attach "
                     "one. Nothing was changed."))
    if problems.get("evidence") == "not_photo":
        return str(_("The “after” evidence must be a photo (JPEG, PNG or HEIC). Nothing was "
                     "changed."))
    return None
