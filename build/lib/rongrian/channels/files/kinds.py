"""Accepted media types, the first guess from a file's first bytes, and the cleaned result."""

from dataclasses import dataclass
from typing import IO

from rongrian.intake.attachments import MEDIA_TYPES

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"

#: How many first bytes :func:`sniff` looks at.
HEAD_BYTES = 1024


@dataclass
class CleanedFile:
    """A cleaned file in an anonymous temporary file; close it when done."""

    stream: IO[bytes]
    media_type: str
    size: int

    @property
    def extension(self) -> str:
        """``jpg``, ``png``, ``pdf``, ``docx``, …"""
        return MEDIA_TYPES[self.media_type][0]

    @property
    def kind(self) -> str:
        """``image``, ``pdf``, ``document``, ``spreadsheet`` or ``presentation``."""
        return MEDIA_TYPES[self.media_type][1]

    def close(self) -> None:
        """Close (and so delete) the temporary file."""
        self.stream.close()

    def __enter__(self) -> "CleanedFile":
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_OTHER_SIGNATURES: list[tuple[bytes, str]] = [
    (b"MZ", "executable"), (b"\x7fELF", "executable"), (b"\xca\xfe\xba\xbe", "executable"),
    (b"\xcf\xfa\xed\xfe", "executable"), (b"#!", "executable"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy-office"),
    (b"GIF8", "image"), (b"BM", "image"), (b"II*\x00", "image"), (b"MM\x00*", "image"),
    (b"Rar!", "archive"), (b"7z\xbc\xaf\x27\x1c", "archive"), (b"\x1f\x8b", "archive"),
    (b"{\\rtf", "rtf"), (b"ID3", "audio"), (b"OggS", "audio"), (b"\x1aE\xdf\xa3", "video"),
]
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"hevm", b"hevs",
                b"mif1", b"msf1"}
_MARKUP = (b"<!doctype", b"<html", b"<head", b"<body", b"<script", b"<svg", b"<?xml", b"<")


def sniff(head: bytes) -> str:
    """What the first bytes of a file say it is: ``jpeg``, ``png``, ``heif``, ``pdf``, ``zip``,
    or a label for a refused type (``executable``, ``html``, ``legacy-office``, ``image``,
    ``video``, ``archive``, ``unknown``, …). Only a first guess: the file is then parsed."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[4:8] == b"ftyp":
        return "heif" if head[8:12] in _HEIF_BRANDS else "video"
    if b"%PDF-" in head[:HEAD_BYTES]:
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"RIFF"):
        return "image" if head[8:12] == b"WEBP" else "video"
    for signature, label in _OTHER_SIGNATURES:
        if head.startswith(signature):
            return label
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(_MARKUP):
        return "html"
    return "unknown"
