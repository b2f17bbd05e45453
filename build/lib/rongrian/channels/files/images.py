"""Images: decoded to pixels and written again, so nothing but the pixels survives.

A photo (JPEG, PNG, HEIC) is re-encoded after applying its EXIF orientation and converting an
embedded colour profile to sRGB: no EXIF (camera, GPS, time, ``Artist``), XMP, IPTC, comments,
profile or thumbnail is left. An image inside a document is re-encoded in its own format when
Pillow writes that format (JPEG, PNG, GIF, BMP, TIFF); any other (EMF, WMF, SVG, HD Photo, …)
is replaced by a blank placeholder PNG (:data:`PLACEHOLDER_PNG`).

Decoding is bounded: an image over :data:`MAX_IMAGE_PIXELS` is refused before its pixels are
decoded (Pillow's own decompression-bomb error is refused the same way).
"""

import io
from typing import IO

import pillow_heif
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from rongrian.channels.files.errors import FileTooLarge, UnreadableFile
from rongrian.channels.files.kinds import JPEG, PNG

#: Largest image accepted, in pixels (50 megapixels: a 50 MP phone photo at full resolution).
MAX_IMAGE_PIXELS = 50_000_000
JPEG_QUALITY = 92
#: Errors Pillow raises for a damaged image.
IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError)
#: Formats re-encoded as themselves when found inside a document.
_EMBEDDED_FORMATS = {"JPEG": "JPEG", "PNG": "PNG", "GIF": "GIF", "BMP": "BMP", "TIFF": "TIFF"}
pillow_heif.register_heif_opener()
_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


def _placeholder() -> bytes:
    out = io.BytesIO()
    Image.new("L", (1, 1), 255).save(out, format="PNG")
    return out.getvalue()


#: A 1 x 1 white PNG that stands in for an image that cannot be cleaned.
PLACEHOLDER_PNG = _placeholder()


def _to_srgb(image: Image.Image, profile: bytes | None) -> Image.Image:
    """Apply an embedded colour profile, so dropping it does not change the colours."""
    if not profile or image.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        mode = "RGBA" if image.mode == "RGBA" else "RGB"
        converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image
    return converted if converted is not None else image


def _opened(source: IO[bytes], formats: list[str]) -> Image.Image:
    """Open (not decode) an image, refusing it by its stated size before any pixel is read."""
    try:
        image = Image.open(source, formats=formats)
    except Image.DecompressionBombError as exc:
        raise FileTooLarge("pixels", MAX_IMAGE_PIXELS) from exc
    except IMAGE_ERRORS as exc:
        raise UnreadableFile("corrupt") from exc
    width, height = image.size
    if width * height > MAX_IMAGE_PIXELS:
        raise FileTooLarge("pixels", MAX_IMAGE_PIXELS)
    return image


def decoded(source: IO[bytes], formats: list[str]) -> Image.Image:
    """Open and fully decode an image of one of ``formats`` (Pillow names), oriented and in
    sRGB, with no metadata attached (a plain :class:`PIL.Image.Image`, not the file's object).

    Raises :class:`FileTooLarge` (``"pixels"``) or :class:`UnreadableFile`.
    """
    image = _opened(source, formats)
    try:
        image.load()
        profile = image.info.get("icc_profile")
        ImageOps.exif_transpose(image, in_place=True)  # no copy when already upright
        oriented: Image.Image = image
        if oriented.mode in ("P", "PA") or (
                "transparency" in oriented.info and oriented.mode in ("L", "RGB")):
            oriented = oriented.convert("RGBA")
        clean = _to_srgb(oriented, profile)
    except Image.DecompressionBombError as exc:
        raise FileTooLarge("pixels", MAX_IMAGE_PIXELS) from exc
    except IMAGE_ERRORS as exc:
        raise UnreadableFile("corrupt") from exc
    clean.info = {}
    return clean


def save_image(image: Image.Image, media_type: str, sink: IO[bytes]) -> None:
    """Write ``image`` as ``media_type`` (:data:`JPEG` or :data:`PNG`) with no metadata."""
    if media_type == JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(sink, format="JPEG", quality=JPEG_QUALITY, exif=b"")
        return
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "I;16"):
        image = image.convert("RGBA")
    image.save(sink, format="PNG", exif=b"")


def clean_image(source: IO[bytes], kind: str, sink: IO[bytes]) -> str:
    """Clean an uploaded photo (``kind`` ``jpeg``, ``png`` or ``heif``) into ``sink``; return
    its media type (HEIC comes out as JPEG)."""
    formats = {"jpeg": ["JPEG"], "png": ["PNG"], "heif": ["HEIF"]}[kind]
    media_type = PNG if kind == "png" else JPEG
    save_image(decoded(source, formats), media_type, sink)
    return media_type


def clean_image_bytes(raw: bytes, media_type: str) -> bytes:
    """Re-encode a JPEG or PNG held in memory (an image inside a document) without metadata.

    Raises :class:`UnreadableFile` or :class:`FileTooLarge`.
    """
    out = io.BytesIO()
    formats = ["JPEG"] if media_type == JPEG else ["PNG"]
    save_image(decoded(io.BytesIO(raw), formats), media_type, out)
    return out.getvalue()


def clean_embedded_image(raw: bytes) -> bytes | None:
    """An image found inside a document, re-encoded in its own format (by content: JPEG, PNG,
    GIF, BMP or TIFF; only the first frame or page), or ``None`` when it is not one of those
    or cannot be read (the caller puts :data:`PLACEHOLDER_PNG` in its place).

    Raises :class:`FileTooLarge` (``"pixels"``) for an image over :data:`MAX_IMAGE_PIXELS`.
    """
    try:
        with Image.open(io.BytesIO(raw), formats=list(_EMBEDDED_FORMATS)) as probe:
            image_format = str(probe.format)
    except Image.DecompressionBombError as exc:
        raise FileTooLarge("pixels", MAX_IMAGE_PIXELS) from exc
    except IMAGE_ERRORS:
        return None
    if image_format in ("JPEG", "PNG"):
        try:
            return clean_image_bytes(raw, JPEG if image_format == "JPEG" else PNG)
        except UnreadableFile:
            return None
    try:
        image = decoded(io.BytesIO(raw), [image_format]).copy()  # a plain image: no tags
        out = io.BytesIO()
        image.save(out, format=_EMBEDDED_FORMATS[image_format])
    except UnreadableFile:
        return None
    except IMAGE_ERRORS:
        return None
    return out.getvalue()
