"""Reading our QR SVG back into modules, and the modules a link should give.

No QR decoder is installed, so the receipt's code is checked module by module against the
symbol ``qrcode`` builds for the expected link with the same settings: a code drawn from any
other text (another link, a missing code) has a different module pattern.
"""

import re

import qrcode

from rongrian.channels.qr.codes import BORDER, ERROR_CORRECTION, MASK_PATTERN

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


def expected_modules(text: str) -> tuple[int, set[tuple[int, int]]]:
    """``(size, dark modules)`` of the QR symbol of ``text``."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=0, mask_pattern=MASK_PATTERN)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    dark = {(x, y) for y, row in enumerate(matrix) for x, cell in enumerate(row) if cell}
    return len(matrix), dark
