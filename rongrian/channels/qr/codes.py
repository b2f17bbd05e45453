"""QR codes as inline SVG (the ``qrcode`` library), for the receipt's tracking link.

The tracking link carries the code in the URL fragment, ``<base>/track#XXXX-XXXX-XXXX-XXXX``:
browsers never send the fragment to the server, so the code cannot land in an access log, and
the tracking page's script copies it into the code field.
"""

import qrcode
from qrcode.image.svg import SvgPathFillImage

#: Error correction of every code we draw: M (about 15 % of the symbol may be damaged).
ERROR_CORRECTION = qrcode.constants.ERROR_CORRECT_M
#: Quiet zone around the symbol, in modules (the standard asks for 4).
BORDER = 4


def tracking_link(base_url: str, code: str) -> str:
    """``<base_url>/track#<code>`` (the code goes in the fragment, never in the path or query)."""
    return f"{base_url.rstrip('/')}/track#{code}"


def svg(data: str) -> str:
    """``data`` as a QR code: one ``<svg>`` element (white background, black modules, no
    script, no style attribute), sized by CSS through its ``viewBox``; 1 unit = 1 module."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECTION, border=BORDER,
                         image_factory=SvgPathFillImage)
    code.add_data(data)
    code.make(fit=True)
    image = code.make_image()
    markup: str = image.to_string(encoding="unicode")
    return markup


def tracking_link_svg(base_url: str, code: str) -> str:
    """The QR code of :func:`tracking_link` as inline SVG markup (generated here, so safe to
    insert into a page unescaped)."""
    return svg(tracking_link(base_url, code))
