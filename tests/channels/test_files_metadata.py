"""Issue 13, H1: places the first cleaning missed that carry the writer's name.

Each file has one name planted where the security review found one surviving; after cleaning
the name is nowhere in the file (every part inflated, zips inside zips opened, every PDF object
and stream decoded) and the file still opens with its text.
"""

import io
import zipfile
from collections.abc import Callable

import docx
import pikepdf
import pytest
from PIL import Image

from rongrian.channels import files
from rongrian.channels.files import clean_upload
from tests.channels import planted, samples

MB = 1024 * 1024


def cleaned(data: bytes) -> tuple[str, bytes]:
    with clean_upload(io.BytesIO(data), max_bytes=20 * MB) as result:
        return result.media_type, result.stream.read()


def names(body: bytes) -> list[str]:
    return zipfile.ZipFile(io.BytesIO(body)).namelist()


VECTORS: list[tuple[Callable[[], bytes], str]] = [
    (planted.docx_with_embedded_workbook, planted.EMBEDDED_AUTHOR),
    (planted.docx_with_tiff, planted.TIFF_ARTIST),
    (planted.docx_with_custom_xml, planted.CUSTOM_XML_AUTHOR),
    (planted.odt_with_object, planted.OBJECT_AUTHOR),
    (planted.pdf_with_annotation, planted.ANNOTATION_AUTHOR),
    (planted.pdf_with_embedded_files, planted.EMBEDDED_FILE_TEXT),
]


@pytest.mark.parametrize(("make", "name"), VECTORS,
                         ids=[make.__name__ for make, _name in VECTORS])
def test_the_planted_name_is_gone(make: Callable[[], bytes], name: str) -> None:
    original = make()
    assert name.encode() in samples.every_text_of(original)  # the search finds it
    _media_type, body = cleaned(original)
    assert name.encode() not in samples.every_text_of(body)


@pytest.mark.parametrize("make", [planted.docx_with_embedded_workbook, planted.docx_with_tiff,
                                  planted.docx_with_custom_xml])
def test_the_word_document_still_opens_with_its_text(make: Callable[[], bytes]) -> None:
    media_type, body = cleaned(make())
    assert media_type == files.DOCX
    assert docx.Document(io.BytesIO(body)).paragraphs[0].text == samples.BODY_TEXT


def test_an_embedded_workbook_is_dropped_with_its_relationship_and_type() -> None:
    _media_type, body = cleaned(planted.docx_with_embedded_workbook())
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert not [name for name in archive.namelist() if "embeddings" in name]
    assert b"embeddings" not in archive.read("word/_rels/document.xml.rels")


def test_a_tiff_inside_is_re_encoded_without_its_tags() -> None:
    _media_type, body = cleaned(planted.docx_with_tiff())
    tiff = zipfile.ZipFile(io.BytesIO(body)).read("word/media/image9.tiff")
    image = Image.open(io.BytesIO(tiff))
    assert image.format == "TIFF"
    assert image.size == (32, 24)
    assert 0x013B not in image.getexif()
    assert image.convert("RGB").getpixel((5, 5)) == (200, 30, 30)


def test_an_image_that_cannot_be_cleaned_becomes_a_blank_png_with_its_type_declared() -> None:
    data = planted.docx_with(
        parts={"word/media/image7.emf": b"\x01\x00\x00\x00 EMF " + planted.TIFF_ARTIST.encode()},
        relationships='<Relationship Id="rIdE1" Type="http://schemas.openxmlformats.org/'
                      'officeDocument/2006/relationships/image" Target="media/image7.emf"/>',
        types='<Default Extension="emf" ContentType="image/x-emf"/>')
    _media_type, body = cleaned(data)
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert Image.open(io.BytesIO(archive.read("word/media/image7.emf"))).format == "PNG"
    assert b'PartName="/word/media/image7.emf" ContentType="image/png"' in archive.read(
        "[Content_Types].xml")
    assert planted.TIFF_ARTIST.encode() not in samples.every_text_of(body)


def test_custom_xml_is_dropped_and_nothing_points_at_it() -> None:
    _media_type, body = cleaned(planted.docx_with_custom_xml())
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert not [name for name in archive.namelist() if name.startswith("customXml/")]
    assert b"customXml" not in archive.read("word/_rels/document.xml.rels")
    assert b"customXml" not in archive.read("[Content_Types].xml")


