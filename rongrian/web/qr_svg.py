"""QR codes as a matrix of modules or inline SVG, for both apps: the public receipt's tracking
link (:mod:`rongrian.channels.qr.codes`) and the staff second-factor enrolment page
(:mod:`rongrian.admin.web.second_factor_pages`).

The symbol is made by zxing-cpp's writer (``zxingcpp.create_barcode``, the Zint encoder, in C++):
a receipt draws one QR code per filing, and the pure-Python ``qrcode`` library spent about
1.5 ms of a filing's 10 ms on it (issue 11); zxing-cpp makes the same symbol in about 0.3 ms.
"""

import re
from typing import Any, cast

import zxingcpp

#: Error correction of every code we draw: M (about 15 % of the symbol may be damaged).
ERROR_CORRECTION = "M"
#: Quiet zone around the symbol, in modules (ISO/IEC 18004 asks for 4).
BORDER = 4
#: A run of dark modules in a row of the writer's image (one byte per module, 0 = dark).
_DARK_RUN = re.compile(rb"\x00+")


def _rows(data: str) -> list[bytes]:
    """The symbol of ``data`` without its quiet zone: one ``bytes`` per row, a byte per module,
    ``0`` dark and ``255`` light. Raises ``ValueError`` for data too long for any version."""
    barcode = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.QRCode,
                                      ec_level=ERROR_CORRECTION)
    image = memoryview(cast(Any, barcode.to_image(scale=1, add_quiet_zones=False)))
    width = image.shape[1] if image.shape else 0
    flat = image.tobytes()
    return [flat[start:start + width] for start in range(0, len(flat), width)]


def modules(data: str) -> list[list[bool]]:
    """The QR symbol of ``data`` (smallest version that fits, error correction M, the mask the
    encoder scores best), rows of modules with the :data:`BORDER` quiet zone, ``True`` = dark."""
    rows = _rows(data)
    side = len(rows) + 2 * BORDER
    blank = [False] * side
    matrix = [list(blank) for _ in range(BORDER)]
    matrix += [[False] * BORDER + [byte == 0 for byte in row] + [False] * BORDER
               for row in rows]
    matrix += [list(blank) for _ in range(BORDER)]
    return matrix


def svg(data: str) -> str:
    """``data`` as a QR code: one ``<svg>`` element (white background, one black path with a
    rectangle per run of dark modules in a row; no script, no style attribute), sized by CSS
    through its ``viewBox``; 1 unit = 1 module, the quiet zone included. Generated here, so safe
    to insert unescaped."""
    rows = _rows(data)
    size = len(rows) + 2 * BORDER
    path = "".join(
        f"M{match.start() + BORDER},{y}H{match.end() + BORDER}V{y + 1}H{match.start() + BORDER}z"
        for y, row in enumerate(rows, start=BORDER)
        for match in _DARK_RUN.finditer(row)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {size} {size}" '
        f'width="{size}mm" height="{size}mm"><rect fill="white" x="0" y="0" width="{size}" '
        f'height="{size}"/><path d="{path}"/></svg>'
    )
