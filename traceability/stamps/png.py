"""1-bit PNGs of labels, written directly (PNG 1.2: IHDR, pHYs, one IDAT, IEND).

A label is drawn on a canvas FILTER_PX pixels wider than the label, whose first FILTER_PX columns
are black: packed one bit per pixel (Pillow's ``tobytes``), each row then starts with a 0 byte,
which is PNG's "no filter" tag. The packed canvas is the PNG's filtered data as is, compressed in
one zlib call. Pillow's own PNG encoder packed and tried filters row by row, which cost about twice
the rest of a label; bilevel labels gain nothing from the filters (they come out smaller without).
"""

from __future__ import annotations

import struct
import zlib

from PIL import Image

FILTER_PX = 8  # one byte of black pixels left of each row: the filter tag 0
LEVEL = 1  # zlib: fastest; higher levels save a tenth of the bytes for three times the time
_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def canvas(label: Image.Image) -> Image.Image:
    """``label`` (mode "1") on a canvas with the black filter column at its left."""
    wide = Image.new("1", (label.width + FILTER_PX, label.height), 0)
    wide.paste(label, (FILTER_PX, 0))
    return wide


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def head(width: int, height: int, dpi: int) -> bytes:
    """Signature, header (1-bit greyscale, not interlaced) and resolution of a label's PNG."""
    per_metre = round(dpi / 0.0254)
    return (
        _SIGNATURE
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0))
        + _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1))
    )


_END = _chunk(b"IEND", b"")


def encode(png_head: bytes, wide: Image.Image) -> bytes:
    """The PNG of a label drawn on a ``canvas`` (its filter column still black)."""
    return png_head + _chunk(b"IDAT", zlib.compress(wide.tobytes(), LEVEL)) + _END
