"""Files from citizens: check the type by content, remove the metadata, for every channel.

The web form (:mod:`rongrian.channels.web`) and the LINE channel call the same function; what
they get back is handed to :mod:`rongrian.intake.attachments`, which encrypts it. Nothing here
stores anything or logs a file's content or name.

API::

    clean_upload(source: IO[bytes], *, max_bytes: int, spool_dir: Path | None = None)
        -> CleanedFile

``source`` is a readable binary stream (seekable or not; read from its current position to its
end, never closed here). The type is decided by the bytes and by parsing the whole file, never by
a name or a client's Content-Type. Accepted, and what comes out:

==================  =====================================================================
JPEG, PNG           pixels re-encoded (JPEG quality 92, PNG lossless) after applying the
                    EXIF orientation and converting an embedded colour profile to sRGB: no
                    EXIF (camera, GPS, time), XMP, IPTC, comments, profile or thumbnail left
HEIC/HEIF (phones)  read with pillow-heif and re-encoded as JPEG, the same way
PDF                 rewritten by qpdf (pikepdf): document information dictionary (author,
                    creator, producer, dates), XMP metadata of the document and of every
                    object, ``/PieceInfo`` and the file ``/ID`` removed, password-free owner
                    restrictions dropped, earlier revisions (incremental updates) gone; JPEG
                    images inside with EXIF/XMP are re-encoded without it
DOCX, XLSX, PPTX,   the zip rewritten part by part: ``docProps/core.xml``, ``app.xml`` and
ODT, ODS, ODP       ``custom.xml`` (ODF ``meta.xml``) replaced by empty ones; thumbnails and ODF
                    ``settings.xml`` (printer names) removed; author names and initials of
                    comments and tracked changes blanked; local ``file:`` paths (which carry
                    user names) blanked; JPEG/PNG images inside cleaned like photos; every zip
                    entry dated 1980-01-01 with no extra fields or comment
==================  =====================================================================

Refused with named errors (subclasses of :class:`FileRefused`):

- :class:`UnsupportedFileType` (``detected`` says what it looked like: ``"executable"``,
  ``"html"``, ``"legacy-office"``, ``"macro"``, ``"archive"``, ``"image"``, ``"video"``,
  ``"unknown"``, …);
- :class:`FileTooLarge` (``limit``; ``reason`` ``"bytes"`` over ``max_bytes``, ``"pixels"``
  over :data:`MAX_IMAGE_PIXELS`, ``"expanded"`` a document that unpacks to more than
  :data:`MAX_EXPANDED_BYTES` or has more than :data:`MAX_ZIP_ENTRIES` parts);
- :class:`UnreadableFile` (``reason`` ``"corrupt"`` or ``"encrypted"`` for a password).

:class:`CleanedFile` holds the cleaned bytes in an anonymous temporary file (``stream``,
positioned at 0) with ``media_type``, ``extension`` and ``size``; use it as a context manager or
call ``close()``. Temporary files are made with :func:`tempfile.TemporaryFile`, which on Linux
has no name at all (``O_TMPFILE``): the plaintext disappears when it is closed or the process
ends, whatever error happened. Put ``spool_dir`` on a tmpfs or an encrypted disk to keep even
freed blocks of plaintext off plain disks.

Memory: a document or PDF is streamed part by part; an image needs its decoded pixels (up to
:data:`MAX_IMAGE_PIXELS` x 4 bytes).
"""

import contextlib
import io
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, BinaryIO, cast

import pikepdf
import pillow_heif
from lxml import etree
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from rongrian.intake.attachments import MEDIA_TYPES

pillow_heif.register_heif_opener()

#: Largest image accepted, in pixels (50 megapixels: a 50 MP phone photo at full resolution).
MAX_IMAGE_PIXELS = 50_000_000
#: Largest total a document may unpack to, and its most parts (zip bombs).
MAX_EXPANDED_BYTES = 512 * 1024 * 1024
MAX_ZIP_ENTRIES = 10_000
JPEG_QUALITY = 92
_COPY_CHUNK = 64 * 1024
_HEAD_BYTES = 1024

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODT = "application/vnd.oasis.opendocument.text"
ODS = "application/vnd.oasis.opendocument.spreadsheet"
ODP = "application/vnd.oasis.opendocument.presentation"


