"""Files on the citizen web form: limits, the request's spool, cleaning, and the messages.

The request body of ``/report`` and ``/track/information`` may be as large as
``attachment_max_files`` x ``attachment_max_mb`` MiB plus 1 MiB for the text
(:func:`upload_request_limit`); every other page keeps the app's 256 KiB. A larger body is
answered 413 with :func:`too_large_page` before any of it is parsed. Werkzeug parses the files
into :class:`UploadRequest`'s spool: in memory up to 500 KiB, then an anonymous temporary file in
``spool_dir`` (no name, gone when closed or when the process ends). :func:`cleaned_files`
checks the count, cleans each file (:func:`rongrian.channels.files.clean_upload`, in a child
process with a memory and time limit: :func:`rongrian.channels.isolation.clean_isolated`) and
closes everything it made on the way out, on success or error.

Nothing here logs or stores a file's name; the name the browser sent is only echoed back in an
error message to the person who chose the file.
"""

import contextlib
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from flask import Flask, Request, render_template, request
from flask_babel import gettext
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge

from rongrian.channels.files import (
    CleanedFile,
    FileRefused,
    FileTooLarge,
    UnreadableFile,
    UnsupportedFileType,
)
from rongrian.channels.isolation import CleaningFailed, clean_isolated
from rongrian.intake.attachments import discard_files
from rongrian.intake.models import Attachment
from rongrian.settings import Settings

#: Uploads up to this size stay in memory while the request is parsed (Werkzeug's default).
IN_MEMORY_BYTES = 500 * 1024
#: Room for the text fields and the multipart framing on top of the files.
FORM_ALLOWANCE = 1024 * 1024
#: Longest file name echoed back in a message.
NAME_CHARS = 60
#: What the file picker offers: by extension and by type, so phones offer their photos.
ACCEPT = ",".join([
    ".jpg", ".jpeg", ".png", ".heic", ".heif", ".pdf", ".docx", ".xlsx", ".pptx", ".odt",
    ".ods", ".odp", "image/jpeg", "image/png", "image/heic", "image/heif", "application/pdf",
])


def _(text: str, **variables: Any) -> str:
    return str(gettext(text, **variables))


class UploadRequest(Request):
    """Flask's request, spooling uploads to anonymous temporary files in ``spool_dir``."""

    spool_dir: str | None = None

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None,
                         ) -> IO[bytes]:
        return tempfile.SpooledTemporaryFile(  # noqa: SIM115 - Werkzeug closes it
            max_size=IN_MEMORY_BYTES, dir=self.spool_dir)


def upload_request_limit(settings: Settings) -> int:
    """Largest request body of a form that carries files, in bytes."""
    return settings.attachment_max_files * settings.attachment_max_bytes + FORM_ALLOWANCE


def chosen(field: Any) -> list[FileStorage]:
    """The files actually chosen in a ``MultipleFileField`` (a browser sends one empty part
    when none is chosen)."""
    return [item for item in (field.data or [])
            if isinstance(item, FileStorage) and item.filename]


def shown_name(upload: FileStorage) -> str:
    """The file's own name as the person chose it (no folders), shortened for a message."""
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _looks_like(detected: str) -> str:
    names = {
        "executable": _("a program"),
        "html": _("a web page or script"),
        "legacy-office": _("an old-format Office file (.doc, .xls, .ppt) or a "
                           "password-protected one"),
        "macro": _("an Office file with macros"),
        "archive": _("a compressed archive"),
        "image": _("an image format we do not accept"),
        "video": _("a video or sound file"),
        "audio": _("a video or sound file"),
        "empty": _("an empty file"),
    }
    return names.get(detected, _("a kind of file we do not accept"))


