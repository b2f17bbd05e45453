"""Issue 13, M4: active content must not reach staff.

An attached template on another server (loads macros, tells the server who opened the file),
OLE objects, ActiveX controls, and PDF JavaScript, automatic, launch and outside actions are
removed; the package stays consistent (no relationship, content type or reference to a dropped
part), so Word and LibreOffice open it without a repair prompt.
"""

import io
import zipfile
from collections.abc import Callable

import docx
import pikepdf
import pytest
from lxml import etree

from rongrian.channels import files
from rongrian.channels.files import clean_upload
from tests.channels import planted, samples

MB = 1024 * 1024
_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def cleaned(data: bytes) -> bytes:
    with clean_upload(io.BytesIO(data), max_bytes=20 * MB) as result:
        assert result.media_type in (files.DOCX, files.PDF)
        return result.stream.read()


def assert_consistent(body: bytes) -> None:
    """Every internal relationship points at a part that exists, no relationship leaves the
    package, and every content-type override names a part that exists."""
    archive = zipfile.ZipFile(io.BytesIO(body))
    present = set(archive.namelist())
    for name in present:
        if not name.endswith(".rels"):
            continue
        folder = name.rpartition("_rels/")[0]
        for rel in etree.fromstring(archive.read(name)).iter(f"{_REL_NS}Relationship"):
            assert rel.get("TargetMode") != "External", (name, rel.get("Target"))
            target = rel.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else \
                str(__import__("posixpath").normpath(folder + target))
            assert part in present, (name, target)
    types = etree.fromstring(archive.read("[Content_Types].xml"))
    for override in types:
        if override.tag.endswith("Override"):
            assert override.get("PartName", "").lstrip("/") in present


ACTIVE: list[tuple[Callable[[], bytes], str]] = [
    (planted.docx_with_attached_template, planted.ATTACKER),
    (planted.docx_with_ole_object, planted.OLE_PAYLOAD),
    (planted.docx_with_activex, planted.ACTIVEX_PAYLOAD),
    (planted.pdf_with_javascript, planted.SCRIPT),
    (planted.pdf_with_javascript, planted.ATTACKER),
]


@pytest.mark.parametrize(("make", "marker"), ACTIVE,
                         ids=[f"{make.__name__}-{marker}" for make, marker in ACTIVE])
def test_active_content_is_gone(make: Callable[[], bytes], marker: str) -> None:
    original = make()
    assert marker.encode() in samples.every_text_of(original)
    assert marker.encode() not in samples.every_text_of(cleaned(original))


@pytest.mark.parametrize("make", [planted.docx_with_attached_template,
                                  planted.docx_with_ole_object, planted.docx_with_activex,
                                  planted.docx_with_hyperlink, samples.docx_with_author])
def test_the_word_package_stays_consistent_and_opens(make: Callable[[], bytes]) -> None:
    body = cleaned(make())
    assert_consistent(body)
    assert docx.Document(io.BytesIO(body)).paragraphs[0].text == samples.BODY_TEXT


def test_the_attached_template_setting_is_removed_with_its_relationship() -> None:
    archive = zipfile.ZipFile(io.BytesIO(cleaned(planted.docx_with_attached_template())))
    assert b"attachedTemplate" not in archive.read("word/settings.xml")
    assert b"attachedTemplate" not in archive.read("word/_rels/settings.xml.rels")


@pytest.mark.parametrize(("make", "element", "folder"), [
    (planted.docx_with_ole_object, b"OLEObject", "word/embeddings/"),
    (planted.docx_with_activex, b"w:control", "word/activeX/"),
])
def test_ole_objects_and_activex_controls_leave_the_text_and_the_package(
        make: Callable[[], bytes], element: bytes, folder: str) -> None:
    archive = zipfile.ZipFile(io.BytesIO(cleaned(make())))
    assert not [name for name in archive.namelist() if name.startswith(folder)]
    assert element not in archive.read("word/document.xml")
    assert folder.split("/")[1].encode() not in archive.read("[Content_Types].xml")


def test_a_web_link_becomes_text_with_its_address_and_is_no_longer_a_link() -> None:
    """Decision (docs/attachments.md): a link a citizen put in a document is evidence, but
    following it from a staff computer tells its owner who reads the file. The link goes, its
    text stays, and the address is shown after it to copy deliberately."""
    body = cleaned(planted.docx_with_hyperlink())
    document = docx.Document(io.BytesIO(body))
    assert document.paragraphs[1].text == f"See the post ({planted.EVIDENCE_URL})"
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert b"hyperlink" not in archive.read("word/_rels/document.xml.rels")
    assert b"w:hyperlink" not in archive.read("word/document.xml")


