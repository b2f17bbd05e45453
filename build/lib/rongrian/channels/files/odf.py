"""OpenDocument (odt, ods, odp): which parts stay, and the manifest.

An allow-list, like :mod:`~rongrian.channels.files.ooxml`: ``mimetype`` (first, stored);
the XML parts (``content.xml``, ``styles.xml``, ``manifest.rdf``, and the same inside embedded
objects such as charts, ``Object 1/content.xml``), cleaned by
:mod:`~rongrian.channels.files.xmlparts`; every ``meta.xml`` at any depth (the document's and
each embedded object's) replaced by an empty one; images re-encoded or replaced by a blank PNG.
Dropped: ``settings.xml`` (printer names, at any depth), ``Thumbnails/``, ``Configurations2/``,
``ObjectReplacements/`` (previews LibreOffice draws again), other ``META-INF/`` files
(signatures name the signer), and anything else (OLE objects stored as binaries, …).
``META-INF/manifest.xml`` loses the entries of dropped parts and says ``image/png`` for
placeholders.
"""

from collections.abc import Mapping

from rongrian.channels.files.errors import UnreadableFile, UnsupportedFileType
from rongrian.channels.files.kinds import ODP, ODS, ODT
from rongrian.channels.files.xmlparts import parse, serialise

MANIFEST = "META-INF/manifest.xml"
_MANIFEST_NS = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
_OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TYPES = {ODT, ODS, ODP}
_DROPPED_FOLDERS = {"Thumbnails", "Configurations2", "ObjectReplacements", "META-INF"}
_IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff", ".svg", ".svm",
                     ".wmf", ".emf", ".webp")
EMPTY_META = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office='
    f'"{_OFFICE_NS}" office:version="{{version}}"><office:meta/></office:document-meta>'
)


def media_type_of(mimetype: bytes, names: list[str], manifest: bytes) -> str:
    """The document's media type; raises :class:`UnsupportedFileType` (``"document"``) or
    :class:`UnreadableFile` (``"corrupt"``, ``"encrypted"``)."""
    media_type = mimetype.decode("ascii", "replace").strip()
    if media_type not in _TYPES:
        raise UnsupportedFileType("document")
    if MANIFEST not in names or "content.xml" not in names:
        raise UnreadableFile("corrupt")
    if b"encryption-data" in manifest:
        raise UnreadableFile("encrypted")
    return media_type


def classify(name: str) -> str:
    """What happens to one part: ``"copy"`` (``mimetype``), ``"manifest"``, ``"meta"``,
    ``"xml"``, ``"image"`` or ``"drop"``."""
    folders = set(name.split("/")[:-1])
    base = name.rpartition("/")[2]
    if name == "mimetype":
        return "copy"
    if name == MANIFEST:
        return "manifest"
    if folders & _DROPPED_FOLDERS or base in {"settings.xml", "layout-cache"}:
        return "drop"
    if base == "meta.xml":
        return "meta"
    if base.endswith((".xml", ".rdf")):
        return "xml"
    if "Pictures" in folders or base.lower().endswith(_IMAGE_EXTENSIONS):
        return "image"
    return "drop"


def empty_meta(raw: bytes) -> bytes:
    """An empty ``meta.xml`` of the same ODF version as ``raw``."""
    version = parse(raw).getroot().get(f"{{{_OFFICE_NS}}}version", "1.2")
    return EMPTY_META.format(version=version).encode()


def clean_manifest(raw: bytes, kept: set[str], placeholders: Mapping[str, str]) -> bytes:
    """The manifest without entries for files not in ``kept`` (folders stay when something
    inside them is kept), with ``image/png`` for the files in ``placeholders``."""
    tree = parse(raw)
    root = tree.getroot()
    path_key, type_key = f"{{{_MANIFEST_NS}}}full-path", f"{{{_MANIFEST_NS}}}media-type"
    for entry in list(root):
        if not isinstance(entry.tag, str):
            continue
        path = entry.get(path_key, "")
        if path in placeholders:
            entry.set(type_key, placeholders[path])
        folder = path.endswith("/") and (
            path == "/" or any(name.startswith(path) for name in kept))
        if not folder and path not in kept:
            root.remove(entry)
    return serialise(tree)