class FileRefused(Exception):
    """Base of the reasons a file is not accepted. Messages never contain the file's content."""


class UnsupportedFileType(FileRefused):
    """The content is not one of the accepted types, whatever its name says."""

    def __init__(self, detected: str = "unknown") -> None:
        super().__init__(detected)
        self.detected = detected


class FileTooLarge(FileRefused):
    """Over a limit: ``reason`` is ``"bytes"``, ``"pixels"`` or ``"expanded"``; ``limit`` in
    the reason's unit."""

    def __init__(self, reason: str, limit: int) -> None:
        super().__init__(f"{reason} over {limit}")
        self.reason = reason
        self.limit = limit


class UnreadableFile(FileRefused):
    """Looks like an accepted type but cannot be read: ``reason`` ``"corrupt"`` or
    ``"encrypted"`` (protected by a password)."""

    def __init__(self, reason: str = "corrupt") -> None:
        super().__init__(reason)
        self.reason = reason


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


# --- recognising the type -----------------------------------------------------------------

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
    if b"%PDF-" in head[:_HEAD_BYTES]:
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


# --- spooling -----------------------------------------------------------------------------

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


# --- images -------------------------------------------------------------------------------

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))
_IMAGE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, UnidentifiedImageError,
                 Image.DecompressionBombError)


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


def _decoded(source: IO[bytes], formats: list[str]) -> Image.Image:
    """Open and fully decode an image of one of ``formats``, oriented and in sRGB, with no
    metadata attached."""
    try:
        image = Image.open(source, formats=formats)
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise FileTooLarge("pixels", MAX_IMAGE_PIXELS)
        image.load()
        profile = image.info.get("icc_profile")
        ImageOps.exif_transpose(image, in_place=True)  # no copy when already upright
        oriented: Image.Image = image
        if oriented.mode in ("P", "PA") or (
                "transparency" in oriented.info and oriented.mode in ("L", "RGB")):
            oriented = oriented.convert("RGBA")
        clean = _to_srgb(oriented, profile)
    except FileTooLarge:
        raise
    except _IMAGE_ERRORS as exc:
        raise UnreadableFile("corrupt") from exc
    clean.info = {}
    return clean


def _save_image(image: Image.Image, media_type: str, sink: IO[bytes]) -> None:
    if media_type == JPEG:
        if image.mode not in ("RGB", "L"):
            image = image.convert("RGB")
        image.save(sink, format="JPEG", quality=JPEG_QUALITY, exif=b"")
        return
    if image.mode not in ("1", "L", "LA", "RGB", "RGBA", "I", "I;16"):
        image = image.convert("RGBA")
    image.save(sink, format="PNG", exif=b"")


def _clean_image(source: IO[bytes], kind: str, sink: IO[bytes]) -> str:
    formats = {"jpeg": ["JPEG"], "png": ["PNG"], "heif": ["HEIF"]}[kind]
    media_type = PNG if kind == "png" else JPEG
    _save_image(_decoded(source, formats), media_type, sink)
    return media_type


