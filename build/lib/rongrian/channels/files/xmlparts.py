"""The XML parts of Office and OpenDocument files: people, dates and outside links removed.

Every XML part that is kept is parsed (no DTD, no entities, no network, lxml's default limits
on node size and depth) and written again with:

- names, initials and accounts of authors blanked: comments, tracked changes, co-authoring
  records, PowerPoint comment authors, Excel comment authors, ``dc:creator``, ODF author
  fields; ``x15ac:absPath`` (the folder the file was saved in) blanked;
- dates of comments and tracked changes removed (OOXML ``date``/``dateUtc``/``dt``/``dT``
  attributes) or set to :data:`NEUTRAL_DATE` (ODF ``dc:date``, whose date is required);
- XML comments and processing instructions removed;
- references to relationships that were dropped (see :mod:`~rongrian.channels.files.ooxml`):
  OLE objects, ActiveX controls and the attached template are removed from the text, a Word
  hyperlink to an outside address becomes plain text followed by its address in brackets
  (http, https and mailto only), other references lose the attribute;
- ODF: macros bound to events (``office:event-listeners``, ``office:scripts``) removed, links
  to outside files or addresses (``xlink:href``) removed the same way as Word's.
"""

from collections.abc import Mapping
from urllib.parse import urlsplit

from lxml import etree

from rongrian.channels.files.errors import DecompressionBomb, UnreadableFile

