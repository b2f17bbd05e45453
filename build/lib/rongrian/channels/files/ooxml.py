"""Office Open XML (docx, xlsx, pptx): which parts stay, relationships, content types.

An allow-list, after the approach of mat2 (``libmat2/office.py``): a part stays only when the
document needs it to display and it can be cleaned here:

- XML parts (``.xml``, ``.vml``, or an XML content type), cleaned by
  :mod:`~rongrian.channels.files.xmlparts`;
- images, re-encoded (or replaced by a blank PNG, see :mod:`~rongrian.channels.files.images`);
- embedded fonts, copied (a font names its designer, not the writer);
- ``docProps/core.xml``, ``app.xml`` and ``custom.xml``, replaced by empty ones;
- relationship parts, rewritten.

Everything else is dropped, by name first: ``customXml/`` (SharePoint and form data, names),
``embeddings/`` (OLE objects, and embedded workbooks or documents with their own authors: a
chart keeps showing its cached values but can no longer be edited), ``activeX/``,
``printerSettings/``, ``externalLinks/`` (other workbooks by path: formulas keep their cached
values), thumbnails; then any part of another kind (audio, video, binaries).

Relationships: every external one (``TargetMode="External"``: attached templates, linked
images, web and file hyperlinks, linked data) is removed, and every one pointing at a dropped
part; the XML that used them loses the reference (see :func:`rongrian.channels.files.xmlparts.
clean_xml`). ``[Content_Types].xml`` loses the overrides of dropped parts and says
``image/png`` for placeholders, so Word opens the result without a repair prompt.
"""

import posixpath
from collections.abc import Mapping
from urllib.parse import unquote

from rongrian.channels.files.errors import UnsupportedFileType
from rongrian.channels.files.kinds import DOCX, PPTX, XLSX
from rongrian.channels.files.xmlparts import local, parse, serialise

_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
CONTENT_TYPES = "[Content_Types].xml"
MAIN_PARTS = {
    "word/document.xml": (
        DOCX, "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"),
    "xl/workbook.xml": (
        XLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"),
    "ppt/presentation.xml": (
        PPTX,
        "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"),
}
#: Parts replaced by empty ones of the same kind (they must exist when referenced).
EMPTY_PARTS = {
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
_DROPPED_FOLDERS = {"customXml", "embeddings", "activeX", "printerSettings", "externalLinks"}
_FONT_EXTENSIONS = (".odttf", ".ttf", ".otf", ".fntdata")
_XML_TYPES = {"application/xml", "text/xml"}


def main_media_type(names: list[str], types: bytes) -> str:
    """The document's media type from its main part; raises :class:`UnsupportedFileType`
    (``"macro"`` for docm/xlsm/pptm, ``"document"`` for templates and shows, ``"archive"``)."""
    for main, (media_type, content_type) in MAIN_PARTS.items():
        if main in names:
            if content_type.encode() not in types:
                raise UnsupportedFileType("macro" if b"macroEnabled" in types else "document")
            return media_type
    raise UnsupportedFileType("archive")


def content_types(types: bytes) -> tuple[dict[str, str], dict[str, str]]:
    """``(defaults by extension, overrides by part name)`` of ``[Content_Types].xml``."""
    defaults: dict[str, str] = {}
    overrides: dict[str, str] = {}
    for element in parse(types).getroot():
        if not isinstance(element.tag, str):
            continue
        if local(element.tag) == "Default":
            defaults[element.get("Extension", "").lower()] = element.get("ContentType", "")
        elif local(element.tag) == "Override":
            overrides[element.get("PartName", "").lstrip("/")] = element.get("ContentType", "")
    return defaults, overrides


def source_of(rels_name: str) -> str:
    """The part a relationships part belongs to (``""`` for the package's ``_rels/.rels``)."""
    folder, _sep, file = rels_name.rpartition("_rels/")
    return folder + file.removesuffix(".rels")


def classify(name: str, content_type: str) -> str:
    """What happens to one part: ``"types"``, ``"rels"``, ``"empty"``, ``"xml"``, ``"image"``,
    ``"copy"`` or ``"drop"``."""
    lower = name.lower()
    folders = set(name.split("/")[:-1])
    if name == CONTENT_TYPES:
        return "types"
    if folders & _DROPPED_FOLDERS or lower.startswith("docprops/thumbnail"):
        return "drop"
    if lower.endswith(".rels"):
        return "rels"
    if name in EMPTY_PARTS:
        return "empty"
    if lower.endswith((".xml", ".vml")) or content_type.endswith("+xml") \
            or content_type in _XML_TYPES:
        return "xml"
    if content_type.startswith("image/"):
        return "image"
    if lower.endswith(_FONT_EXTENSIONS) or "font" in content_type:
        return "copy"
    return "drop"


def clean_rels(raw: bytes, rels_name: str, kept: set[str]
               ) -> tuple[bytes, dict[str, str | None]]:
    """A relationships part without external relationships or ones to parts not in ``kept``;
    and the removed ids with their outside target (``None`` for internal ones)."""
    tree = parse(raw)
    base = posixpath.dirname(source_of(rels_name))
    dropped: dict[str, str | None] = {}
    for rel in list(tree.getroot()):
        if not isinstance(rel.tag, str) or rel.tag != f"{{{_REL_NS}}}Relationship":
            continue
        target = rel.get("Target", "")
        if rel.get("TargetMode") == "External":
            dropped[rel.get("Id", "")] = target
        else:
            path = unquote(target.split("#", 1)[0])
            name = path.lstrip("/") if path.startswith("/") else \
                posixpath.normpath(posixpath.join(base, path))
            if name in kept or not path:
                continue
            dropped[rel.get("Id", "")] = None
        tree.getroot().remove(rel)
    return serialise(tree), dropped


def clean_content_types(raw: bytes, kept: set[str], placeholders: Mapping[str, str]) -> bytes:
    """``[Content_Types].xml`` without overrides for parts not in ``kept`` nor defaults for
    extensions no kept part has, with overrides for the parts in ``placeholders`` (name →
    content type)."""
    tree = parse(raw)
    root = tree.getroot()
    namespace = root.tag.rpartition("}")[0].lstrip("{")
    extensions = {name.rpartition(".")[2].lower() for name in kept if "." in name}
    for element in list(root):
        if not isinstance(element.tag, str):
            continue
        if local(element.tag) == "Override":
            name = element.get("PartName", "").lstrip("/")
            if name not in kept or name in placeholders:
                root.remove(element)
        elif local(element.tag) == "Default" and \
                element.get("Extension", "").lower() not in extensions:
            root.remove(element)  # the type of parts that are all gone (``.bin``)
    for name, content_type in sorted(placeholders.items()):
        override = root.makeelement(f"{{{namespace}}}Override" if namespace else "Override")
        override.set("PartName", "/" + name)
        override.set("ContentType", content_type)
        root.append(override)
    return serialise(tree)