def clean_image_bytes(raw: bytes, media_type: str) -> bytes:
    """Re-encode a JPEG or PNG held in memory (an image inside a document) without metadata.

    Raises :class:`UnreadableFile` or :class:`FileTooLarge`.
    """
    out = io.BytesIO()
    formats = ["JPEG"] if media_type == JPEG else ["PNG"]
    _save_image(_decoded(io.BytesIO(raw), formats), media_type, out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------

_PDF_METADATA_KEYS = ("/Metadata", "/PieceInfo")


def _jpeg_header_readable(probe: bytes) -> bool:
    """Whether the first bytes of a JPEG hold all of its header (up to the image data)."""
    with contextlib.suppress(*_IMAGE_ERRORS), Image.open(io.BytesIO(probe),
                                                         formats=["JPEG"]):
        return True
    return False


def _jpeg_has_metadata(raw: bytes) -> bool:
    """Whether a JPEG stream carries EXIF/XMP (APP1), IPTC (APP13) or comments."""
    with contextlib.suppress(*_IMAGE_ERRORS), Image.open(io.BytesIO(raw),
                                                         formats=["JPEG"]) as image:
        markers = [marker for marker, _data in getattr(image, "applist", [])]
        return bool({"exif", "xmp", "photoshop", "comment"} & set(image.info)
                    or {"APP1", "APP13", "COM"} & set(markers))
    return False


#: How much of a JPEG inside a PDF is read to look for metadata segments (they come before the
#: image data); when its markers do not fit, the image is re-encoded all the same.
_JPEG_PROBE_BYTES = 256 * 1024


def _clean_pdf_image(obj: pikepdf.Stream) -> None:
    if obj.get("/Subtype") != pikepdf.Name.Image or obj.get("/Filter") != pikepdf.Name.DCTDecode:
        return
    raw_buffer = memoryview(obj.get_raw_stream_buffer())
    probe = bytes(raw_buffer[:_JPEG_PROBE_BYTES])
    whole_header = len(probe) == len(raw_buffer) or _jpeg_header_readable(probe)
    if whole_header and not _jpeg_has_metadata(probe):
        return  # nothing to remove: the image is copied as it is
    raw = bytes(raw_buffer)
    with Image.open(io.BytesIO(raw), formats=["JPEG"]) as image:
        mode = image.mode
    obj.write(clean_image_bytes(raw, JPEG), filter=pikepdf.Name.DCTDecode)
    if mode not in ("RGB", "L"):
        # A CMYK image comes back as RGB (clean_image_bytes writes RGB or grey JPEGs only).
        obj.ColorSpace = pikepdf.Name.DeviceRGB
        obj.BitsPerComponent = 8
        if "/Decode" in obj:
            del obj["/Decode"]


def _clean_pdf(source: IO[bytes], sink: IO[bytes]) -> str:
    try:
        pdf = pikepdf.open(cast(BinaryIO, source))
    except pikepdf.PasswordError as exc:
        raise UnreadableFile("encrypted") from exc
    except pikepdf.PdfError as exc:
        raise UnreadableFile("corrupt") from exc
    try:
        with pdf:
            for key in ("/Info", "/ID"):
                if key in pdf.trailer:
                    del pdf.trailer[key]
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                    for key in _PDF_METADATA_KEYS:
                        if key in obj:
                            del obj[key]
                if isinstance(obj, pikepdf.Stream):
                    _clean_pdf_image(obj)
            if len(pdf.pages) == 0:
                raise UnreadableFile("corrupt")
            pdf.save(cast(BinaryIO, sink), encryption=False, fix_metadata_version=False,
                     preserve_pdfa=False)
    except pikepdf.PdfError as exc:
        raise UnreadableFile("corrupt") from exc
    return PDF


# --- office documents (OOXML and ODF) -----------------------------------------------------

_OOXML_MAIN = {
    "word/document.xml": (
        DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xl/workbook.xml": (
        XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "ppt/presentation.xml": (
        PPTX,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}
_ODF_TYPES = {ODT, ODS, ODP}
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
_EMPTY_PARTS = {
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<cp:coreProperties xmlns:cp="{_CP}" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    ).encode(),
    "docProps/app.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="'
        b'http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="'
        b'http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
    ),
    "docProps/custom.xml": (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="'
        b'http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" xmlns:vt="'
        b'http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"/>'
    ),
}
_ODF_META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office='
    '"urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="{version}">'
    "<office:meta/></office:document-meta>"
)
#: Attributes (by local name) that hold a person's name or account in comments, tracked changes
#: and co-authoring records of Word, Excel and PowerPoint.
_PERSON_ATTRIBUTES = {"author", "initials", "userId", "providerId", "displayName", "userName"}
#: Elements (by local name) whose ``name`` attribute is a person (PowerPoint comment authors).
_PERSON_ELEMENTS = {"cmAuthor", "author"}
#: Elements (by local name) whose text is a person: Excel's comment authors, ODF's creators.
_PERSON_TEXT = {"{http://schemas.openxmlformats.org/spreadsheetml/2006/main}author",
                "{http://purl.org/dc/elements/1.1/}creator"}
_ABS_PATH = "{http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac}absPath"
_PERSON_HINTS = (b"author", b"initials", b"userId", b"providerId", b"displayName", b"userName",
                 b"creator", b"absPath", b"file:")
_IMAGE_FOLDERS = ("word/media/", "xl/media/", "ppt/media/", "Pictures/")
_MACRO_MARKERS = ("vbaProject.bin", "Basic/", "Scripts/")
_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
_MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"


