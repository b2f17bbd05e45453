"""QR codes as inline SVG (zxing-cpp, :mod:`rongrian.web.qr_svg`) for the receipt's tracking link.

The tracking link carries the code in the URL fragment, ``<base>/track#XXXX-XXXX-XXXX-XXXX``:
browsers never send the fragment to the server, so the code cannot land in an access log, and
the tracking page's script copies it into the code field.
"""

from rongrian.web.qr_svg import BORDER, ERROR_CORRECTION, modules, svg

__all__ = ["BORDER", "ERROR_CORRECTION", "modules", "svg", "tracking_link",
           "tracking_link_svg"]


def tracking_link(base_url: str, code: str) -> str:
    """``<base_url>/track#<code>`` (the code goes in the fragment, never in the path or query)."""
    return f"{base_url.rstrip('/')}/track#{code}"


def tracking_link_svg(base_url: str, code: str) -> str:
    """The QR code of :func:`tracking_link` as inline SVG markup (generated here, so safe to
    insert into a page unescaped)."""
    return svg(tracking_link(base_url, code))
