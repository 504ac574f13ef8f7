"""Label sheets: an A4 PDF of labels and a ZIP of one PNG per label, for label printers.

Everything that is the same for every stamp of an issuance (layout, product name, area line, QR
version and mask) is computed once into a ``SheetSpec`` and a label template; per stamp only the
QR modules (pasted as pixels, no intermediate PNG) and the serial are drawn, then the label is
encoded once as a 1-bit PNG. That PNG goes into the ZIP as is and into the PDF as an image
(its zlib stream with PNG predictors), placed on the A4 grid with vector cut marks. Chunks of
labels are rendered across processes for big issuances.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from traceability.stamps.qr import QUIET, fixed_qr, qr_image, qr_matrix, qr_modules, qr_url_prefix
from traceability.stamps.serials import grouped

__all__ = ["QUIET", "fixed_qr", "qr_matrix", "qr_modules", "qr_url_prefix"]

FONTS = Path(__file__).resolve().parent.parent / "fonts"
DPI = 300
PAGE_PX = (2480, 3508)  # A4 at 300 dpi
PAGE_PT = (595.276, 841.89)
MARGIN_MM = 10
GAP_MM = 2  # cut margin between labels
SCAN_HINT = "Quét mã để truy xuất nguồn gốc"
NO_AREA_CODE = "chưa có mã vùng trồng"


def mm(value: float) -> int:
    return round(value * DPI / 25.4)


@dataclass(frozen=True)
class LabelSize:
    key: str
    width_mm: int
    height_mm: int

    @property
    def portrait(self) -> bool:
        return self.height_mm > self.width_mm


LABEL_SIZES = {"30x40": LabelSize("30x40", 30, 40), "50x30": LabelSize("50x30", 50, 30)}


@dataclass(frozen=True)
class SheetSpec:
    """What every label of one issuance shares; small and picklable for worker processes."""

    label_size: str
    url_prefix: str
    product_name: str
    area_line: str  # growing-area code, or NO_AREA_CODE
    version: int
    mask: int


@dataclass(frozen=True)
class Layout:
    label_w: int
    label_h: int
    cols: int
    rows: int
    origin: tuple[int, int]
    pitch: tuple[int, int]
    module_px: int
    qr_px: int

    @property
    def per_page(self) -> int:
        return self.cols * self.rows

    def slot(self, index: int) -> tuple[int, int]:
        row, col = divmod(index % self.per_page, self.cols)
        return self.origin[0] + col * self.pitch[0], self.origin[1] + row * self.pitch[1]


@lru_cache
def layout(label_size: str, version: int) -> Layout:
    size = LABEL_SIZES[label_size]
    w, h, gap, margin = mm(size.width_mm), mm(size.height_mm), mm(GAP_MM), mm(MARGIN_MM)
    cols = (PAGE_PX[0] - 2 * margin + gap) // (w + gap)
    rows = (PAGE_PX[1] - 2 * margin + gap) // (h + gap)
    grid_w, grid_h = cols * (w + gap) - gap, rows * (h + gap) - gap
    side = 17 + 4 * version + 2 * QUIET
    # Portrait: QR on top leaving ~15 mm of text; landscape: QR filling the label's height, on the left.
    room = min(w, h - mm(15)) if size.portrait else h
    module_px = room // side
    return Layout(
        w,
        h,
        cols,
        rows,
        ((PAGE_PX[0] - grid_w) // 2, (PAGE_PX[1] - grid_h) // 2),
        (w + gap, h + gap),
        module_px,
        side * module_px,
    )


@lru_cache
def font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


def _fit(text: str, width: int, size: int, bold: bool, lines: int, min_size: int = 14) -> tuple:
    """Wrap ``text`` into at most ``lines`` lines of ``width`` px, shrinking the font if needed."""
    for s in range(size, min_size - 1, -1):
        f = font(s, bold)
        out: list[str] = []
        for word in text.split():
            if out and f.getlength(f"{out[-1]} {word}") <= width:
                out[-1] = f"{out[-1]} {word}"
            else:
                out.append(word)
        if len(out) <= lines and all(f.getlength(line) <= width for line in out):
            return f, out
    f = font(min_size, bold)
    out = out[:lines]
    while out and f.getlength(out[-1] + "…") > width:
        out[-1] = out[-1][:-1]
    if out:
        out[-1] = out[-1].rstrip() + "…"
    return f, out


def _text_box(spec: SheetSpec, lay: Layout) -> tuple[int, int, int]:
    """x, y and width of the text column of a label."""
    pad = mm(1.5)
    if LABEL_SIZES[spec.label_size].portrait:
        return pad, lay.qr_px - mm(1), lay.label_w - 2 * pad
    return lay.qr_px, pad, lay.label_w - lay.qr_px - pad


def _serial_font(spec: SheetSpec, lay: Layout) -> ImageFont.FreeTypeFont:
    return _fit("0000-0000-0000-0000", _text_box(spec, lay)[2], 24, True, 1)[0]


def _label_template(spec: SheetSpec, lay: Layout) -> Image.Image:
    """One label with its shared text; the serial line and the QR are left blank."""
    label = Image.new("1", (lay.label_w, lay.label_h), 1)
    draw = ImageDraw.Draw(label)
    x, y, width = _text_box(spec, lay)
    portrait = LABEL_SIZES[spec.label_size].portrait
    y += _serial_font(spec, lay).size + 8  # the serial goes first
    blocks = [
        (spec.product_name, 24, True, 2 if portrait else 3),
        (spec.area_line, 18, False, 1 if portrait else 2),
        (SCAN_HINT, 17, False, 1 if portrait else 2),
    ]
    for text, size, bold, lines in blocks:
        f, wrapped = _fit(text, width, size, bold, lines)
        for line in wrapped:
            draw.text((x + (width - f.getlength(line)) // 2 if portrait else x, y), line, font=f, fill=0)
            y += f.size + 4
        y += 4
    return label


@lru_cache(maxsize=4)
def label_template(spec: SheetSpec) -> Image.Image:
    return _label_template(spec, layout(spec.label_size, spec.version))


@dataclass
class ChunkResult:
    labels: list[tuple[int, str, bytes]]  # (seq, serial, PNG of the label)
    timings: dict[str, float] = field(default_factory=dict)


def render_chunk(spec: SheetSpec, stamps: Sequence[tuple[int, str]]) -> ChunkResult:
    """One PNG per stamp ((seq, serial) pairs): the shared label, its QR and its serial.

    The same PNG goes into the ZIP and, as a Flate image with PNG predictors, into the PDF, so
    each label is encoded once.
    """
    lay = layout(spec.label_size, spec.version)
    template = label_template(spec)
    serial_font = _serial_font(spec, lay)
    tx, ty, tw = _text_box(spec, lay)
    portrait = LABEL_SIZES[spec.label_size].portrait
    qr_x = (lay.label_w - lay.qr_px) // 2 if portrait else 0
    timings = {"qr": 0.0, "draw": 0.0, "png": 0.0}
    labels = []
    clock = time.perf_counter
    for seq, serial in stamps:
        t0 = clock()
        matrix, side = qr_matrix(spec.url_prefix + serial, spec.version, spec.mask)
        t1 = clock()
        label = template.copy()
        label.paste(qr_image(matrix, side, lay.module_px), (qr_x, 0))
        text = grouped(serial)
        x = tx + (tw - serial_font.getlength(text)) // 2 if portrait else tx
        ImageDraw.Draw(label).text((x, ty), text, font=serial_font, fill=0)
        t2 = clock()
        buffer = io.BytesIO()
        label.save(buffer, "PNG", dpi=(DPI, DPI), compress_level=1)
        labels.append((seq, serial, buffer.getvalue()))
        timings["qr"] += t1 - t0
        timings["draw"] += t2 - t1
        timings["png"] += clock() - t2
    return ChunkResult(labels, timings)


def _render_chunk_job(args: tuple) -> ChunkResult:
    return render_chunk(*args)


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


def _cut_marks(lay: Layout, scale: float) -> bytes:
    """Corner ticks in the cut margins, as vector lines (drawn once per page)."""
    tick, gap = mm(GAP_MM) // 2 - 2, 2
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


def build_pdf(spec: SheetSpec, labels: Sequence[bytes], title: str = "Tem truy xuat") -> bytes:
    """A4 pages of labels: each label is its own 1-bit image placed on the page grid."""
    lay = layout(spec.label_size, spec.version)
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
    page_ids, next_id = [], 3
    for count in per_page_objs:
        page_ids.append(next_id + count - 1)
        next_id += count
    obj(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    obj(f"<< /Type /Pages /Count {len(pages)} /Kids [{kids}] >>".encode())
    marks = _cut_marks(lay, scale)
    w, h = lay.label_w, lay.label_h
    pw, ph = PAGE_PT
    image_head = (
        f"<< /Type /XObject /Subtype /Image /Width {w} /Height {h} /ColorSpace /DeviceGray "
        f"/BitsPerComponent 1 /Filter /FlateDecode "
        f"/DecodeParms << /Predictor 15 /Colors 1 /BitsPerComponent 1 /Columns {w} >> /Length "
    ).encode()
    for page in pages:
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
        content = b"\n".join(draw)
        stream = zlib.compress(content, 6)
        content_id = obj(
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream + b"\nendstream"
        )
        obj(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:.3f} {ph:.3f}] "
            f"/Resources << /XObject << {' '.join(names)} >> >> /Contents {content_id} 0 R >>".encode()
        )
    info_id = obj(f"<< /Title ({title}) /Producer (agrimarket) >>".encode())
    xref = out.tell()
    out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
    out.write(b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets))
    out.write(f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R /Info {info_id} 0 R >>\n".encode())
    out.write(f"startxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def build_zip(labels: Sequence[tuple[int, str, bytes]]) -> bytes:
    buffer = io.BytesIO()
    # PNGs are compressed already: store them.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for seq, serial, data in labels:
            archive.writestr(f"{seq:06d}-{serial}.png", data)
    return buffer.getvalue()


_POOL: ProcessPoolExecutor | None = None


def pool() -> Executor:
    """A process pool over the machine's cores, created on first use and kept."""
    global _POOL
    if _POOL is None:
        import multiprocessing

        # forkserver: never fork a process that has an event loop and threads running.
        _POOL = ProcessPoolExecutor(
            max_workers=os.cpu_count() or 2, mp_context=multiprocessing.get_context("forkserver")
        )
    return _POOL


