"""Issue 13, M1: a small document that unpacks to gigabytes is refused, quickly and without
inflating it (each part at most 32 MiB, all parts at most 128 MiB, counted from the bytes
really inflated; an XML part to parse at most a million elements and attributes)."""

import io
import tracemalloc

import pytest

from rongrian.channels import files
from rongrian.channels.files import DecompressionBomb, FileTooLarge, clean_upload
from tests.channels import planted

MIB = 1024 * 1024


def refusal(data: bytes) -> FileTooLarge:
    with pytest.raises(FileTooLarge) as refused:
        clean_upload(io.BytesIO(data), max_bytes=20 * MIB)
    assert refused.value.reason == "expanded"  # what the web form explains
    return refused.value


def test_a_part_that_inflates_past_its_limit_is_refused_before_it_is_inflated() -> None:
    bomb = planted.docx_bomb(40 * MIB)
    assert len(bomb) < 200 * 1024
    tracemalloc.start()
    try:
        error = refusal(bomb)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert isinstance(error, DecompressionBomb)
    assert (error.what, error.limit) == ("part", files.MAX_PART_BYTES)
    assert peak < 4 * MIB  # refused from the zip's directory: nothing was inflated


def test_parts_under_their_limit_that_add_up_past_the_total_are_refused() -> None:
    error = refusal(planted.docx_bomb(30 * MIB, parts=5, level=1))
    assert isinstance(error, DecompressionBomb)
    assert (error.what, error.limit) == ("total", files.MAX_EXPANDED_BYTES)


def test_a_zip_that_states_a_small_size_for_a_big_part_is_refused_as_a_bomb() -> None:
    """zipfile trusts the stated size; what is inflated is counted instead."""
    lying = planted.with_lying_size(planted.docx_bomb(40 * MIB), "word/document.xml", 1000)
    error = refusal(lying)
    assert isinstance(error, DecompressionBomb)
    assert error.what == "part"


@pytest.mark.parametrize("paragraph", ["<w:p/>", '<w:p w:rsidR="00AB12CD" w:a="1"/>'],
                         ids=["elements", "attributes"])
def test_an_xml_part_with_too_many_nodes_to_parse_is_refused(
        monkeypatch: pytest.MonkeyPatch, paragraph: str) -> None:
    """A tree's memory grows with its elements and attributes, not its bytes."""
    monkeypatch.setattr(files.xmlparts, "MAX_XML_NODES", 2000)
    accepted = planted.docx_with(body=paragraph * 100 + '<w:p><w:ins w:author="x"/></w:p>')
    clean_upload(io.BytesIO(accepted), max_bytes=20 * MIB).close()
    error = refusal(planted.docx_with(body=paragraph * 2000 + '<w:p><w:ins w:author="x"/></w:p>'))
    assert isinstance(error, DecompressionBomb)
    assert error.what == "nodes"


def test_a_picture_inside_a_document_over_the_pixel_limit_is_refused(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files.images, "MAX_IMAGE_PIXELS", 32 * 24 - 1)
    with pytest.raises(FileTooLarge) as refused:
        clean_upload(io.BytesIO(planted.docx_with_tiff()), max_bytes=20 * MIB)
    assert refused.value.reason == "pixels"
