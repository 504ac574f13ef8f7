"""Label sheets: an A4 PDF of labels and a ZIP of one PNG per label, for label printers.

Everything that is the same for every stamp of an issuance (layout, product name, area line, QR
version and mask) is computed once into a ``SheetSpec`` and a label template; per stamp only the
QR modules (pasted as pixels, no intermediate PNG), the serial and the scratch-off PIN, if any
(pasted from digits drawn once), are drawn, then the label is encoded once as a 1-bit PNG. That PNG
goes into the ZIP as is and into the PDF as an image (traceability.stamps.pdf). Chunks of labels are
rendered across processes for big issuances.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from traceability.stamps import export_text
from traceability.stamps.pdf import PAGE_PX, build_pdf
from traceability.stamps.qr import QUIET, fixed_qr, qr_image, qr_matrix, qr_modules, qr_url_prefix
from traceability.stamps.serials import grouped

__all__ = ["QUIET", "fixed_qr", "qr_matrix", "qr_modules", "qr_url_prefix"]

FONTS = Path(__file__).resolve().parent.parent / "fonts"
DPI = 300
MARGIN_MM = 10
GAP_MM = 2  # cut margin between labels
SCAN_HINT = "Quét mã để truy xuất nguồn gốc"
NO_AREA_CODE = "chưa có mã vùng trồng"
PIN_CAPTION = "Mã PIN"  # beside the box the scratch-off layer covers


def mm(value: float) -> int:
    return round(value * DPI / 25.4)


@dataclass(frozen=True)
class LabelSize:
    key: str
    width_mm: int
    height_mm: int
    # Export layout: Vietnamese lines each followed by this language's line (traceability.stamps.
    # export_text), the growing-area and packing-facility codes printed, a QR of qr_mm on the left.
    lang: str | None = None
    qr_mm: int | None = None

    @property
    def portrait(self) -> bool:
        return self.height_mm > self.width_mm


LABEL_SIZES = {
    "30x40": LabelSize("30x40", 30, 40),
    "50x30": LabelSize("50x30", 50, 30),
    "70x40-en": LabelSize("70x40-en", 70, 40, lang="en", qr_mm=32),
    "70x40-zh": LabelSize("70x40-zh", 70, 40, lang="zh", qr_mm=32),
}


@dataclass(frozen=True)
class SheetSpec:
    """What every label of one issuance shares; small and picklable for worker processes."""

    label_size: str
    url_prefix: str
    product_name: str
    area_line: str  # growing-area code, or NO_AREA_CODE
    version: int
    mask: int
    with_pin: bool = False  # a box for a scratch-off PIN at the foot of the text column
    facility_code: str | None = None  # the packing facility's official code (export labels)


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
    room = mm(size.qr_mm) if size.qr_mm else min(w, h - mm(15)) if size.portrait else h
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
def font(size: int, bold: bool = False, lang: str | None = None) -> ImageFont.FreeTypeFont:
    """DejaVu (Latin with Vietnamese); Simplified Chinese lines use the bundled Noto Sans SC subset."""
    if lang == "zh":
        return ImageFont.truetype(str(FONTS / CJK_FONT), size)
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


CJK_FONT = "NotoSansSC-Subset.otf"


def _fit(
    text: str, width: int, size: int, bold: bool, lines: int, min_size: int = 14, lang: str | None = None
) -> tuple:
    """Wrap ``text`` into at most ``lines`` lines of ``width`` px, shrinking the font if needed."""
    for s in range(size, min_size - 1, -1):
        f = font(s, bold, lang)
        out: list[str] = []
        for word in text.split():
            if out and f.getlength(f"{out[-1]} {word}") <= width:
                out[-1] = f"{out[-1]} {word}"
            else:
                out.append(word)
        if len(out) <= lines and all(f.getlength(line) <= width for line in out):
            return f, out
    f = font(min_size, bold, lang)
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


def pin_box(spec: SheetSpec, lay: Layout) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of the PIN's box (the scratch-off area), at the foot of the text
    column: right of its caption when both fit on one line (portrait), under it otherwise."""
    x, _, width = _text_box(spec, lay)
    caption = font(PIN_FONT // 2, True).getlength(PIN_CAPTION) + mm(1)
    inner = font(PIN_FONT, True).getlength("0" * 8) + mm(2)  # room for the longest PIN
    left = x + caption if caption + inner <= width else x
    bottom = lay.label_h - mm(1.5)
    return round(left), bottom - mm(4.5), round(min(x + width, left + inner)), bottom


def _pin_caption_at(spec: SheetSpec, lay: Layout) -> tuple[int, int]:
    x = _text_box(spec, lay)[0]
    left, top, _, bottom = pin_box(spec, lay)
    size = PIN_FONT // 2
    return (x, (top + bottom - size) // 2) if left > x else (x, top - size - 6)


PIN_FONT = 34  # px at 300 dpi: about 2.9 mm high digits


@lru_cache(maxsize=2)
def _digits(size: int) -> tuple[list[Image.Image], int, int]:
    """Each digit drawn once (DejaVu's digits share one width): a PIN is pasted, not typeset."""
    f = font(size, True)
    width, (ascent, descent) = round(f.getlength("0")), f.getmetrics()
    glyphs = []
    for digit in "0123456789":
        glyph = Image.new("1", (width, ascent + descent), 1)
        ImageDraw.Draw(glyph).text((0, 0), digit, font=f, fill=0)
        glyphs.append(glyph)
    return glyphs, width, ascent + descent


def draw_pin(label: Image.Image, box: tuple[int, int, int, int], pin: str) -> None:
    """The PIN's digits centred in its box."""
    glyphs, width, height = _digits(PIN_FONT)
    x = (box[0] + box[2] - width * len(pin)) // 2
    y = (box[1] + box[3] - height) // 2 + 3  # digits stand on the baseline: nudge to the optical centre
    for offset, digit in enumerate(pin):
        label.paste(glyphs[int(digit)], (x + offset * width, y))


def _serial_font(spec: SheetSpec, lay: Layout) -> ImageFont.FreeTypeFont:
    return _fit("0000-0000-0000-0000", _text_box(spec, lay)[2], 24, True, 1)[0]


def _label_template(spec: SheetSpec, lay: Layout) -> Image.Image:
    """One label with its shared text; the serial line and the QR are left blank."""
    label = Image.new("1", (lay.label_w, lay.label_h), 1)
    draw = ImageDraw.Draw(label)
    if LABEL_SIZES[spec.label_size].lang:
        for x, y, line, f, _ in export_lines(spec, lay):
            draw.text((x, y), line, font=f, fill=0)
        return label
    x, y, width = _text_box(spec, lay)
    portrait = LABEL_SIZES[spec.label_size].portrait
    y += _serial_font(spec, lay).size + 8  # the serial goes first
    pin = spec.with_pin
    blocks = [
        (spec.product_name, 24, True, 2 if portrait else (2 if pin else 3)),
        (spec.area_line, 18, False, 1 if portrait or pin else 2),
        (SCAN_HINT, 17, False, 1 if portrait or pin else 2),
    ]
    for text, size, bold, lines in blocks:
        f, wrapped = _fit(text, width, size, bold, lines)
        for line in wrapped:
            draw.text((x + (width - f.getlength(line)) // 2 if portrait else x, y), line, font=f, fill=0)
            y += f.size + 4
        y += 4
    if pin:
        draw.text(_pin_caption_at(spec, lay), PIN_CAPTION, font=font(PIN_FONT // 2, True), fill=0)
        draw.rectangle(pin_box(spec, lay), outline=0, width=2)
    return label


def export_lines(
    spec: SheetSpec, lay: Layout
) -> list[tuple[int, int, str, ImageFont.FreeTypeFont, str | None]]:
    """Where each line of an export label goes: (x, top, text, font, the code it shows). The product name,
    then each Vietnamese line with its code (growing area, packing facility) and under it the line
    in the label's language, in that language's font."""
    lang = LABEL_SIZES[spec.label_size].lang or "en"
    x, y, width = _text_box(spec, lay)
    y += _serial_font(spec, lay).size + 10
    placed = []

    def put(
        text: str, size: int, bold: bool, lines: int, in_lang: str | None = None, code: bool = False
    ) -> None:
        nonlocal y
        f, wrapped = _fit(text, width, size, bold, lines, lang=in_lang)
        for line in wrapped:
            placed.append((x, y, line, f, code))
            y += f.size + 4

    put(spec.product_name, 30, True, 2)
    y += 10
    for key, code in (("area", spec.area_line), ("facility", spec.facility_code or "")):
        put(f"{export_text.LINES[key][0]}: {code}", 22, True, 1, code=code)
        put(export_text.foreign(key, lang), 22, False, 1, lang)
        y += 14
    for key in ("origin", "scan"):
        put(export_text.LINES[key][0], 20, False, 1)
        put(export_text.foreign(key, lang), 20, False, 1, lang)
        y += 12
    return placed


@lru_cache(maxsize=4)
def label_template(spec: SheetSpec) -> Image.Image:
    return _label_template(spec, layout(spec.label_size, spec.version))


@dataclass
class ChunkResult:
    labels: list[tuple[int, str, bytes, str | None]]  # (seq, serial, PNG of the label, PIN)
    timings: dict[str, float] = field(default_factory=dict)


def render_chunk(spec: SheetSpec, stamps: Sequence[tuple[int, str, str | None]]) -> ChunkResult:
    """One PNG per stamp ((seq, serial, PIN or None)): the shared label, its QR, serial and PIN.

    The same PNG goes into the ZIP and, as a Flate image with PNG predictors, into the PDF, so
    each label is encoded once.
    """
    lay = layout(spec.label_size, spec.version)
    template = label_template(spec)
    serial_font = _serial_font(spec, lay)
    tx, ty, tw = _text_box(spec, lay)
    portrait = LABEL_SIZES[spec.label_size].portrait
    qr_x = (lay.label_w - lay.qr_px) // 2 if portrait else 0
    box = pin_box(spec, lay) if spec.with_pin else None
    timings = {"qr": 0.0, "draw": 0.0, "png": 0.0}
    labels = []
    clock = time.perf_counter
    for seq, serial, pin in stamps:
        t0 = clock()
        matrix, side = qr_matrix(spec.url_prefix + serial, spec.version, spec.mask)
        t1 = clock()
        label = template.copy()
        label.paste(qr_image(matrix, side, lay.module_px), (qr_x, 0))
        text = grouped(serial)
        x = tx + (tw - serial_font.getlength(text)) // 2 if portrait else tx
        draw = ImageDraw.Draw(label)
        draw.text((x, ty), text, font=serial_font, fill=0)
        if box and pin:
            draw_pin(label, box, pin)
        t2 = clock()
        buffer = io.BytesIO()
        label.save(buffer, "PNG", dpi=(DPI, DPI), compress_level=1)
        labels.append((seq, serial, buffer.getvalue(), pin))
        timings["qr"] += t1 - t0
        timings["draw"] += t2 - t1
        timings["png"] += clock() - t2
    return ChunkResult(labels, timings)


def _render_chunk_job(args: tuple) -> ChunkResult:
    return render_chunk(*args)


def _text_runs(spec: SheetSpec, lay: Layout, serial: str, pin: str | None) -> list[tuple[int, int, str]]:
    """Where a label's serial and PIN stand (baseline, in label pixels), for the PDF's text layer."""
    tx, ty, _ = _text_box(spec, lay)
    runs = [(tx, ty + 24, grouped(serial))]
    if LABEL_SIZES[spec.label_size].lang:  # the codes an importer's inspector looks for, searchable
        runs += _code_runs(spec)
    if pin:
        left, _, _, bottom = pin_box(spec, lay)
        runs.append((left, bottom, pin))
    return runs


@lru_cache(maxsize=4)
def _code_runs(spec: SheetSpec) -> list[tuple[int, int, str]]:
    lay = layout(spec.label_size, spec.version)
    return [(x, y + f.size, code) for x, y, _, f, code in export_lines(spec, lay) if code]


def build_zip(labels: Sequence[tuple]) -> bytes:
    """(seq, serial, PNG, …) labels as one PNG file each."""
    buffer = io.BytesIO()
    # PNGs are compressed already: store them.
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for seq, serial, data, *_ in labels:
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
    stamps: Sequence[tuple[int, str, str | None]],
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> Rendered:
    """The PDF sheets and the PNG ZIP of an issuance (blocking: call it in a thread)."""
    step = 500
    jobs = [(spec, list(stamps[i : i + step])) for i in range(0, len(stamps), step)]
    timings = {"qr": 0.0, "draw": 0.0, "png": 0.0, "pdf": 0.0, "zip": 0.0}
    labels: list[tuple[int, str, bytes, str | None]] = []
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
    lay = layout(spec.label_size, spec.version)
    texts = [_text_runs(spec, lay, serial, pin) for _, serial, _, pin in labels]
    pdf = build_pdf(lay, [png for _, _, png, _ in labels], texts, mm(GAP_MM))
    t1 = time.perf_counter()
    archive = build_zip(labels)
    timings["pdf"] += t1 - t0
    timings["zip"] += time.perf_counter() - t1
    return Rendered(pdf, archive, -(-len(labels) // lay.per_page), timings)