def _parser() -> etree.XMLParser:
    # No entities, no DTD, no network: an XML part can neither read files nor blow up.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False)


def _parse(raw: bytes) -> etree._ElementTree:
    try:
        return etree.ElementTree(etree.fromstring(raw, _parser()))
    except etree.XMLSyntaxError as exc:
        raise UnreadableFile("corrupt") from exc


def _serialise(tree: etree._ElementTree) -> bytes:
    standalone = tree.docinfo.standalone
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8",
                                standalone=standalone))


def _local(name: object) -> str:
    return str(name).rpartition("}")[2]


def _blank_people(raw: bytes) -> bytes:
    """Blank author names, initials, accounts and local paths in one XML part."""
    if not any(hint in raw for hint in _PERSON_HINTS):
        return raw
    tree = _parse(raw)
    changed = False
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for attribute in element.attrib:
            local = _local(attribute)
            person = local in _PERSON_ATTRIBUTES or (
                local == "name" and _local(element.tag) in _PERSON_ELEMENTS)
            if person and element.attrib[attribute]:
                element.attrib[attribute] = ""
                changed = True
        if element.tag in _PERSON_TEXT and element.text:
            element.text = ""
            changed = True
        if element.tag == _ABS_PATH and element.get("url"):
            element.set("url", "")
            changed = True
    return _serialise(tree) if changed else raw


def _blank_local_targets(raw: bytes) -> bytes:
    """In a relationships part, blank external targets that are local paths (``file:///C:/
    Users/<name>/…``, attached templates)."""
    if b"file:" not in raw.lower() and b":\\" not in raw:
        return raw
    tree = _parse(raw)
    for rel in tree.iter(f"{{{_REL_NS}}}Relationship"):
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External" and (
                target.lower().startswith("file:") or ":\\" in target):
            rel.set("Target", "")
    return _serialise(tree)


def _drop_references(raw: bytes, dropped: set[str], part: str) -> bytes:
    """Remove what points at ``dropped`` parts from ``_rels/.rels``, ``[Content_Types].xml`` or
    an ODF manifest."""
    tree = _parse(raw)
    root = tree.getroot()
    for element in list(root.iter()):
        if part == "_rels/.rels":
            name = element.get("Target", "").lstrip("/")
        elif part == "[Content_Types].xml":
            name = element.get("PartName", "").lstrip("/") if _local(element.tag) == "Override" \
                else ""
        else:
            name = element.get(f"{{{_MANIFEST_NS}}}full-path", "")
        if name in dropped:
            parent = element.getparent()
            if parent is not None:
                parent.remove(element)
    return _serialise(tree)


@dataclass(frozen=True)
class _Package:
    media_type: str
    odf: bool
    dropped: frozenset[str]


def _zip_package(archive: zipfile.ZipFile) -> _Package:
    """Recognise an OOXML or ODF document in a zip (after the zip-bomb checks)."""
    infos = archive.infolist()
    names = [info.filename for info in infos]
    if len(infos) > MAX_ZIP_ENTRIES:
        raise FileTooLarge("expanded", MAX_EXPANDED_BYTES)
    if sum(info.file_size for info in infos) > MAX_EXPANDED_BYTES:
        raise FileTooLarge("expanded", MAX_EXPANDED_BYTES)
    if len(set(names)) != len(names) or any(
            name.startswith("/") or ".." in name.split("/") for name in names):
        raise UnreadableFile("corrupt")
    if any(info.flag_bits & 0x1 for info in infos):
        raise UnreadableFile("encrypted")
    if any(marker in name for name in names for marker in _MACRO_MARKERS):
        raise UnsupportedFileType("macro")
    if names and names[0] == "mimetype":
        return _odf_package(archive, names)
    if "[Content_Types].xml" in names:
        return _ooxml_package(archive, names)
    raise UnsupportedFileType("archive")


def _odf_package(archive: zipfile.ZipFile, names: list[str]) -> _Package:
    media_type = archive.read("mimetype").decode("ascii", "replace").strip()
    if media_type not in _ODF_TYPES:
        raise UnsupportedFileType("document")
    if "META-INF/manifest.xml" not in names or "content.xml" not in names:
        raise UnreadableFile("corrupt")
    if b"encryption-data" in archive.read("META-INF/manifest.xml"):
        raise UnreadableFile("encrypted")
    dropped = {name for name in names
               if name.startswith("Thumbnails/") or name in {"settings.xml", "layout-cache"}}
    return _Package(media_type, True, frozenset(dropped))


