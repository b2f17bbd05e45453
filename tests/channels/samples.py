"""Files a citizen might send, made in memory with known metadata to look for afterwards.

Each marker is a distinctive string that must not survive cleaning; the tests search the
cleaned bytes (and any compressed part of them) for it.
"""

import io
import zipfile

import docx
import pikepdf
from PIL import Image, ImageDraw

#: Distinctive strings planted as metadata.
CAMERA = "SecretCam-X9000"
ARTIST = "Somchai Photographer"
AUTHOR = "Somsri Whistleauthor"
XMP_AUTHOR = "Wichai Xmpcreator"
COMMENT_AUTHOR = "Prasit Commentwriter"
COMPANY = "Hidden Company Co Ltd"
LOCAL_PATH = "C:\\Users\\somsri.private\\Templates\\Normal.dotm"
PNG_TEXT = "Kanya Pngtextauthor"
#: GPS position planted in photos (a place in Bangkok): 13.7563 N, 100.5018 E.
GPS_LATITUDE = (13.0, 45.0, 22.68)
GPS_LONGITUDE = (100.0, 30.0, 6.48)
#: A visible text in the document bodies, which must survive cleaning.
BODY_TEXT = "Evidence body text 4711"


def _picture(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """A picture whose left half is red and right half blue, so orientation can be checked."""
    image = Image.new("RGB", size, (0, 0, 255))
    ImageDraw.Draw(image).rectangle((0, 0, size[0] // 2 - 1, size[1]), fill=(255, 0, 0))
    return image


def _exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = CAMERA  # Model
    exif[0x013B] = ARTIST  # Artist
    exif[0x0132] = "2025:03:01 07:41:13"  # DateTime
    exif[0x0112] = orientation
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", GPS_LATITUDE, "E", GPS_LONGITUDE
    return exif


def jpeg_with_gps(*, orientation: int = 1, size: tuple[int, int] = (64, 48)) -> bytes:
    """A JPEG with camera, artist, date and GPS in its EXIF, and a comment."""
    out = io.BytesIO()
    _picture(size).save(out, format="JPEG", exif=_exif(orientation), comment=ARTIST.encode())
    return out.getvalue()


def png_with_metadata() -> bytes:
    """A PNG with EXIF (GPS), a text chunk naming its author, and an ICC profile."""
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", PNG_TEXT)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    _picture().save(out, format="PNG", pnginfo=info, exif=_exif(), icc_profile=srgb)
    return out.getvalue()


def heic_with_gps() -> bytes:
    """A HEIC photo (as iPhones take them) with EXIF camera and GPS."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    _picture().save(out, format="HEIF", exif=_exif().tobytes())
    return out.getvalue()


def pdf_with_author(*, with_photo: bool = True) -> bytes:
    """A one-page PDF with an author in the document information and the XMP metadata, an
    earlier revision, and (``with_photo``) a JPEG inside that carries GPS EXIF."""
    pdf = pikepdf.Pdf.new()
    page = pdf.add_blank_page(page_size=(200, 200))
    pdf.docinfo["/Author"] = AUTHOR
    pdf.docinfo["/Creator"] = "Microsoft Word for " + COMPANY
    with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
        meta["dc:creator"] = [XMP_AUTHOR]
        meta["pdf:Producer"] = COMPANY
    pdf.docinfo["/Author"] = AUTHOR
    content = f"BT /F1 12 Tf 20 100 Td ({BODY_TEXT}) Tj ET".encode()
    font = pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font,
                                                Subtype=pikepdf.Name.Type1,
                                                BaseFont=pikepdf.Name.Helvetica))
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    if with_photo:
        photo = pikepdf.Stream(pdf, jpeg_with_gps())
        photo.Type, photo.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
        photo.Width, photo.Height = 64, 48
        photo.ColorSpace, photo.BitsPerComponent = pikepdf.Name.DeviceRGB, 8
        photo.Filter = pikepdf.Name.DCTDecode
        resources.XObject = pikepdf.Dictionary(Im1=pdf.make_indirect(photo))
        content += b" q 64 0 0 48 20 20 cm /Im1 Do Q"
    page.Resources = resources
    page.Contents = pdf.make_stream(content)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """A PDF that needs a password to open."""
    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page()
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="owner-pw", user="user-pw"))
    return out.getvalue()


def docx_with_author() -> bytes:
    """A Word document with an author, a company, a comment by a named person, an attached
    template on the author's disk, and a photo with GPS EXIF inside."""
    document = docx.Document()
    document.core_properties.author = AUTHOR
    document.core_properties.last_modified_by = AUTHOR
    paragraph = document.add_paragraph(BODY_TEXT)
    document.add_comment(paragraph.runs, text="check this", author=COMMENT_AUTHOR,
                         initials="PC")
    document.add_picture(io.BytesIO(jpeg_with_gps()))
    out = io.BytesIO()
    document.save(out)
    return _patch_zip(out.getvalue(), {
        "docProps/app.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="'
            'http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            f"<Company>{COMPANY}</Company><Application>Microsoft Office Word</Application>"
            "</Properties>").encode(),
        "word/_rels/settings.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="'
            'http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
            'Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
            f'relationships/attachedTemplate" Target="file:///{LOCAL_PATH}" '
            'TargetMode="External"/></Relationships>').encode(),
        "docProps/thumbnail.jpeg": jpeg_with_gps(),
    })


def _patch_zip(data: bytes, parts: dict[str, bytes]) -> bytes:
    """``data`` (a zip) with ``parts`` added or replaced."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename not in parts:
                target.writestr(info, source.read(info))
        for name, content in parts.items():
            target.writestr(name, content)
    return out.getvalue()


_XLSX_PARTS = {
    "[Content_Types].xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
        'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/comments1.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.spreadsheetml.comments+xml"/>'
        '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-'
        'package.core-properties+xml"/></Types>'),
    "_rels/.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        '</Relationships>'),
    "xl/workbook.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac" '
        'mc:Ignorable="x15ac"><mc:AlternateContent><mc:Choice Requires="x15">'
        f'<x15ac:absPath url="{LOCAL_PATH}"/></mc:Choice></mc:AlternateContent>'
        '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'),
    "xl/_rels/workbook.xml.rels": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'),
    "xl/worksheets/sheet1.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>{BODY_TEXT}</t></is></c></row>'
        '</sheetData></worksheet>'),
    "xl/comments1.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<comments xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<authors><author>{COMMENT_AUTHOR}</author></authors><commentList/></comments>'),
    "docProps/core.xml": (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<dc:creator>{AUTHOR}</dc:creator></cp:coreProperties>'),
}


def xlsx_with_author(*, macro: bool = False, author: str = AUTHOR) -> bytes:
    """A minimal Excel workbook with an author, a comment author and the author's folder path;
    ``macro`` makes it an ``.xlsm`` with a VBA project."""
    parts = dict(_XLSX_PARTS)
    parts["docProps/core.xml"] = parts["docProps/core.xml"].replace(AUTHOR, author)
    if macro:
        parts["[Content_Types].xml"] = parts["[Content_Types].xml"].replace(
            "officedocument.spreadsheetml.sheet.main+xml",
            "ms-excel.sheet.macroEnabled.main+xml")
        parts["xl/vbaProject.bin"] = "fake"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return out.getvalue()


def odt_with_author(*, encrypted: bool = False, body: str = "", manifest_entries: str = "",
                    parts: dict[str, bytes] | None = None) -> bytes:
    """A minimal OpenDocument text with an initial creator, an annotation author, a thumbnail
    and printer settings; ``encrypted`` marks it password-protected in its manifest. ``body``
    is more XML after the first paragraph (namespaces ``text``, ``draw``, ``xlink``, ``svg``),
    ``manifest_entries`` more manifest entries, ``parts`` more files."""
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    manifest_ns = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    encryption = '<manifest:encryption-data/>' if encrypted else ""
    manifest = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
        f'"{manifest_ns}" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.'
        'oasis.opendocument.text"/>'
        f'<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        f'{encryption}</manifest:file-entry>'
        '<manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="settings.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="Thumbnails/thumbnail.png" '
        f'manifest:media-type="image/png"/>{manifest_entries}</manifest:manifest>')
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content xmlns:office='
        f'"{office}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:xlink="http://www.w3.org/1999/xlink" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" '
        'office:version="1.2"><office:body>'
        f'<office:text><text:p>{BODY_TEXT}<office:annotation><dc:creator>{COMMENT_AUTHOR}'
        f'</dc:creator><text:p>note</text:p></office:annotation></text:p>{body}</office:text>'
        '</office:body></office:document-content>')
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-meta xmlns:office="{office}"'
        ' xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"><office:meta>'
        f'<meta:initial-creator>{AUTHOR}</meta:initial-creator><dc:creator>{AUTHOR}'
        '</dc:creator></office:meta></office:document-meta>')
    settings = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-settings xmlns:office='
        f'"{office}"><office:settings>{COMPANY} printer</office:settings>'
        '</office:document-settings>')
    thumbnail = io.BytesIO()
    _picture().save(thumbnail, format="PNG")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text",
                         compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", meta)
        archive.writestr("settings.xml", settings)
        archive.writestr("Thumbnails/thumbnail.png", thumbnail.getvalue())
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return out.getvalue()


def executable() -> bytes:
    """The start of a Windows program."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(200)


def html_page() -> bytes:
    return b"<!DOCTYPE html><html><script>alert(1)</script></html>"


def every_text_of(data: bytes) -> bytes:
    """``data`` and, if it is a zip, every part of it uncompressed, and the same again for zips
    inside (an embedded workbook); if it is a PDF, every object and stream decoded (to search
    for markers)."""
    texts = [data]
    if data.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            texts.extend(every_text_of(archive.read(name)) for name in archive.namelist())
    if data.startswith(b"%PDF"):
        with pikepdf.open(io.BytesIO(data)) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    texts.append(obj.read_bytes() if obj.get("/Filter") != pikepdf.Name.DCTDecode
                                 else obj.read_raw_bytes())
                    texts.append(obj.stream_dict.unparse())
                elif isinstance(obj, pikepdf.Dictionary | pikepdf.Array):
                    texts.append(obj.unparse())
            texts.append(pdf.trailer.unparse())
    return b"\x00".join(texts)
