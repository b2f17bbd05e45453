"""Cleaned documents still open in a real office suite: LibreOffice renders each to PDF and
``pdftotext`` shows the body text (and, for a web link, its address kept as text).

Word and OpenDocument text only: the machine's LibreOffice is Writer alone
(``libreoffice-writer-nogui``); workbooks are opened with openpyxl in ``test_files_active``."""

import io
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from rongrian.channels.files import clean_upload
from tests.channels import planted, samples

SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")
pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(SOFFICE is None or PDFTOTEXT is None,
                       reason="LibreOffice (soffice) and poppler-utils (pdftotext) are needed "
                              "to render the cleaned documents"),
]

DOCUMENTS: dict[str, tuple[Callable[[], bytes], str]] = {
    "word-author.docx": (samples.docx_with_author, samples.BODY_TEXT),
    "template.docx": (planted.docx_with_attached_template, samples.BODY_TEXT),
    "ole.docx": (planted.docx_with_ole_object, samples.BODY_TEXT),
    "activex.docx": (planted.docx_with_activex, samples.BODY_TEXT),
    "workbook.docx": (planted.docx_with_embedded_workbook, samples.BODY_TEXT),
    "tiff.docx": (planted.docx_with_tiff, samples.BODY_TEXT),
    "link.docx": (planted.docx_with_hyperlink, f"the post ({planted.EVIDENCE_URL})"),
    "text-author.odt": (samples.odt_with_author, samples.BODY_TEXT),
    "object.odt": (planted.odt_with_object, samples.BODY_TEXT),
}


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The text of every cleaned document rendered to PDF by LibreOffice, by file name."""
    folder = tmp_path_factory.mktemp("render")
    for name, (make, _text) in DOCUMENTS.items():
        with clean_upload(io.BytesIO(make()), max_bytes=20 * 1024 * 1024) as cleaned:
            (folder / name).write_bytes(cleaned.stream.read())
    profile = (folder / "profile").as_uri()
    subprocess.run(  # noqa: S603 - fixed arguments, our own files
        [str(SOFFICE), f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder / "pdf"), *(str(folder / name) for name in DOCUMENTS)],
        check=True, capture_output=True, timeout=240)
    texts = {}
    for name in DOCUMENTS:
        pdf = folder / "pdf" / (Path(name).stem + ".pdf")
        if pdf.exists():
            texts[name] = subprocess.run(  # noqa: S603 - fixed arguments
                [str(PDFTOTEXT), str(pdf), "-"], check=True, capture_output=True,
                timeout=60).stdout.decode()
    return texts


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_libreoffice_renders_the_cleaned_document_with_its_text(rendered: dict[str, str],
                                                                name: str) -> None:
    assert name in rendered, f"LibreOffice could not convert the cleaned {name}"
    assert DOCUMENTS[name][1] in " ".join(rendered[name].split())