def _ooxml_package(archive: zipfile.ZipFile, names: list[str]) -> _Package:
    types = archive.read("[Content_Types].xml")
    for main, (media_type, content_type) in _OOXML_MAIN.items():
        if main in names:
            if content_type.encode() not in types:
                # docm/xlsm/pptm, templates and shows declare another main content type.
                raise UnsupportedFileType("macro" if b"macroEnabled" in types else "document")
            dropped = {name for name in names if name.startswith("docProps/thumbnail")}
            return _Package(media_type, False, frozenset(dropped))
    raise UnsupportedFileType("archive")


def _clean_part(package: _Package, name: str, read: Callable[[], bytes]) -> bytes | None:
    """The cleaned bytes of one part, or ``None`` to copy it as it is."""
    if name in _EMPTY_PARTS and not package.odf:
        return _EMPTY_PARTS[name]
    if package.odf and name == "meta.xml":
        root = _parse(read()).getroot()
        version = root.get("{urn:oasis:names:tc:opendocument:xmlns:office:1.0}version", "1.2")
        return _ODF_META.format(version=version).encode()
    lower = name.lower()
    if name.startswith(_IMAGE_FOLDERS) and lower.endswith((".jpg", ".jpeg", ".png")):
        return clean_image_bytes(read(), PNG if lower.endswith(".png") else JPEG)
    if name in {"_rels/.rels", "[Content_Types].xml", "META-INF/manifest.xml"}:
        raw = _drop_references(read(), set(package.dropped), name) if package.dropped \
            else read()
        return _blank_local_targets(raw) if name == "_rels/.rels" else raw
    if lower.endswith(".rels"):
        return _blank_local_targets(read())
    if lower.endswith(".xml"):
        return _blank_people(read())
    return None


def _entry(name: str, compress_type: int) -> zipfile.ZipInfo:
    """A zip entry with no trace of who saved it or when: fixed date, no extras, no comment."""
    info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
    info.compress_type = compress_type
    info.external_attr = 0o644 << 16
    return info


def _clean_zip(source: IO[bytes], sink: IO[bytes]) -> str:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnreadableFile("corrupt") from exc
    with archive, zipfile.ZipFile(sink, "w") as out:
        package = _zip_package(archive)
        try:
            for info in archive.infolist():
                if info.filename in package.dropped or info.is_dir():
                    continue
                _copy_part(archive, info, package, out)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError,
                NotImplementedError) as exc:
            raise UnreadableFile("corrupt") from exc
    return package.media_type


def _copy_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, package: _Package,
               out: zipfile.ZipFile) -> None:
    compress = zipfile.ZIP_STORED if info.compress_type == zipfile.ZIP_STORED \
        else zipfile.ZIP_DEFLATED
    entry = _entry(info.filename, compress)
    cleaned = _clean_part(package, info.filename, lambda: _read_part(archive, info))
    if cleaned is not None:
        out.writestr(entry, cleaned)
        return
    with archive.open(info) as part, out.open(entry, "w") as target:
        shutil.copyfileobj(part, target, _COPY_CHUNK)


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    with archive.open(info) as part:
        data = part.read(MAX_EXPANDED_BYTES + 1)
    if len(data) > MAX_EXPANDED_BYTES:
        raise FileTooLarge("expanded", MAX_EXPANDED_BYTES)
    return data


# --- the entry point ----------------------------------------------------------------------

_CLEANERS: dict[str, Callable[[IO[bytes], IO[bytes]], str]] = {
    "jpeg": lambda source, sink: _clean_image(source, "jpeg", sink),
    "png": lambda source, sink: _clean_image(source, "png", sink),
    "heif": lambda source, sink: _clean_image(source, "heif", sink),
    "pdf": _clean_pdf,
    "zip": _clean_zip,
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

    Raises :class:`UnsupportedFileType`, :class:`FileTooLarge`, :class:`UnreadableFile`; on
    any error every temporary file made here is already closed (and so gone).
    """
    with _seekable(source, max_bytes, spool_dir) as readable:
        start = readable.tell()
        head = readable.read(_HEAD_BYTES)
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
