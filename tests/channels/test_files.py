"""Type checks by content and metadata removal (:mod:`rongrian.channels.files`)."""

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pikepdf
import pytest
from PIL import Image

from rongrian.channels import files
from rongrian.channels.files import (
    CleanedFile,
    FileTooLarge,
    UnreadableFile,
    UnsupportedFileType,
    clean_upload,
)
from tests.channels import samples

MARKERS = [samples.CAMERA, samples.ARTIST, samples.AUTHOR, samples.XMP_AUTHOR,
           samples.COMMENT_AUTHOR, samples.COMPANY, "somsri.private", samples.PNG_TEXT]
MB = 1024 * 1024


def clean(data: bytes, max_bytes: int = 20 * MB) -> tuple[CleanedFile, bytes]:
    cleaned = clean_upload(io.BytesIO(data), max_bytes=max_bytes)
    body = cleaned.stream.read()
    assert len(body) == cleaned.size
    return cleaned, body


def markers_in(data: bytes) -> list[str]:
    text = samples.every_text_of(data)
    return [marker for marker in MARKERS if marker.encode() in text]


SAMPLES: list[tuple[Callable[[], bytes], str, int]] = [
    (samples.jpeg_with_gps, "image/jpeg", 2),
    (samples.png_with_metadata, "image/png", 3),
    (samples.heic_with_gps, "image/jpeg", 2),
    (samples.pdf_with_author, "application/pdf", 5),
    (samples.docx_with_author, files.DOCX, 6),
    (samples.xlsx_with_author, files.XLSX, 3),
    (samples.odt_with_author, files.ODT, 3),
]


@pytest.mark.parametrize(("make", "media_type", "planted"), SAMPLES,
                         ids=[make.__name__ for make, _t, _n in SAMPLES])
def test_metadata_is_gone_and_the_type_is_recognised(make: Callable[[], bytes], media_type: str,
                                                     planted: int) -> None:
    original = make()
    assert len(markers_in(original)) == planted  # the search finds what was planted
    cleaned, body = clean(original)
    assert cleaned.media_type == media_type
    assert markers_in(body) == []


@pytest.mark.parametrize("make", [samples.jpeg_with_gps, samples.heic_with_gps,
                                  samples.png_with_metadata])
def test_photos_lose_every_exif_tag_gps_included(make: Callable[[], bytes]) -> None:
    assert Image.open(io.BytesIO(make())).getexif().get_ifd(0x8825)  # GPS planted
    _cleaned, body = clean(make())
    image = Image.open(io.BytesIO(body))
    assert dict(image.getexif()) == {}
    assert not {"exif", "xmp", "comment", "icc_profile", "Author"} & set(image.info)


@pytest.mark.parametrize("orientation", [1, 6, 8])
def test_the_orientation_is_applied_to_the_pixels(orientation: int) -> None:
    """A phone photo stored sideways with an orientation tag comes out upright, no tag."""
    _cleaned, body = clean(samples.jpeg_with_gps(orientation=orientation, size=(80, 40)))
    image = Image.open(io.BytesIO(body)).convert("RGB")

    def rgb(x: int, y: int) -> tuple[int, ...]:
        pixel = image.getpixel((x, y))
        assert isinstance(pixel, tuple)
        return pixel

    if orientation == 1:
        assert image.size == (80, 40)
        assert rgb(5, 20)[0] > 200  # red on the left, as drawn
    else:
        assert image.size == (40, 80)  # turned a quarter
        top, bottom = rgb(20, 5), rgb(20, 75)
        red_end = top if orientation == 6 else bottom
        assert red_end[0] > 200
        assert red_end[2] < 80