def test_every_meta_xml_of_an_opendocument_is_emptied_and_the_manifest_kept_true() -> None:
    media_type, body = cleaned(planted.odt_with_object())
    assert media_type == files.ODT
    archive = zipfile.ZipFile(io.BytesIO(body))
    assert b"initial-creator" not in archive.read("Object 1/meta.xml")
    assert archive.read("Object 1/content.xml").count(b"<mi>x</mi>") == 1
    assert not [name for name in archive.namelist() if name.startswith("ObjectReplacements")]
    manifest = archive.read("META-INF/manifest.xml")
    assert b"ObjectReplacements" not in manifest
    assert b'"Object 1/"' in manifest


def test_pdf_annotations_keep_their_note_but_lose_author_and_dates() -> None:
    _media_type, body = cleaned(planted.pdf_with_annotation())
    with pikepdf.open(io.BytesIO(body)) as pdf:
        note, popup = list(pdf.pages[0].Annots)
        assert str(note.Contents) == "check"
        for annotation in (note, popup):
            assert not {"/T", "/M", "/CreationDate"} & set(annotation.keys())


def test_pdf_form_field_names_are_kept() -> None:
    """A widget's ``/T`` is the name of a form field, not a person: it must stay."""
    def change(pdf: pikepdf.Pdf) -> None:
        field = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Widget, FT=pikepdf.Name.Tx,
            T=pikepdf.String("citizen_id"), Rect=pikepdf.Array([20, 20, 120, 40])))
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([field]))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array([field]))
    _media_type, body = cleaned(planted._pdf(change))
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert str(pdf.Root.AcroForm.Fields[0].T) == "citizen_id"


def test_pdf_embedded_files_are_gone_and_the_text_stays() -> None:
    _media_type, body = cleaned(planted.pdf_with_embedded_files())
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert len(pdf.attachments) == 0
        assert "/AF" not in pdf.Root
        assert "/Annots" not in pdf.pages[0] or len(pdf.pages[0].Annots) == 0
        kinds = (pikepdf.Name.EmbeddedFile, pikepdf.Name.Filespec)
        assert not [obj for obj in pdf.objects
                    if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream)
                    and obj.get("/Type") in kinds]
    assert samples.BODY_TEXT.encode() in samples.every_text_of(body)


def test_tracked_changes_and_comments_keep_their_text_but_lose_people_and_dates() -> None:
    stamp = "2025-03-01T07:41:00Z"
    data = planted.docx_with(
        body=f'<w:p><w:ins w:id="91" w:author="{samples.COMMENT_AUTHOR}" w:date="{stamp}">'
             '<w:r><w:t>added later</w:t></w:r></w:ins></w:p>')
    _media_type, body = cleaned(data)
    text = samples.every_text_of(body)
    assert samples.COMMENT_AUTHOR.encode() not in text
    assert stamp.encode() not in text
    document = zipfile.ZipFile(io.BytesIO(body)).read("word/document.xml")
    assert b'w:author=""' in document
    assert b"<w:t>added later</w:t>" in document
    _media_type, commented = cleaned(samples.docx_with_author())
    assert b"w:date=" not in samples.every_text_of(commented)


def test_opendocument_links_macros_and_annotation_dates() -> None:
    """An outside link becomes its text and address; a macro bound to an event and a section
    loaded from another file are removed; an annotation's date is neutral."""
    data = samples.odt_with_author(body=(
        '<text:p>See <text:a xlink:type="simple" xlink:href="https://evidence.example/x">'
        'the post</text:a> now.</text:p>'
        '<text:section text:name="s1"><text:section-source xlink:href="file:///C:/Users/'
        'somsri.private/x.odt"/></text:section>'
        '<office:event-listeners><script:event-listener xmlns:script="urn:oasis:names:tc:'
        'opendocument:xmlns:script:1.0" script:event-name="dom:load" xlink:href='
        '"vnd.sun.star.script:Standard.Module1.Run"/></office:event-listeners>'
        '<office:annotation><dc:date>2025-03-01T07:41:13</dc:date><text:p>n</text:p>'
        '</office:annotation>'))
    _media_type, body = cleaned(data)
    content = zipfile.ZipFile(io.BytesIO(body)).read("content.xml")
    assert b"See the post (https://evidence.example/x) now." in content
    for gone in (b"text:a ", b"section-source", b"somsri", b"event-listener", b"vnd.sun.star",
                 b"2025-03-01"):
        assert gone not in content
