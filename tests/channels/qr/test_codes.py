"""The tracking link and its QR code."""

import re

import pytest

from rongrian.channels.qr.codes import svg, tracking_link, tracking_link_svg
from tests.channels.qr.matrix import decoded_svg

CODE = "ABCD-EFGH-JKMN-PQRS"


@pytest.mark.parametrize("base", ["https://rongrian.example.go.th", "https://rongrian.example.go.th/"])
def test_tracking_link_puts_the_code_in_the_fragment(base: str) -> None:
    assert tracking_link(base, CODE) == "https://rongrian.example.go.th/track#ABCD-EFGH-JKMN-PQRS"


def test_svg_encodes_the_tracking_link() -> None:
    markup = tracking_link_svg("https://rongrian.example.go.th", CODE)
    link = "https://rongrian.example.go.th/track#ABCD-EFGH-JKMN-PQRS"
    assert decoded_svg(markup) == [link]


def test_svg_is_one_inline_element_without_script_or_style() -> None:
    markup = svg("hello")
    assert markup.startswith("<svg ")
    assert markup.endswith("</svg>")
    assert "<?xml" not in markup
    lowered = markup.lower()
    assert "<script" not in lowered
    assert "style=" not in lowered
    assert "href" not in lowered
    assert re.search(r"\son\w+=", lowered) is None
