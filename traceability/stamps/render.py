"""Label sheets: an A4 PDF of labels and a ZIP of one PNG per label, for label printers.

Everything that is the same for every stamp of an issuance (layout, product name, area line, QR
version and mask) is computed once into a ``SheetSpec`` and a label template; per stamp only the
QR modules (one 1-bit image, scaled), the serial (pasted from glyphs drawn once) and the
scratch-off PIN, if any (pasted from digits drawn once), are drawn, then the label is written once
as a 1-bit PNG (traceability.stamps.png). That PNG goes into the ZIP as is and into the PDF as an
image (traceability.stamps.pdf). Chunks of labels are rendered across processes for big issuances
and written to both files as they come, so an issuance's size is on disk, not in memory.

The geometry and fonts are in traceability.stamps.label_layout, the template and the PIN's drawing
in traceability.stamps.label_drawing; this module renders chunks, runs the process pool and writes
the PDF and ZIP of an issuance.
"""

from __future__ import annotations

import multiprocessing
import os
import time
import zipfile
from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import IO

from PIL import Image

from traceability.stamps import png
from traceability.stamps.label_drawing import draw_pin, export_lines, label_template, pin_box, serial_glyphs
from traceability.stamps.label_layout import DPI, GAP_MM, LABEL_SIZES, Layout, SheetSpec, layout, mm, text_box
from traceability.stamps.pdf import SheetWriter
from traceability.stamps.qr import qr_image, qr_matrix
from traceability.stamps.serials import grouped


@dataclass
class ChunkResult:
    labels: list[tuple[int, str, bytes, str | None]]  # (seq, serial, PNG of the label, PIN)
    timings: dict[str, float] = field(default_factory=dict)


def render_chunk(spec: SheetSpec, stamps: Sequence[tuple[int, str, str | None]]) -> ChunkResult:
    """One PNG per stamp ((seq, serial, PIN or None)): the shared label, its QR, serial and PIN.

    The same PNG goes into the ZIP and, as a Flate image with PNG predictors, into the PDF, so
    each label is encoded once. Labels are drawn on traceability.stamps.png's wider canvas, so
    every x below is shifted by its filter column.
    """
    lay = layout(spec.label_size, spec.version)
    wide = _canvas(spec)
    png_head = png.head(lay.label_w, lay.label_h, DPI)
    glyphs = serial_glyphs(spec)
    tx, ty, tw = text_box(spec, lay)
    portrait = LABEL_SIZES[spec.label_size].portrait
    qr_x = (lay.label_w - lay.qr_px) // 2 if portrait else 0
    box = pin_box(spec, lay) if spec.with_pin else None
    shift = png.FILTER_PX
    pin_at = (box[0] + shift, box[1], box[2] + shift, box[3]) if box else None
    timings = {"qr": 0.0, "draw": 0.0, "png": 0.0}
    labels = []
    clock = time.perf_counter
    for seq, serial, pin in stamps:
        t0 = clock()
        matrix, side = qr_matrix(
            spec.url_prefix + serial + spec.url_suffix, spec.version, spec.mask, spec.segments
        )
        t1 = clock()
        label = wide.copy()
        label.paste(qr_image(matrix, side, lay.module_px), (qr_x + shift, 0))
        text = grouped(serial)
        x = tx + (tw - glyphs.length(text)) // 2 if portrait else tx
        glyphs.draw(label, (int(x) + shift, ty), text)
        if pin_at and pin:
            draw_pin(label, pin_at, pin)
        label.paste(0, (0, 0, shift, lay.label_h))  # the filter column, whatever overlapped it
        t2 = clock()
        labels.append((seq, serial, png.encode(png_head, label), pin))
        timings["qr"] += t1 - t0
        timings["draw"] += t2 - t1
        timings["png"] += clock() - t2
    return ChunkResult(labels, timings)


@lru_cache(maxsize=4)
def _canvas(spec: SheetSpec) -> Image.Image:
    return png.canvas(label_template(spec))


def _render_chunk_job(args: tuple) -> ChunkResult:
    return render_chunk(*args)


def _text_runs(spec: SheetSpec, lay: Layout, serial: str, pin: str | None) -> list[tuple[int, int, str]]:
    """Where a label's serial and PIN stand (baseline, in label pixels), for the PDF's text layer."""
    tx, ty, _ = text_box(spec, lay)
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
    return [(x, y + int(f.size), code) for x, y, _, f, code in export_lines(spec, lay) if code]


_POOL: ProcessPoolExecutor | None = None


def pool() -> Executor:
    """A process pool over the machine's cores, created on first use and kept."""
    global _POOL
    if _POOL is None:
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


def _entry(name: str, when: tuple[int, int, int, int, int, int]) -> zipfile.ZipInfo:
    """What ``writestr(name, …)`` makes, but every entry shares one timestamp tuple: the archive's
    index stays in memory until it is closed, and at 100,000 entries a tuple each is ~10 MiB."""
    info = zipfile.ZipInfo(name, when)
    info.external_attr = 0o600 << 16  # writestr's mode for a name given as a string
    return info


@dataclass
class Rendered:
    pages: int
    timings: dict[str, float]


PARALLEL_FROM = 600  # stamps; below this, worker processes cost more than they save
CHUNK = 500  # stamps a worker renders at once; its labels are what memory holds per chunk


def render_issuance(
    spec: SheetSpec,
    stamps: Sequence[tuple[int, str, str | None]],
    pdf_out: IO[bytes],
    zip_out: IO[bytes],
    progress: Callable[[int], None] | None = None,
    executor: Executor | None = None,
) -> Rendered:
    """The PDF sheets and the PNG ZIP of an issuance, written to ``pdf_out`` and ``zip_out`` (and
    flushed; neither is closed). Blocking: call it in a thread.

    Each chunk of labels is written to both files as it arrives (``map`` yields chunks in order),
    so memory holds a few chunks, not the issuance (built in memory, 100,000 labels took ~760 MiB).
    """
    jobs = [(spec, list(stamps[i : i + CHUNK])) for i in range(0, len(stamps), CHUNK)]
    timings = {"qr": 0.0, "draw": 0.0, "png": 0.0, "pdf": 0.0, "zip": 0.0}
    if len(stamps) >= PARALLEL_FROM and (executor or (os.cpu_count() or 1) > 1):
        iterator = (executor or pool()).map(_render_chunk_job, jobs)
    else:
        iterator = map(_render_chunk_job, jobs)
    lay = layout(spec.label_size, spec.version)
    sheet = SheetWriter(pdf_out, lay, len(stamps), mm(GAP_MM))
    done = 0
    clock = time.perf_counter
    when = time.localtime()[:6]
    # PNGs are compressed already: store them.
    with zipfile.ZipFile(zip_out, "w", zipfile.ZIP_STORED) as archive:
        for chunk in iterator:
            for key, value in chunk.timings.items():
                timings[key] += value
            t0 = clock()
            for _, serial, data, pin in chunk.labels:
                sheet.add(data, _text_runs(spec, lay, serial, pin))
            t1 = clock()
            for seq, serial, data, _ in chunk.labels:
                archive.writestr(_entry(f"{seq:06d}-{serial}.png", when), data)
            timings["pdf"] += t1 - t0
            timings["zip"] += clock() - t1
            done += len(chunk.labels)
            if progress:
                progress(done)
        t0 = clock()
        sheet.close()
        timings["pdf"] += clock() - t0
    pdf_out.flush()
    zip_out.flush()
    return Rendered(-(-done // lay.per_page), timings)
