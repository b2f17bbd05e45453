"""PDF cleaning with pikepdf (qpdf): metadata, people, active content and embedded files out.

pikepdf's object model is used rather than rules on the bytes: qpdf parses the whole file,
the changes below are made to objects, and ``save`` writes only what is still reachable from
the document catalogue, as a single revision (earlier revisions, which keep deleted text and
old metadata, are gone). What is removed:

- the document information dictionary (author, creator, producer, dates), the file ``/ID``,
  XMP ``/Metadata`` and ``/PieceInfo`` of the document and of every object;
- annotation authors and dates: ``/T``, ``/M``, ``/CreationDate`` of every annotation except
  form fields (a widget's ``/T`` is the field's name, not a person);
- active content: ``/OpenAction``, every ``/AA`` (additional actions), the document's
  ``/JavaScript`` name tree, AcroForm ``/XFA``, and every action other than an internal
  ``/GoTo`` or ``/Named`` one (``/JavaScript``, ``/Launch``, ``/URI``, ``/GoToR``,
  ``/SubmitForm``, …) wherever it hangs (``/A``, ``/Next``);
- embedded files: the ``/EmbeddedFiles`` name tree, ``/AF`` associated files, file attachment,
  sound, movie, screen, rich-media and 3D annotations;
- EXIF/XMP/comments of JPEG images inside (re-encoded; an image without them is copied as is).

A link to a web address stays visible as page text but is no longer clickable (opening it
from a staff computer would tell the link's owner who reads the file, and when).
"""

import contextlib
import io
from collections.abc import Iterator
from typing import IO, BinaryIO, cast

import pikepdf
from PIL import Image

from rongrian.channels.files.errors import UnreadableFile
from rongrian.channels.files.images import IMAGE_ERRORS, clean_image_bytes
from rongrian.channels.files.kinds import JPEG, PDF

_METADATA_KEYS = ("/Metadata", "/PieceInfo", "/AA", "/AF")
_KEEP_ACTIONS = {"/GoTo", "/Named"}
_DROP_ANNOTATIONS = {"/FileAttachment", "/Sound", "/Movie", "/Screen", "/RichMedia", "/3D"}
_PERSON_KEYS = ("/T", "/M", "/CreationDate")
#: How much of a JPEG inside a PDF is read to look for metadata segments (they come before the
#: image data); when its markers do not fit, the image is re-encoded all the same.
_JPEG_PROBE_BYTES = 256 * 1024


def _jpeg_header_readable(probe: bytes) -> bool:
    """Whether the first bytes of a JPEG hold all of its header (up to the image data)."""
    with contextlib.suppress(*IMAGE_ERRORS), Image.open(io.BytesIO(probe), formats=["JPEG"]):
        return True
    return False


def _jpeg_has_metadata(raw: bytes) -> bool:
    """Whether a JPEG stream carries EXIF/XMP (APP1), IPTC (APP13) or comments."""
    with contextlib.suppress(*IMAGE_ERRORS), Image.open(io.BytesIO(raw),
                                                        formats=["JPEG"]) as image:
        markers = [marker for marker, _data in getattr(image, "applist", [])]
        return bool({"exif", "xmp", "photoshop", "comment"} & set(image.info)
                    or {"APP1", "APP13", "COM"} & set(markers))
    return False


def _clean_image(obj: pikepdf.Stream) -> None:
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


def _dictionaries(obj: pikepdf.Object) -> Iterator[pikepdf.Dictionary | pikepdf.Stream]:
    """``obj`` and every dictionary held directly inside it (not through another indirect
    object, so there are no cycles)."""
    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
        yield obj
        children = list(obj.values())
    elif isinstance(obj, pikepdf.Array):
        children = list(obj)
    else:
        return
    for child in children:
        if isinstance(child, pikepdf.Dictionary | pikepdf.Array) and not child.is_indirect:
            yield from _dictionaries(child)


def _is_unsafe_action(value: pikepdf.Object) -> bool:
    if isinstance(value, pikepdf.Array):
        return any(_is_unsafe_action(item) for item in value)
    if not isinstance(value, pikepdf.Dictionary):
        return False
    return str(value.get("/S", "")) not in _KEEP_ACTIONS


def _clean_dictionary(obj: pikepdf.Dictionary | pikepdf.Stream) -> None:
    for key in _METADATA_KEYS:
        if key in obj:
            del obj[key]
    for key in ("/A", "/Next"):
        if key in obj and _is_unsafe_action(obj[key]):
            del obj[key]
    if "/EF" in obj:  # a file specification carrying an embedded file
        del obj["/EF"]
    subtype = obj.get("/Subtype")
    is_annotation = obj.get("/Type") == pikepdf.Name.Annot or (
        "/Rect" in obj and subtype is not None)
    if is_annotation and subtype != pikepdf.Name.Widget and "/FT" not in obj:
        for key in _PERSON_KEYS:
            if key in obj:
                del obj[key]
    if "/Annots" in obj and isinstance(obj.Annots, pikepdf.Array):
        kept = [annot for annot in obj.Annots
                if not (isinstance(annot, pikepdf.Dictionary)
                        and str(annot.get("/Subtype", "")) in _DROP_ANNOTATIONS)]
        if len(kept) != len(obj.Annots):
            obj.Annots = pikepdf.Array(kept)


def _clean_catalogue(pdf: pikepdf.Pdf) -> None:
    for key in ("/Info", "/ID"):
        if key in pdf.trailer:
            del pdf.trailer[key]
    root = pdf.Root
    for key in ("/OpenAction", "/URI"):
        if key in root:
            del root[key]
    if "/Names" in root and isinstance(root.Names, pikepdf.Dictionary):
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in root.Names:
                del root.Names[key]
    if "/AcroForm" in root and isinstance(root.AcroForm, pikepdf.Dictionary) \
            and "/XFA" in root.AcroForm:
        del root.AcroForm["/XFA"]


def clean_pdf(source: IO[bytes], sink: IO[bytes]) -> str:
    """Clean the PDF in ``source`` into ``sink``; return :data:`PDF`.

    Raises :class:`UnreadableFile` (``"encrypted"`` for a password, else ``"corrupt"``, also
    for a PDF without pages).
    """
    try:
        pdf = pikepdf.open(cast(BinaryIO, source))
    except pikepdf.PasswordError as exc:
        raise UnreadableFile("encrypted") from exc
    except pikepdf.PdfError as exc:
        raise UnreadableFile("corrupt") from exc
    try:
        with pdf:
            _clean_catalogue(pdf)
            for top in [pdf.trailer, *pdf.objects]:
                for obj in _dictionaries(top):
                    _clean_dictionary(obj)
                if isinstance(top, pikepdf.Stream):
                    _clean_image(top)
            if len(pdf.pages) == 0:
                raise UnreadableFile("corrupt")
            pdf.save(cast(BinaryIO, sink), encryption=False, fix_metadata_version=False,
                     preserve_pdfa=False)
    except pikepdf.PdfError as exc:
        raise UnreadableFile("corrupt") from exc
    return PDF