def shutdown_pool() -> None:
    global _POOL
    if _POOL is not None:
        _POOL.shutdown(cancel_futures=True)
        _POOL = None


@dataclass
class Rendered:
    pdf: bytes
    zip: bytes
    pages: int
    timings: dict[str, float]


PARALLEL_FROM = 600  # stamps; below this, worker processes cost more than they save


def render_issuance(
    spec: SheetSpec,
    stamps: Sequence[tuple[int, str]],
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> Rendered:
    """The PDF sheets and the PNG ZIP of an issuance (blocking: call it in a thread)."""
    step = 500
    jobs = [(spec, list(stamps[i : i + step])) for i in range(0, len(stamps), step)]
    timings = {"qr": 0.0, "draw": 0.0, "png": 0.0, "pdf": 0.0, "zip": 0.0}
    labels: list[tuple[int, str, bytes]] = []
    if len(stamps) >= PARALLEL_FROM and (executor or (os.cpu_count() or 1) > 1):
        iterator = (executor or pool()).map(_render_chunk_job, jobs)
    else:
        iterator = map(_render_chunk_job, jobs)
    for chunk in iterator:
        labels += chunk.labels
        for key, value in chunk.timings.items():
            timings[key] += value
        if progress:
            progress(len(labels))
    t0 = time.perf_counter()
    pdf = build_pdf(spec, [png for _, _, png in labels])
    t1 = time.perf_counter()
    archive = build_zip(labels)
    timings["pdf"] += t1 - t0
    timings["zip"] += time.perf_counter() - t1
    lay = layout(spec.label_size, spec.version)
    return Rendered(pdf, archive, -(-len(labels) // lay.per_page), timings)
