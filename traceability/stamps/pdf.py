"""The A4 PDF of label sheets, written directly: each label is its PNG's zlib stream as a 1-bit
image (no re-encoding), placed on the page grid, with vector cut marks and an invisible text layer.
The sheet is streamed to a file as the labels arrive (``SheetWriter``).
"""

from __future__ import annotations

import zlib
from array import array
from collections.abc import Sequence
from typing import IO

from traceability.stamps.label_layout import PAGE_PT, PAGE_PX, Layout

TextRuns = Sequence[tuple[int, int, str]]  # (x, baseline y, text) in a label's pixels


def png_idat(png: bytes) -> bytes:
    """The zlib stream of a PNG (its IDAT chunks joined): PDF reads it with /Predictor 15."""
    out, pos = [], 8
    while pos < len(png):
        length = int.from_bytes(png[pos : pos + 4], "big")
        kind = png[pos + 4 : pos + 8]
        if kind == b"IDAT":
            out.append(png[pos + 8 : pos + 8 + length])
        elif kind == b"IEND":
            break
        pos += 12 + length
    return b"".join(out)


def _cut_marks(lay: Layout, scale: float, gap_px: int) -> bytes:
    """Corner ticks in the cut margins, as vector lines (drawn once per page)."""
    tick, gap = gap_px // 2 - 2, 2
    ops = ["0.3 w 0 G"]
    for index in range(lay.per_page):
        x, y = lay.slot(index)
        for cx, cy in (
            (x, y),
            (x + lay.label_w, y),
            (x, y + lay.label_h),
            (x + lay.label_w, y + lay.label_h),
        ):
            for x1, y1, x2, y2 in (
                (cx - tick - gap, cy, cx - gap, cy),
                (cx + gap, cy, cx + tick + gap, cy),
                (cx, cy - tick - gap, cx, cy - gap),
                (cx, cy + gap, cx, cy + tick + gap),
            ):
                h = PAGE_PX[1]
                ops.append(
                    f"{x1 * scale:.2f} {(h - y1) * scale:.2f} m {x2 * scale:.2f} {(h - y2) * scale:.2f} l S"
                )
    return "\n".join(ops).encode()


def _text_layer(lay: Layout, index: int, runs: TextRuns, scale: float) -> bytes:
    """Invisible text (render mode 3) over a label's words, as a scanned document's OCR layer: the
    printer finds a serial with the viewer's search, and what a label says can be read back."""
    x, y = lay.slot(index)
    return b"".join(
        f"BT 3 Tr /F1 6 Tf 1 0 0 1 {(x + rx) * scale:.2f} {(PAGE_PX[1] - y - ry) * scale:.2f} Tm "
        f"({_pdf_string(text)}) Tj ET\n".encode("latin-1")
        for rx, ry, text in runs
    )


def _pdf_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


class SheetWriter:
    """A4 pages of labels (PNGs) on the ``lay`` grid, written to ``out`` as the labels arrive.

    Only the current page's drawing operators are held, never the labels: a 100,000-label sheet
    must not need its whole size in memory. Object numbers follow from the label count alone
    (catalog 1, page tree 2, font 3, then per page its images, its content and the page itself,
    then the info), so the page tree, written first, names every page before any is drawn; each
    image is written when its label arrives, a page's content and page object once it is full,
    and the xref from the offsets at the end.
    """

    def __init__(
        self, out: IO[bytes], lay: Layout, total: int, gap_px: int = 24, title: str = "Tem truy xuat"
    ) -> None:
        self.out, self.lay, self.total, self.title = out, lay, total, title
        self.scale = PAGE_PT[0] / PAGE_PX[0]  # pixels -> points
        self.base = out.tell()
        self.offsets = array("Q")  # 8 bytes an object rather than a list's Python ints
        self.count = 0  # labels added
        out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        per_page = lay.per_page
        page_ids, next_id = [], 4
        for first in range(0, total, per_page):
            page_ids.append(next_id + min(per_page, total - first) + 1)  # after its images and content
            next_id += min(per_page, total - first) + 2
        self._obj(b"<< /Type /Catalog /Pages 2 0 R >>")
        kids = " ".join(f"{i} 0 R" for i in page_ids)
        self._obj(f"<< /Type /Pages /Count {len(page_ids)} /Kids [{kids}] >>".encode())
        self._obj(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")  # 3
        self.marks = _cut_marks(lay, self.scale, gap_px)
        w = lay.label_w
        self.image_head = (
            f"<< /Type /XObject /Subtype /Image /Width {w} /Height {lay.label_h} /ColorSpace /DeviceGray "
            f"/BitsPerComponent 1 /Filter /FlateDecode "
            f"/DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 1 /Columns {w} >> /Length "
        ).encode()
        self.names: list[str] = []
        self.draw: list[bytes] = [self.marks]

    def _obj(self, *body: bytes) -> int:
        self.offsets.append(self.out.tell() - self.base)
        number = len(self.offsets)
        self.out.write(f"{number} 0 obj\n".encode())
        for part in body:  # in parts: a label's image data is written, not copied into one string
            self.out.write(part)
        self.out.write(b"\nendobj\n")
        return number

    def add(self, png: bytes, runs: TextRuns | None = None) -> None:
        """The next label, with its text layer (``runs``) if it has one."""
        if self.count >= self.total:
            raise ValueError("more labels than the sheet was started for")
        lay, scale = self.lay, self.scale
        index = self.count % lay.per_page
        data = png_idat(png)
        number = self._obj(self.image_head, str(len(data)).encode(), b" >>\nstream\n", data, b"\nendstream")
        self.names.append(f"/L{index} {number} 0 R")
        x, y = lay.slot(index)
        w, h = lay.label_w, lay.label_h
        self.draw.append(
            f"q {w * scale:.3f} 0 0 {h * scale:.3f} {x * scale:.3f} {(PAGE_PX[1] - y - h) * scale:.3f} cm "
            f"/L{index} Do Q".encode()
        )
        if runs is not None:
            self.draw.append(_text_layer(lay, index, runs, scale))
        self.count += 1
        if index == lay.per_page - 1:
            self._end_page()

    def _end_page(self) -> None:
        stream = zlib.compress(b"\n".join(self.draw), 6)
        content_id = self._obj(
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode(), stream, b"\nendstream"
        )
        pw, ph = PAGE_PT
        self._obj(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.3f} {ph:.3f}] "
            f"/Resources << /XObject << {' '.join(self.names)} >> /Font << /F1 3 0 R >> >> "
            f"/Contents {content_id} 0 R >>".encode()
        )
        self.names, self.draw = [], [self.marks]

    def close(self) -> None:
        """The last, partial page, the info and the xref. Does not close ``out``."""
        if self.count != self.total:  # the page tree, written first, counted on ``total`` labels
            raise ValueError(f"{self.count} labels added to a sheet of {self.total}")
        if self.names:
            self._end_page()
        info_id = self._obj(f"<< /Title ({self.title}) /Producer (agrimarket) >>".encode())
        out, size = self.out, len(self.offsets) + 1
        xref = out.tell() - self.base
        out.write(f"xref\n0 {size}\n0000000000 65535 f \n".encode())
        for at in range(0, len(self.offsets), 4096):  # 20 bytes an object: in slices, not all at once
            out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in self.offsets[at : at + 4096]))
        out.write(f"trailer\n<< /Size {size} /Root 1 0 R /Info {info_id} 0 R >>\n".encode())
        out.write(f"startxref\n{xref}\n%%EOF\n".encode())
