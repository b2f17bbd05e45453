"""QR codes as inline SVG (the ``qrcode`` library), for the receipt's tracking link.

The tracking link carries the code in the URL fragment, ``<base>/track#XXXX-XXXX-XXXX-XXXX``:
browsers never send the fragment to the server, so the code cannot land in an access log, and
the tracking page's script copies it into the code field.
"""

from itertools import groupby

import qrcode

#: Error correction of every code we draw: M (about 15 % of the symbol may be damaged).
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
#: Quiet zone around the symbol, in modules (the standard asks for 4).
BORDER = 4
#: Data mask applied to every code. ISO/IEC 18004 lets an encoder pick any of the eight masks
#: (a reader learns it from the format bits); scoring all eight costs most of the drawing time,
#: and a tracking link always decodes with a fixed one.
MASK_PATTERN = 2


def tracking_link(base_url: str, code: str) -> str:
    """``<base_url>/track#<code>`` (the code goes in the fragment, never in the path or query)."""
    return f"{base_url.rstrip('/')}/track#{code}"


def modules(data: str) -> list[list[bool]]:
    """The QR symbol of ``data`` (``qrcode``: smallest version that fits, error correction M,
    mask :data:`MASK_PATTERN`), rows of modules with the quiet zone, ``True`` = dark."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=BORDER,
                         mask_pattern=MASK_PATTERN)
    code.add_data(data)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    return matrix


def _runs(row: list[bool]) -> list[tuple[int, int]]:
    """``(start, length)`` of each run of dark modules in ``row``."""
    runs, x = [], 0
    for dark, group in groupby(row):
        length = len(list(group))
        if dark:
            runs.append((x, length))
        x += length
    return runs


def svg(data: str) -> str:
    """``data`` as a QR code: one ``<svg>`` element (white background, one black path with a
    rectangle per run of dark modules in a row; no script, no style attribute), sized by CSS
    through its ``viewBox``; 1 unit = 1 module."""
    matrix = modules(data)
    size = len(matrix)
    path = "".join(
        f"M{x},{y}H{x + length}V{y + 1}H{x}z"
        for y, row in enumerate(matrix)
        for x, length in _runs(row)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" viewBox="0 0 {size} {size}" '
        f'width="{size}mm" height="{size}mm"><rect fill="white" x="0" y="0" width="{size}" '
        f'height="{size}"/><path d="{path}"/></svg>'
    )


def tracking_link_svg(base_url: str, code: str) -> str:
    """The QR code of :func:`tracking_link` as inline SVG markup (generated here, so safe to
    insert into a page unescaped)."""
    return svg(tracking_link(base_url, code))
