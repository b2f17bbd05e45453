"""Why a file from a citizen is refused: named errors, whose messages never hold its content.

The web form maps each to a message in Thai and English
(:func:`rongrian.channels.web.uploads.refusal_message`); the LINE channel answers with its own.
"""


class FileRefused(Exception):
    """Base of the reasons a file is not accepted. Messages never contain the file's content."""


class UnsupportedFileType(FileRefused):
    """The content is not one of the accepted types, whatever its name says.

    ``detected`` says what it looked like: ``"executable"``, ``"html"``, ``"legacy-office"``,
    ``"macro"``, ``"archive"``, ``"image"``, ``"video"``, ``"document"``, ``"unknown"``, …
    """

    def __init__(self, detected: str = "unknown") -> None:
        super().__init__(detected)
        self.detected = detected


class FileTooLarge(FileRefused):
    """Over a limit: ``reason`` is ``"bytes"`` (the upload itself), ``"pixels"`` (an image, or
    an image inside a document) or ``"expanded"`` (what a document unpacks to); ``limit`` in
    the reason's unit (bytes or pixels)."""

    def __init__(self, reason: str, limit: int) -> None:
        super().__init__(f"{reason} over {limit}")
        self.reason = reason
        self.limit = limit


class DecompressionBomb(FileTooLarge):
    """A document (zip package) that unpacks to more than it may: one part over
    ``MAX_PART_BYTES`` or all parts together over ``MAX_EXPANDED_BYTES``, counted from the bytes
    actually inflated (a zip's stated sizes can lie), more than ``MAX_ZIP_ENTRIES`` parts, or an
    XML part to parse with more than ``MAX_XML_NODES`` elements and attributes.

    Always ``reason == "expanded"``; ``what`` is ``"part"``, ``"total"``, ``"entries"`` or
    ``"nodes"``; ``limit`` is that limit, in bytes (``"part"``, ``"total"``), parts or nodes.
    """

    def __init__(self, what: str, limit: int) -> None:
        super().__init__("expanded", limit)
        self.what = what


class UnreadableFile(FileRefused):
    """Looks like an accepted type but cannot be read: ``reason`` ``"corrupt"`` or
    ``"encrypted"`` (protected by a password)."""

    def __init__(self, reason: str = "corrupt") -> None:
        super().__init__(reason)
        self.reason = reason
