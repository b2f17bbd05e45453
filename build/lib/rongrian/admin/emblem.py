"""The agency's emblem: checked and re-encoded with Pillow before it is stored.

An emblem comes from the organisation file or the agency page's upload. Only PNG and JPEG are
accepted, at most :data:`MAX_BYTES` bytes and :data:`MAX_PIXELS` pixels (so a decompression bomb
is refused before it is decoded); it is shrunk to at most :data:`MAX_SIDE` pixels a side and
re-encoded as PNG, which drops every metadata chunk (EXIF, text) and any trailing data. The
result is stored in the database (``Agency.emblem``), so the organisation file may move after
set-up, and served from our own host (the pages' Content-Security-Policy allows images from
``'self'`` only).
"""

import hashlib
import io

from PIL import Image, UnidentifiedImageError

#: Largest emblem file accepted, in bytes.
MAX_BYTES = 2 * 1024 * 1024
#: Largest image accepted, in pixels (width × height), checked before decoding.
MAX_PIXELS = 4096 * 4096
#: Longest side of the stored emblem, in pixels.
MAX_SIDE = 512
#: Smallest side accepted, in pixels.
MIN_SIDE = 16
_FORMATS = ("PNG", "JPEG")


class EmblemRefused(ValueError):
    """The image cannot be an emblem. ``code``: ``too_large`` (bytes), ``not_image`` (not a
    PNG or JPEG Pillow can read), ``too_many_pixels``, ``too_small``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def clean_emblem(data: bytes) -> bytes:
    """Return ``data`` (a PNG or JPEG file) re-encoded as PNG, at most :data:`MAX_SIDE` pixels a
    side, without metadata. Raises :class:`EmblemRefused`."""
    if len(data) > MAX_BYTES:
        raise EmblemRefused("too_large")
    try:
        with Image.open(io.BytesIO(data), formats=_FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise EmblemRefused("too_many_pixels")
            if min(width, height) < MIN_SIDE:
                raise EmblemRefused("too_small")
            image.load()
            converted = image.convert("RGBA")
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise EmblemRefused("not_image") from exc
    converted.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    converted.save(out, format="PNG", optimize=True)
    return out.getvalue()


def emblem_digest(png: bytes) -> str:
    """SHA-256 of a stored emblem, in hex: the version of its address."""
    return hashlib.sha256(png).hexdigest()


#: Thai and English text of each :class:`EmblemRefused` code (CLI and file problems).
MESSAGES: dict[str, tuple[str, str]] = {
    "too_large": (f"ไฟล์ตราสัญลักษณ์ใหญ่เกิน {MAX_BYTES // (1024 * 1024)} MB",
                  f"the emblem file is larger than {MAX_BYTES // (1024 * 1024)} MB"),
    "not_image": ("ตราสัญลักษณ์ต้องเป็นไฟล์ PNG หรือ JPEG",
                  "the emblem must be a PNG or JPEG image"),
    "too_many_pixels": ("ภาพตราสัญลักษณ์ใหญ่เกินไป (เกิน 4096×4096 จุด)",
                        "the emblem image is too large (over 4096×4096 pixels)"),
    "too_small": (f"ภาพตราสัญลักษณ์เล็กเกินไป (น้อยกว่า {MIN_SIDE} จุด)",
                  f"the emblem image is too small (under {MIN_SIDE} pixels)"),
}
