"""Files from citizens: check the type by content, remove the metadata, for every channel.

The web form (:mod:`rongrian.channels.web`) and the LINE channel call the same function; what
they get back is handed to :mod:`rongrian.intake.attachments`, which encrypts it. Nothing here
stores anything or logs a file's content or name.

API::

    clean_upload(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None)
        -> CleanedFile

``source`` is a readable binary stream (seekable or not; read from its current position to its
end, never closed here). The type is decided by the bytes and by parsing the whole file, never by
a name or a client's Content-Type. Accepted, and what comes out (details in each module and in
``docs/attachments.md``):

==================  =====================================================================
JPEG, PNG, HEIC     pixels re-encoded (:mod:`.images`); HEIC comes out as JPEG
PDF                 rewritten by qpdf through pikepdf's object model (:mod:`.pdf`): no
                    document information, XMP, annotation authors or dates, JavaScript,
                    automatic or outside actions, embedded files, earlier revisions
DOCX, XLSX, PPTX,   rebuilt part by part from an allow-list (:mod:`.packages`, :mod:`.ooxml`,
ODT, ODS, ODP       :mod:`.odf`, :mod:`.xmlparts`): properties emptied, people and dates out
                    of comments and tracked changes, images re-encoded, embedded packages,
                    OLE objects, ActiveX, custom XML, thumbnails and every external
                    relationship dropped, with the package kept consistent
==================  =====================================================================

Refused with named errors (subclasses of :class:`FileRefused`, in :mod:`.errors`):
:class:`UnsupportedFileType`, :class:`FileTooLarge` (with :class:`DecompressionBomb` for
documents that unpack to too much), :class:`UnreadableFile`.

:class:`CleanedFile` holds the cleaned bytes in an anonymous temporary file (``stream``,
positioned at 0) with ``media_type``, ``extension`` and ``size``; use it as a context manager or
call ``close()``. Temporary files are made with :func:`tempfile.TemporaryFile`, which on Linux
has no name at all (``O_TMPFILE``): the plaintext disappears when it is closed or the process
ends, whatever error happened. Put ``spool_dir`` on a tmpfs or an encrypted disk to keep even
freed blocks of plaintext off plain disks.

Memory: a document is cleaned one part at a time (at most :data:`MAX_PART_BYTES` inflated);
a PDF is held by qpdf; an image needs its decoded pixels (up to :data:`MAX_IMAGE_PIXELS` x 4
bytes).
"""

import contextlib
import io
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from rongrian.channels.files.errors import (
    DecompressionBomb,
    FileRefused,
    FileTooLarge,
    UnreadableFile,
    UnsupportedFileType,
)
from rongrian.channels.files.images import (
    JPEG_QUALITY,
    MAX_IMAGE_PIXELS,
    clean_image,
    clean_image_bytes,
)
from rongrian.channels.files.kinds import (
    DOCX,
    HEAD_BYTES,
    JPEG,
    ODP,
    ODS,
    ODT,
    PDF,
    PNG,
    PPTX,
    XLSX,
    CleanedFile,
    sniff,
)
from rongrian.channels.files.packages import (
    MAX_EXPANDED_BYTES,
    MAX_PART_BYTES,
    MAX_ZIP_ENTRIES,
    clean_package,
)
from rongrian.channels.files.pdf import clean_pdf

__all__ = [
    "DOCX", "JPEG", "JPEG_QUALITY", "MAX_EXPANDED_BYTES", "MAX_IMAGE_PIXELS", "MAX_PART_BYTES",
    "MAX_ZIP_ENTRIES", "ODP", "ODS", "ODT", "PDF", "PNG", "PPTX", "XLSX", "CleanedFile",
    "DecompressionBomb", "FileRefused", "FileTooLarge", "UnreadableFile",
    "UnsupportedFileType", "clean_image_bytes", "clean_upload", "sniff",
]

_COPY_CHUNK = 64 * 1024


def _spool(source: IO[bytes], max_bytes: int, spool_dir: Path | None) -> IO[bytes]:
    """Copy ``source`` to an anonymous temporary file, refusing it past ``max_bytes``."""
    spool: IO[bytes] = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115 - closed by caller
    try:
        total = 0
        while chunk := source.read(_COPY_CHUNK):
            total += len(chunk)
            if total > max_bytes:
                raise FileTooLarge("bytes", max_bytes)
            spool.write(chunk)
        spool.seek(0)
    except BaseException:
        spool.close()
        raise
    return spool


def _new_output(spool_dir: Path | None) -> IO[bytes]:
    output: IO[bytes] = tempfile.TemporaryFile(dir=spool_dir)  # noqa: SIM115 - closed by caller
    return output


_CLEANERS: dict[str, Callable[[IO[bytes], IO[bytes]], str]] = {
    "jpeg": lambda source, sink: clean_image(source, "jpeg", sink),
    "png": lambda source, sink: clean_image(source, "png", sink),
    "heif": lambda source, sink: clean_image(source, "heif", sink),
    "pdf": clean_pdf,
    "zip": clean_package,
}


@contextlib.contextmanager
def _seekable(source: IO[bytes], max_bytes: int, spool_dir: Path | None) -> Iterator[IO[bytes]]:
    """``source`` itself when it is a seekable file within ``max_bytes`` (Werkzeug's uploads
    are), else a spooled copy, closed on exit."""
    if source.seekable():
        start = source.tell()
        size = source.seek(0, io.SEEK_END) - start
        source.seek(start)
        if size > max_bytes:
            raise FileTooLarge("bytes", max_bytes)
        yield source
        return
    spool = _spool(source, max_bytes, spool_dir)
    try:
        yield spool
    finally:
        spool.close()


def clean_upload(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None
                 ) -> CleanedFile:
    """Check ``source``'s type by content, remove its metadata, return the cleaned file.

    Raises :class:`UnsupportedFileType`, :class:`FileTooLarge` (:class:`DecompressionBomb`),
    :class:`UnreadableFile`; on any error every temporary file made here is already closed
    (and so gone).
    """
    with _seekable(source, max_bytes, spool_dir) as readable:
        start = readable.tell()
        head = readable.read(HEAD_BYTES)
        readable.seek(start)
        kind = sniff(head)
        cleaner = _CLEANERS.get(kind)
        if cleaner is None:
            raise UnsupportedFileType("empty" if not head else kind)
        sink = _new_output(spool_dir)
        try:
            media_type = cleaner(readable, sink)
            size = sink.tell()
            sink.seek(0)
        except BaseException:
            sink.close()
            raise
    return CleanedFile(sink, media_type, size)