def test_pdf_keeps_its_text_and_loses_docinfo_xmp_and_the_photos_exif() -> None:
    _cleaned, body = clean(samples.pdf_with_author())
    with pikepdf.open(io.BytesIO(body)) as pdf:
        assert "/Info" not in pdf.trailer or not dict(pdf.docinfo)
        assert "/Metadata" not in pdf.Root
        assert len(pdf.pages) == 1
        photo = pdf.pages[0].Resources.XObject.Im1
        inner = Image.open(io.BytesIO(photo.read_raw_bytes()))
        assert dict(inner.getexif()) == {}
        assert inner.size == (64, 48)
    assert samples.BODY_TEXT.encode() in samples.every_text_of(body)


def _pdf_photo(body: bytes) -> bytes:
    with pikepdf.open(io.BytesIO(body)) as pdf:
        return bytes(pdf.pages[0].Resources.XObject.Im1.read_raw_bytes())


def test_a_pdf_photo_without_metadata_is_copied_as_it_is() -> None:
    plain = io.BytesIO()
    Image.new("RGB", (64, 48), (10, 200, 10)).save(plain, format="JPEG")
    original = samples.pdf_with_author(with_photo=True)
    with pikepdf.open(io.BytesIO(original)) as pdf:
        pdf.pages[0].Resources.XObject.Im1.write(plain.getvalue(),
                                                 filter=pikepdf.Name.DCTDecode)
        out = io.BytesIO()
        pdf.save(out)
    _cleaned, body = clean(out.getvalue())
    assert _pdf_photo(body) == plain.getvalue()


def test_a_pdf_photo_whose_header_does_not_fit_the_probe_is_re_encoded(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files.pdf, "_JPEG_PROBE_BYTES", 64)
    _cleaned, body = clean(samples.pdf_with_author())
    assert dict(Image.open(io.BytesIO(_pdf_photo(body))).getexif()) == {}
    assert markers_in(body) == []


def test_the_cleaned_word_document_still_opens_with_its_text_comment_and_picture() -> None:
    _cleaned, body = clean(samples.docx_with_author())
    document = docx.Document(io.BytesIO(body))
    assert document.paragraphs[0].text == samples.BODY_TEXT
    assert document.core_properties.author == ""
    comments = list(document.comments)
    assert [comment.text for comment in comments] == ["check this"]
    assert comments[0].author == ""
    assert len(document.inline_shapes) == 1
    names = zipfile.ZipFile(io.BytesIO(body)).namelist()
    assert not [name for name in names if "thumbnail" in name]
    rels = zipfile.ZipFile(io.BytesIO(body)).read("_rels/.rels")
    assert b"thumbnail" not in rels


def test_zip_entries_carry_no_dates_or_extra_fields() -> None:
    _cleaned, body = clean(samples.docx_with_author())
    for info in zipfile.ZipFile(io.BytesIO(body)).infolist():
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert info.extra == b""
        assert info.comment == b""


def test_odf_stays_a_valid_package() -> None:
    _cleaned, body = clean(samples.odt_with_author())
    archive = zipfile.ZipFile(io.BytesIO(body))
    first = archive.infolist()[0]
    assert first.filename == "mimetype"
    assert first.compress_type == zipfile.ZIP_STORED
    assert "settings.xml" not in archive.namelist()
    assert b"Thumbnails" not in archive.read("META-INF/manifest.xml")
    assert b"initial-creator" not in archive.read("meta.xml")


@pytest.mark.parametrize(("data", "detected"), [
    (samples.executable(), "executable"),
    (samples.html_page(), "html"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), "legacy-office"),
    (b"GIF89a" + bytes(40), "image"),
    (b"\x00\x00\x00\x18ftypmp42" + bytes(40), "video"),
    (b"just some text", "unknown"),
    (b"", "empty"),
])
def test_other_types_are_refused_whatever_their_name(data: bytes, detected: str) -> None:
    with pytest.raises(UnsupportedFileType) as refused:
        clean_upload(io.BytesIO(data), max_bytes=MB)
    assert refused.value.detected == detected


