"""Files staff send in (a desk officer's scan, an "after" photo of a resolved case), cleaned in
the same limited child process as the citizens' uploads
(:func:`rongrian.channels.isolation.clean_isolated`), one loop for every staff page."""

import contextlib
from collections.abc import Callable, Iterator

from flask import current_app
from werkzeug.datastructures import FileStorage

from rongrian.channels.files import CleanedFile, FileRefused
from rongrian.channels.isolation import clean_isolated
from rongrian.web.app import settings_of


class UploadRefused(Exception):
    """A file was refused; ``message`` says which and why in the page's language. Nothing
    was stored."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@contextlib.contextmanager
def cleaned_uploads(uploads: list[FileStorage], *, max_files: int, too_many: str,
                    refusal: Callable[[FileStorage, FileRefused], str],
                    check: Callable[[CleanedFile], str | None] | None = None,
                    ) -> Iterator[list[CleanedFile]]:
    """Clean every upload; yield the cleaned files, close them (and the uploads) at the end.

    Raises :class:`UploadRefused` with ``too_many`` for more than ``max_files``, with
    ``refusal(upload, error)`` for the first file the cleaner refuses, and with what ``check``
    answers for a cleaned file it does not accept (``None``: accepted).
    """
    if len(uploads) > max_files:
        raise UploadRefused(too_many)
    settings = settings_of(current_app)
    done: list[CleanedFile] = []
    try:
        for upload in uploads:
            try:
                cleaned = clean_isolated(upload.stream, settings)
            except FileRefused as exc:
                raise UploadRefused(refusal(upload, exc)) from exc
            done.append(cleaned)
            problem = check(cleaned) if check is not None else None
            if problem is not None:
                raise UploadRefused(problem)
        yield done
    finally:
        for item in done:
            item.close()
        for upload in uploads:
            upload.close()
