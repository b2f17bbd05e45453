"""QR codes (the ``qrcode`` library) as a matrix of modules or inline SVG, for both apps: the
public receipt's tracking link (:mod:`rongrian.channels.qr.codes`) and the staff second-factor
enrolment page (:mod:`rongrian.admin.web.second_factor_pages`)."""

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
    through its ``viewBox``; 1 unit = 1 module. Generated here, so safe to insert unescaped."""
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
