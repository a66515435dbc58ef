"""Decode a QR module matrix (healthcode.qr.matrix) back to its text, as a scanner would."""

import zxingcpp
from PIL import Image


def decode(rows: list[list[bool]], scale: int = 4) -> str:
    image = Image.new("L", (len(rows) * scale, len(rows) * scale), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                image.paste(0, (x * scale, y * scale, (x + 1) * scale, (y + 1) * scale))
    return zxingcpp.read_barcodes(image)[0].text
