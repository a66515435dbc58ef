"""QR rendering for the live code page: an SVG path from qrcode's module matrix.

qrcode's default mask search costs about 9 ms per code; a fixed mask (the QR standard
allows any of the eight; scanners read them all) and a hand-built path bring it near 1 ms.
The codewords of byte-mode data (every token and URL) come from healthcode/qrdata.py, which
gives qrcode's own in a fraction of its time; qrcode places them. Printable paper codes use
the same function; the SVG scales to any print size.
"""

from __future__ import annotations

import qrcode
from qrcode import util
from qrcode.constants import ERROR_CORRECT_M

from healthcode import qrdata

FIXED_MASK = 2  # vertical stripes; any fixed mask is valid, this one scans well on screens
QUIET_ZONE = 4


def matrix(data: str) -> list[list[bool]]:
    qr = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=QUIET_ZONE, mask_pattern=FIXED_MASK)
    chunk = util.QRData(data)
    qr.add_data(chunk)
    if chunk.mode == util.MODE_8BIT_BYTE:
        # What qr.make() does (best_fit, create_data, makeImpl), the first two done by qrdata.
        qr.version = qrdata.version_for(len(chunk.data), qr.error_correction)
        qr.data_cache = qrdata.codewords(chunk.data, qr.version, qr.error_correction)
        qr.makeImpl(False, FIXED_MASK)
    else:  # digits or upper-case only: qrcode's denser modes, not worth a path of our own
        qr.make(fit=True)
    return qr.get_matrix()


def svg(data: str, *, colour: str = "#000", label: str = "") -> str:
    """An SVG QR code: one path of dark runs, scaled by the viewBox, crisp at any size."""
    rows = matrix(data)
    size = len(rows)
    parts: list[str] = []
    for y, row in enumerate(rows):
        x = 0
        while x < size:
            if row[x]:
                start = x
                while x < size and row[x]:
                    x += 1
                parts.append(f"M{start} {y}h{x - start}v1h{start - x}z")
            else:
                x += 1
    # With a label the SVG is an image named by its <title>; without, the page around it names
    # it (the code page's role="img" box), and screen readers skip the drawing itself.
    title = f"<title>{label}</title>" if label else ""
    role = 'role="img"' if label else 'aria-hidden="true"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" '
        f'shape-rendering="crispEdges" {role}>{title}'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="{colour}" d="{"".join(parts)}"/></svg>'
    )