def refusal_message(name: str, error: FileRefused, settings: Settings) -> str:
    """Why the file ``name`` was refused, and what to do, in the current language."""
    if isinstance(error, CleaningFailed):
        return _("“%(name)s” needs more memory or time to check than one file may use. Please "
                 "send a smaller or simpler file, for example saved as PDF.", name=name)
    if isinstance(error, FileTooLarge):
        if error.reason == "pixels":
            return _("“%(name)s” is a picture with too many pixels (over %(mp)s megapixels). "
                     "Please send it at a lower resolution.", name=name,
                     mp=error.limit // 1_000_000)
        if error.reason == "expanded":
            return _("“%(name)s” holds too much data once unpacked. Please send a smaller "
                     "document, or save it as PDF.", name=name)
        return _("“%(name)s” is larger than %(mb)s MB. Please send a smaller file (for a photo, "
                 "a lower resolution).", name=name, mb=settings.attachment_max_mb)
    if isinstance(error, UnreadableFile):
        if error.reason == "encrypted":
            return _("“%(name)s” is protected by a password. Please send it without a "
                     "password.", name=name)
        return _("“%(name)s” seems damaged and could not be read. Please check that it opens "
                 "on your device and choose it again.", name=name)
    detected = error.detected if isinstance(error, UnsupportedFileType) else "unknown"
    return _("“%(name)s” cannot be accepted: its content is %(what)s, whatever its name says. "
             "Please send photos (JPEG, PNG, HEIC), PDF, or Word, Excel, PowerPoint or "
             "OpenDocument files.", name=name, what=_looks_like(detected))


def too_many_message(count: int, settings: Settings) -> str:
    """You chose ``count`` files, more than allowed."""
    return _("You chose %(count)s files; at most %(limit)s can be sent at a time.",
             count=count, limit=settings.attachment_max_files)


def choose_again_message() -> str:
    """Why the files are gone from a form shown again."""
    return _("Files you chose are not kept when the form is shown again: browsers do not "
             "allow it. Please choose them again before you send.")


class UploadRefused(Exception):
    """A file of the form was refused; ``message`` says which and why, in the reader's
    language. Nothing was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextlib.contextmanager
def cleaned_files(uploads: Sequence[FileStorage], settings: Settings
                  ) -> Iterator[list[CleanedFile]]:
    """Check the count and clean every upload; yield the cleaned files, close them at the end.

    Raises :class:`UploadRefused` for the first refused file (or too many files). Each upload's
    own spool is closed once it is cleaned, so at most one copy of each file is kept.
    """
    if len(uploads) > settings.attachment_max_files:
        raise UploadRefused(too_many_message(len(uploads), settings))
    done: list[CleanedFile] = []
    try:
        for upload in uploads:
            try:
                done.append(clean_isolated(upload.stream, settings))
            except FileRefused as exc:
                raise UploadRefused(refusal_message(shown_name(upload), exc, settings)) from exc
            finally:
                upload.close()
        yield done
    finally:
        for cleaned in done:
            cleaned.close()
        for upload in uploads:
            upload.close()


def file_kind_name(kind: str) -> str:
    """``image``, ``pdf``, ``document``, … as people say it, in the current language."""
    names = {"image": _("photo"), "pdf": _("PDF document"), "document": _("text document"),
             "spreadsheet": _("spreadsheet"), "presentation": _("presentation")}
    return names.get(kind, _("document"))


def file_size(size: int) -> str:
    """A size in bytes as ``350 KB`` or ``2.4 MB`` (1 MB = 1,048,576 bytes, as the limit)."""
    if size < 1024 * 1024:
        return f"{max(1, round(size / 1024))} KB"
    return f"{size / (1024 * 1024):.1f} MB"


@dataclass(frozen=True)
class UploadLimits:
    """What the file field and its hint need: ``files`` per submission, ``mb`` per file."""

    files: int
    mb: int
    accept: str = ACCEPT


def register_uploads(app: Flask, settings: Settings, endpoints: set[str]) -> None:
    """Let the form posts named by ``endpoints`` carry files: the request class with its
    spool, the larger body limit on those posts only, the 413 page and the template helpers."""
    spool = str(settings.spool_dir) if settings.spool_dir else None
    app.request_class = type("PublicRequest", (UploadRequest,), {"spool_dir": spool})
    limit = upload_request_limit(settings)
    limits = UploadLimits(settings.attachment_max_files, settings.attachment_max_mb)

    def raise_limit() -> None:
        if request.method == "POST" and request.endpoint in endpoints:
            request.max_content_length = limit

    def too_large(_error: RequestEntityTooLarge) -> tuple[str, int]:
        return render_template("too_large.html", limits=limits), 413

    def helpers() -> dict[str, Any]:
        return {"upload_limits": limits, "choose_again_message": choose_again_message,
                "file_kind_name": file_kind_name, "file_size": file_size}

    app.before_request(raise_limit)
    app.register_error_handler(RequestEntityTooLarge, too_large)
    app.context_processor(helpers)


def commit_or_discard(session: Session, attachments_dir: Path, rows: Sequence[Attachment]
                      ) -> None:
    """Commit the unit of work; if that fails, delete the files of ``rows`` and re-raise."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        discard_files(attachments_dir, rows)
        raise