def test_a_pdf_loses_scripts_automatic_launch_and_outside_actions_and_keeps_its_text() -> None:
    body = cleaned(planted.pdf_with_javascript())
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert "/OpenAction" not in pdf.Root
        assert "/Names" not in pdf.Root or "/JavaScript" not in pdf.Root.Names
        page = pdf.pages[0].obj
        assert "/AA" not in page
        link = page.Annots[0]
        assert "/A" not in link
    text = samples.every_text_of(body)
    for name in (b"/JavaScript", b"/JS", b"/Launch", b"/URI"):
        assert name not in text
    assert samples.BODY_TEXT.encode() in text


def test_a_workbook_loses_its_outside_links_and_still_opens_with_openpyxl() -> None:
    import openpyxl

    original = planted.xlsx_from_openpyxl()
    with clean_upload(io.BytesIO(original), max_bytes=20 * MB) as result:
        assert result.media_type == files.XLSX
        body = result.stream.read()
    text = samples.every_text_of(body)
    for marker in (planted.ATTACKER, samples.AUTHOR, samples.COMMENT_AUTHOR):
        assert marker.encode() in samples.every_text_of(original)
        assert marker.encode() not in text
    assert_consistent(body)
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    assert sheet is not None
    assert sheet["A1"].value == samples.BODY_TEXT
    assert sheet["A2"].hyperlink is None


def _edited_workbook(parts: dict[str, bytes], workbook: tuple[str, str] | None = None,
                     rels: str = "", types: str = "") -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(planted.xlsx_from_openpyxl()))

    def added(name: str, before: str, text: str) -> bytes:
        content = archive.read(name).decode()
        return content.replace(before, text + before, 1).encode()

    changed = dict(parts)
    if workbook:
        changed["xl/workbook.xml"] = added("xl/workbook.xml", *workbook)
    if rels:
        changed["xl/_rels/workbook.xml.rels"] = added("xl/_rels/workbook.xml.rels",
                                                      "</Relationships>", rels)
    if types:
        changed["[Content_Types].xml"] = added("[Content_Types].xml", "</Types>", types)
    return samples._patch_zip(planted.xlsx_from_openpyxl(), changed)


def test_a_link_to_another_workbook_on_the_writers_disk_is_dropped() -> None:
    external = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns='
                b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://'
                b'schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook '
                b'r:id="rId1"><sheetNames><sheetName val="S"/></sheetNames></externalBook>'
                b'</externalLink>')
    external_rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                     b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                     b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
                     b'officeDocument/2006/relationships/externalLinkPath" Target="file:///C:/'
                     b'Users/somsri.private/other.xlsx" TargetMode="External"/>'
                     b'</Relationships>')
    data = _edited_workbook(
        {"xl/externalLinks/externalLink1.xml": external,
         "xl/externalLinks/_rels/externalLink1.xml.rels": external_rels},
        workbook=("<definedNames/>", '<externalReferences xmlns:r="http://schemas.'
                  'openxmlformats.org/officeDocument/2006/relationships"><externalReference '
                  'r:id="rId9"/></externalReferences>'),
        rels='<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/'
             '2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>',
        types='<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/'
              'vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>')
    assert b"somsri.private" in samples.every_text_of(data)
    with clean_upload(io.BytesIO(data), max_bytes=20 * MB) as result:
        body = result.stream.read()
    assert b"somsri.private" not in samples.every_text_of(body)
    assert b"externalReference" not in zipfile.ZipFile(io.BytesIO(body)).read("xl/workbook.xml")
    assert_consistent(body)
    import openpyxl

    assert openpyxl.load_workbook(io.BytesIO(body)).active is not None


def test_vml_that_is_not_well_formed_is_cleaned_not_refused() -> None:
    """Office writes legacy VML drawings (comment boxes) that are not always well-formed XML."""
    vml = (b'<xml xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:'
           b'office:office"><v:shape o:author="' + samples.COMMENT_AUTHOR.encode()
           + b'"><br></v:shape></xml>')
    data = _edited_workbook({"xl/drawings/commentsDrawing1.vml": vml})
    with clean_upload(io.BytesIO(data), max_bytes=20 * MB) as result:
        body = result.stream.read()
    assert samples.COMMENT_AUTHOR.encode() not in samples.every_text_of(body)


def test_a_presentation_loses_its_outside_link_and_comment_author() -> None:
    original = planted.pptx_minimal()
    with clean_upload(io.BytesIO(original), max_bytes=20 * MB) as result:
        assert result.media_type == files.PPTX
        body = result.stream.read()
    for marker in (planted.ATTACKER, samples.COMMENT_AUTHOR):
        assert marker.encode() in samples.every_text_of(original)
        assert marker.encode() not in samples.every_text_of(body)
    assert_consistent(body)
    slide = zipfile.ZipFile(io.BytesIO(body)).read("ppt/slides/slide1.xml")
    assert b"hlinkClick" not in slide
    assert samples.BODY_TEXT.encode() in slide