NEUTRAL_DATE = "2000-01-01T00:00:00"
#: Most nodes (elements, counted as ``<``, and attributes, counted as ``="`` or ``='``) in an XML
#: part that has to be parsed: a 1,000-page Word text or 300,000 spreadsheet cells have fewer.
#: libxml2 takes roughly 130 bytes an element and 200 an attribute with its value, so this
#: bounds a part's tree near 200 MiB; parts with nothing to clean are copied without a tree.
MAX_XML_NODES = 1_000_000
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R_NAMESPACES = {"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                 "http://purl.oclc.org/ooxml/officeDocument/relationships"}
_XLINK = "{http://www.w3.org/1999/xlink}href"
_DC = "http://purl.org/dc/elements/1.1/"
_ODF_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
_ODF_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
#: Attributes (by local name) that hold a person's name or account.
_PERSON_ATTRIBUTES = {"author", "initials", "userId", "providerId", "displayName", "userName"}
#: Elements (by local name) whose ``name`` attribute is a person (PowerPoint comment authors).
_PERSON_ELEMENTS = {"cmAuthor", "author"}
#: Elements whose text is a person.
_PERSON_TEXT = {"{http://schemas.openxmlformats.org/spreadsheetml/2006/main}author",
                f"{{{_DC}}}creator", f"{{{_ODF_TEXT}}}author-name",
                f"{{{_ODF_TEXT}}}author-initials", f"{{{_ODF_TEXT}}}initial-creator",
                f"{{{_ODF_TEXT}}}creator"}
_DATE_ATTRIBUTES = {"date", "dateUtc", "dt", "dT"}
_ABS_PATH = "{http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac}absPath"
#: Elements removed when the relationship they use was dropped (OLE, ActiveX, template, links
#: of PowerPoint shapes and Excel cells, sub-documents, imported chunks, other workbooks).
_REMOVE_WITH_LINK = {"OLEObject", "control", "attachedTemplate", "hlinkClick", "hlinkHover",
                     "hlinkMouseOver", "hyperlink", "oleObject", "subDoc", "altChunk",
                     "externalReference"}
#: Containers that may not stay empty once their last child is removed.
_NOT_EMPTY = {"oleObjects", "controls", "hyperlinks", "externalReferences"}
#: ODF elements removed whole: macros bound to events, and data loaded from elsewhere.
_ODF_REMOVE = {f"{{{_ODF_OFFICE}}}event-listeners", f"{{{_ODF_OFFICE}}}scripts",
               f"{{{_ODF_TEXT}}}section-source",
               "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}table-source"}
_ODF_TEXT_LINK = f"{{{_ODF_TEXT}}}a"
_ODF_LINKS = {_ODF_TEXT_LINK, "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}a"}
_SHOWN_SCHEMES = {"http", "https", "mailto"}
#: Bytes one of which is in every part that :func:`clean_xml` changes.
_HINTS = (b"author", b"initials", b"userId", b"providerId", b"displayName", b"userName",
          b"creator", b"absPath", b"date=", b"date>", b"dateUtc=", b"dt=", b"dT=", b"cmAuthor",
          b"xlink", b"event-listeners", b"scripts", b"-source")


def parser(*, recover: bool = False) -> etree.XMLParser:
    """No entities, no DTD, no network: an XML part can neither read files nor blow up.
    ``recover`` reads what it can of XML that is not well formed."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False,
                           huge_tree=False, remove_comments=True, remove_pis=True,
                           recover=recover)


def parse(raw: bytes, *, recover: bool = False) -> etree._ElementTree:
    """Parse one part; raises :class:`UnreadableFile` (``"corrupt"``)."""
    try:
        root = etree.fromstring(raw, parser(recover=recover))
        if root is None:
            raise UnreadableFile("corrupt")
        return etree.ElementTree(root)
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise UnreadableFile("corrupt") from exc


def serialise(tree: etree._ElementTree) -> bytes:
    """The part's bytes again, UTF-8 with an XML declaration."""
    standalone = tree.docinfo.standalone
    return bytes(etree.tostring(tree, xml_declaration=True, encoding="UTF-8",
                                standalone=standalone))


def local(name: object) -> str:
    """The local part of a ``{namespace}name``."""
    return str(name).rpartition("}")[2]


def is_outside(href: str) -> bool:
    """Whether a link leaves the package: a scheme (``https:``, ``file:``, ``C:``), an absolute
    or parent path, or a network share."""
    href = href.strip()
    return bool(urlsplit(href).scheme) or href.startswith(("/", "\\", "../", ".."))


def shown_address(href: str | None) -> str:
    """`` (address)`` for a web or mail address kept as text, else ``""`` (local paths carry
    user names)."""
    if href and urlsplit(href.strip()).scheme.lower() in _SHOWN_SCHEMES:
        return f" ({href.strip()})"
    return ""


def _unwrap(element: etree._Element, suffix: str) -> list[etree._Element]:
    """Replace ``element`` by its content (mixed text included); ``suffix`` follows it."""
    parent = element.getparent()
    if parent is None:
        return []
    index = parent.index(element)
    previous = element.getprevious()
    text, tail = element.text or "", element.tail or ""
    children = list(element)
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    parent.remove(element)
    for offset, child in enumerate(children):
        parent.insert(index + offset, child)
    last = children[-1] if children else previous
    if last is not None:
        last.tail = (last.tail or "") + suffix + tail
    else:
        parent.text = (parent.text or "") + suffix + tail
    return children


def _remove(element: etree._Element) -> None:
    parent = element.getparent()
    if parent is None:
        return
    previous = element.getprevious()
    if element.tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
    if local(parent.tag) in _NOT_EMPTY and len(parent) == 0:
        _remove(parent)


def _word_run(address: str) -> etree._Element:
    run = etree.Element(f"{{{_W}}}r")
    text = etree.SubElement(run, f"{{{_W}}}t")
    text.set(_XML_SPACE, "preserve")
    text.text = address
    return run


def _drop_link(element: etree._Element, attribute: str, target: str | None) -> bool:
    """Remove one reference to a dropped relationship; whether ``element`` itself went."""
    if element.tag == f"{{{_W}}}hyperlink":
        moved = _unwrap(element, "")
        address = shown_address(target)
        if address and moved:
            moved[-1].addnext(_word_run(address))
        return True
    if local(element.tag) in _REMOVE_WITH_LINK:
        _remove(element)
        return True
    del element.attrib[attribute]
    return False


def _clean_people(element: etree._Element) -> None:
    for attribute in list(element.attrib):
        name = local(attribute)
        if name in _PERSON_ATTRIBUTES or (name == "name" and local(element.tag)
                                          in _PERSON_ELEMENTS):
            element.attrib[attribute] = ""
        elif name in _DATE_ATTRIBUTES:
            del element.attrib[attribute]
    if element.tag in _PERSON_TEXT:
        element.text = ""  # children, if any, are removed after the walk
    elif element.tag == f"{{{_DC}}}date":
        element.text = NEUTRAL_DATE
    elif element.tag == _ABS_PATH and element.get("url"):
        element.set("url", "")


def _clean_links(element: etree._Element, dropped: Mapping[str, str | None]) -> None:
    if element.tag in _ODF_REMOVE:
        _remove(element)
        return
    href = element.get(_XLINK)
    if href is not None and is_outside(href):
        if element.tag in _ODF_LINKS:
            _unwrap(element, shown_address(href) if element.tag == _ODF_TEXT_LINK else "")
        else:
            del element.attrib[_XLINK]
        return
    for attribute, value in list(element.attrib.items()):
        namespace = attribute[1:].partition("}")[0] if attribute.startswith("{") else ""
        if namespace in _R_NAMESPACES and value in dropped and _drop_link(
                element, attribute, dropped[value]):
            return


def clean_xml(raw: bytes, dropped: Mapping[str, str | None], *, recover: bool = False
              ) -> bytes:
    """Clean one XML part (see the module's description); a part with nothing to change comes
    back as it is.

    ``dropped`` maps the ids of this part's relationships that were removed to their outside
    address (or ``None``); ``recover`` for VML, which Office does not always write well formed.
    Raises :class:`UnreadableFile` for XML that does not parse and
    :class:`DecompressionBomb` (``what == "nodes"``) for a part to parse with more than
    :data:`MAX_XML_NODES` elements and attributes.
    """
    if not _needs_parsing(raw, dropped):
        return raw
    if raw.count(b"<") + raw.count(b'="') + raw.count(b"='") > MAX_XML_NODES:
        raise DecompressionBomb("nodes", MAX_XML_NODES)
    tree = parse(raw, recover=recover)
    linked = []
    for element in tree.getroot().iter():  # lazily: a big part keeps few proxies alive
        if not isinstance(element.tag, str):
            continue
        _clean_people(element)
        if _reshaped(element, dropped):
            linked.append(element)
    for element in linked:  # changes to the tree's shape, after walking it
        if element.tag in _PERSON_TEXT:
            element[:] = []
        else:
            _clean_links(element, dropped)
    return serialise(tree)


def _reshaped(element: etree._Element, dropped: Mapping[str, str | None]) -> bool:
    """Whether the walk must come back to ``element`` to change the tree's shape there."""
    if element.tag in _PERSON_TEXT:
        return len(element) > 0
    return element.tag in _ODF_REMOVE or _XLINK in element.attrib or (
        bool(dropped) and any(value in dropped for value in element.attrib.values()))


def _needs_parsing(raw: bytes, dropped: Mapping[str, str | None]) -> bool:
    """Whether ``raw`` may hold anything :func:`clean_xml` changes (most big parts, such as a
    sheet's cells, do not, and are copied without building a tree)."""
    return any(f'"{rel_id}"'.encode() in raw for rel_id in dropped) \
        or any(hint in raw for hint in _HINTS) or b"<!--" in raw or raw.count(b"<?") > 1
