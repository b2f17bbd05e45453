"""Reading our QR SVG back into modules, and decoding it as a phone's camera would.

A receipt's code is drawn as our own SVG path (:func:`rongrian.web.qr_svg.svg`); these helpers
turn that path back into dark modules and into a picture that zxing-cpp decodes, so a test checks
the text a citizen's phone would read, not the encoder's choices (version, mask).
"""

import re

import zxingcpp
from PIL import Image

from rongrian.channels.qr.codes import BORDER

_MODULE = re.compile(r"M(\d+),(\d+)H(\d+)V(\d+)H\1z")
_VIEWBOX = re.compile(r'viewBox="0 0 (\d+) (\d+)"')


def dark_modules_of_svg(markup: str) -> tuple[int, set[tuple[int, int]]]:
    """``(size, dark modules)`` of an SVG drawn by ``rongrian.channels.qr.codes.svg``, without
    the quiet zone."""
    viewbox = _VIEWBOX.search(markup)
    assert viewbox, "no viewBox"
    size = int(viewbox.group(1)) - 2 * BORDER
    path = re.search(r'<path d="([^"]+)"', markup)
    assert path, "no path"
    modules = set()
    for x, y, right, bottom in _MODULE.findall(path.group(1)):
        assert int(bottom) - int(y) == 1, "a rectangle spans one row of modules"
        assert int(right) > int(x)
        modules.update((column - BORDER, int(y) - BORDER) for column in range(int(x), int(right)))
    return size, modules


def svg_as_picture(markup: str, scale: int = 8) -> Image.Image:
    """The SVG's modules (our own path format) drawn black on white with a 4-module quiet zone,
    ``scale`` pixels a module."""
    size, dark = dark_modules_of_svg(markup)
    side = (size + 8) * scale
    picture = Image.new("L", (side, side), 255)
    for x, y in dark:
        picture.paste(0, ((x + 4) * scale, (y + 4) * scale, (x + 5) * scale, (y + 5) * scale))
    return picture


def decoded_svg(markup: str) -> list[str]:
    """The texts zxing-cpp reads from the QR code drawn by ``markup`` (empty: unreadable)."""
    return [found.text for found in zxingcpp.read_barcodes(svg_as_picture(markup))]