def test_a_plain_zip_or_a_macro_workbook_is_refused() -> None:
    plain = io.BytesIO()
    with zipfile.ZipFile(plain, "w") as archive:
        archive.writestr("photo.jpg", samples.jpeg_with_gps())
    with pytest.raises(UnsupportedFileType) as refused:
        clean_upload(io.BytesIO(plain.getvalue()), max_bytes=MB)
    assert refused.value.detected == "archive"
    with pytest.raises(UnsupportedFileType) as macro:
        clean_upload(io.BytesIO(samples.xlsx_with_author(macro=True)), max_bytes=MB)
    assert macro.value.detected == "macro"


@pytest.mark.parametrize("data", [
    samples.jpeg_with_gps()[:300],  # cut short
    b"\xff\xd8\xff\xe0" + bytes(500),  # a JPEG start, then nothing
    b"\x89PNG\r\n\x1a\n" + bytes(100),
    b"%PDF-1.7\n garbage",
    b"PK\x03\x04" + bytes(100),
])
def test_damaged_files_are_unreadable(data: bytes) -> None:
    with pytest.raises(UnreadableFile) as refused:
        clean_upload(io.BytesIO(data), max_bytes=MB)
    assert refused.value.reason == "corrupt"


@pytest.mark.parametrize("data", [samples.encrypted_pdf(), samples.odt_with_author(
    encrypted=True)])
def test_password_protected_files_are_unreadable_as_encrypted(data: bytes) -> None:
    with pytest.raises(UnreadableFile) as refused:
        clean_upload(io.BytesIO(data), max_bytes=MB)
    assert refused.value.reason == "encrypted"


def test_too_many_bytes() -> None:
    data = samples.jpeg_with_gps()
    with pytest.raises(FileTooLarge) as refused:
        clean_upload(io.BytesIO(data), max_bytes=len(data) - 1)
    assert refused.value.reason == "bytes"
    assert clean_upload(io.BytesIO(data), max_bytes=len(data)).media_type == "image/jpeg"


def test_too_many_bytes_from_a_stream_that_cannot_seek() -> None:
    class Pipe(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = io.BytesIO(data)

        def readable(self) -> bool:
            return True

        def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
            piece = self.data.read(len(buffer))
            buffer[:len(piece)] = piece
            return len(piece)

    data = samples.pdf_with_author()
    with pytest.raises(FileTooLarge):
        clean_upload(io.BufferedReader(Pipe(data)), max_bytes=len(data) - 1)
    cleaned = clean_upload(io.BufferedReader(Pipe(data)), max_bytes=len(data))
    assert cleaned.media_type == "application/pdf"


def test_too_many_pixels(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files.images, "MAX_IMAGE_PIXELS", 64 * 48 - 1)
    with pytest.raises(FileTooLarge) as refused:
        clean_upload(io.BytesIO(samples.jpeg_with_gps()), max_bytes=MB)
    assert refused.value.reason == "pixels"


def test_a_zip_bomb_is_refused_before_it_is_unpacked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files.packages, "MAX_EXPANDED_BYTES", 10_000)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * 20_000)
    with pytest.raises(FileTooLarge) as refused:
        clean_upload(io.BytesIO(bomb.getvalue()), max_bytes=MB)
    assert refused.value.reason == "expanded"


def test_no_temporary_file_is_left_behind_on_success_or_error(tmp_path: Path) -> None:
    """Temporary files have no name at all (O_TMPFILE); nothing shows in the spool folder,
    and the cleaned file's stream is closed when the caller is done."""
    with clean_upload(io.BytesIO(samples.pdf_with_author()), max_bytes=MB,
                      spool_dir=tmp_path) as cleaned:
        assert list(tmp_path.iterdir()) == []
    assert cleaned.stream.closed
    with pytest.raises(UnreadableFile):
        clean_upload(io.BytesIO(b"%PDF-1.7 broken"), max_bytes=MB, spool_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []
