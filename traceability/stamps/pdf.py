"""The A4 PDF of label sheets, written directly: each label is its PNG's zlib stream as a 1-bit
image (no re-encoding), placed on the page grid, with vector cut marks and an invisible text layer.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Sequence

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


def build_pdf(
    lay: Layout,
    labels: Sequence[bytes],
    texts: Sequence[TextRuns] = (),
    gap_px: int = 24,
    title: str = "Tem truy xuat",
) -> bytes:
    """A4 pages of ``labels`` (PNGs) on the ``lay`` grid, with ``texts[i]`` over label i."""
    scale = PAGE_PT[0] / PAGE_PX[0]  # pixels -> points
    out = io.BytesIO()
    offsets: list[int] = []

    def obj(body: bytes) -> int:
        offsets.append(out.tell())
        out.write(f"{len(offsets)} 0 obj\n".encode() + body + b"\nendobj\n")
        return len(offsets)

    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    pages = [labels[i : i + lay.per_page] for i in range(0, len(labels), lay.per_page)]
    per_page_objs = [2 + len(p) for p in pages]  # images, content, page
    page_ids, next_id = [], 4
    for count in per_page_objs:
        page_ids.append(next_id + count - 1)
        next_id += count
    obj(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    obj(f"<< /Type /Pages /Count {len(pages)} /Kids [{kids}] >>".encode())
    obj(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")  # 3 0 R
    marks = _cut_marks(lay, scale, gap_px)
    w, h = lay.label_w, lay.label_h
    pw, ph = PAGE_PT
    image_head = (
        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
        f"/BitsPerComponent 1 /Filter /FlateDecode "
        f"/DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 1 /Columns {w} >> /Length "
    ).encode()
    for page_number, page in enumerate(pages):
        names, draw = [], [marks]
        for index, png in enumerate(page):
            data = png_idat(png)
            number = obj(image_head + str(len(data)).encode() + b" >>\nstream\n" + data + b"\nendstream")
            names.append(f"/L{index} {number} 0 R")
            x, y = lay.slot(index)
            draw.append(
                f"q {w * scale:.3f} 0 0 {h * scale:.3f} {x * scale:.3f} {(PAGE_PX[1] - y - h) * scale:.3f} cm "
                f"/L{index} Do Q".encode()
            )
            at = page_number * lay.per_page + index
            if at < len(texts):
                draw.append(_text_layer(lay, index, texts[at], scale))
        content = b"\n".join(draw)
        stream = zlib.compress(content, 6)
        content_id = obj(
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream"
        )
        obj(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.3f} {ph:.3f}] "
            f"/Resources << /XObject << {' '.join(names)} >> /Font << /F1 3 0 R >> >> "
            f"/Contents {content_id} 0 R >>".encode()
        )
    info_id = obj(f"<< /Title ({title}) /Producer (agrimarket) >>".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
    out.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R /Info {info_id} 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()
