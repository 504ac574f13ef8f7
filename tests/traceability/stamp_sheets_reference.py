"""The label sheet PDF and ZIP as they were built in memory before they were streamed (commit
6b75cd3, traceability/stamps/pdf.py build_pdf and render.py build_zip, unchanged): the reference
the streamed files must equal byte for byte (tests/traceability/test_stamp_sheets.py).
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Sequence

from traceability.stamps.label_layout import PAGE_PT, PAGE_PX, Layout
from traceability.stamps.pdf import TextRuns, _cut_marks, _text_layer, png_idat


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


def build_zip(labels: Sequence[tuple]) -> bytes:
    """(seq, serial, PNG, …) labels as one PNG file each."""
    buffer = io.BytesIO()
    # PNGs are compressed already: store them.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for seq, serial, data, *_ in labels:
            archive.writestr(f"{seq:06d}-{serial}.png", data)
    return buffer.getvalue()
