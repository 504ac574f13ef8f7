"""QR codes of stamps: a fixed version and mask per issuance, and a fast path to the module matrix.

Every stamp of an issuance has a URL of the same length, so the function patterns and the order
of the data modules are computed once (``_plan``, as one C-level gather); per stamp only the data codewords are made
(traceability.stamps.qr_codewords, checked against qrcode's encoder) and laid along that walk.

A short URL (``/T/{serial}``) is one alphanumeric segment. A Digital Link (``/01/…/10/{lot}/21/
{serial}?17=…``) mixes modes (ISO/IEC 18004 §7.4: numeric for the GTIN's digits, alphanumeric for
the path, byte for ``?``, ``=`` and lower-case letters): ``mixed_segments`` picks, once per
issuance, the split of qrcode's ``optimal_data_chunks`` that needs the fewest bits, and every stamp
of the issuance is cut the same way (its serial always falls in an alphanumeric or byte segment).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from operator import itemgetter

import qrcode
import qrcode.util as qr_util
from PIL import Image
from qrcode.constants import ERROR_CORRECT_M

from traceability.stamps.qr_codewords import codewords
from traceability.stamps.serials import LENGTH

QUIET = 4  # modules of white around each QR, as ISO/IEC 18004 asks


def qr_url_prefix(public_base_url: str) -> str:
    """``https://host/T/`` in capitals, so the whole URL fits the QR alphanumeric mode.

    Scheme and host are case-insensitive; a base path is not, so it keeps its case (byte mode).
    """
    base = public_base_url.rstrip("/")
    scheme, _, rest = base.partition("://")
    host, slash, path = rest.partition("/")
    return f"{scheme.upper()}://{host.upper()}{slash}{path}/T/"


def _qr_data(url: str) -> qr_util.QRData:
    mode = (
        qr_util.MODE_ALPHA_NUM
        if all(c in qr_util.ALPHA_NUM.decode() for c in url)
        else qr_util.MODE_8BIT_BYTE
    )
    # types-qrcode types the MODE_* constants as int but QRData's mode as their Literal values.
    return qr_util.QRData(url.encode(), mode=mode)  # type: ignore[call-overload]


# (mode, start, end) byte ranges of a stamp's URL, the same for every stamp of an issuance.
Segments = tuple[tuple[int, int, int], ...]


def _chunks(url: str, segments: Segments | None) -> list[qr_util.QRData]:
    if segments is None:
        return [_qr_data(url)]
    data = url.encode()
    # types-qrcode types QRData's mode as Literal values; ours come from qrcode's own chunks.
    return [qr_util.QRData(data[a:b], mode=m, check_data=False) for m, a, b in segments]  # type: ignore[call-overload]


def _bits(segments: Segments, version: int) -> int:
    """Data bits of the segments (mode indicator + character count + data), ISO/IEC 18004 §7.4."""
    per_char = {qr_util.MODE_NUMBER: 10 / 3, qr_util.MODE_ALPHA_NUM: 5.5, qr_util.MODE_8BIT_BYTE: 8.0}
    total = 0
    for mode, start, end in segments:
        count_bits: int = qr_util.length_in_bits(mode, version)  # type: ignore[arg-type]
        total += 4 + count_bits + math.ceil((end - start) * per_char[mode])
    return total


def _version(chunks: list[qr_util.QRData]) -> int:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    for chunk in chunks:
        code.add_data(chunk)
    return code.best_fit()


@lru_cache(maxsize=32)
def mixed_segments(url_prefix: str, url_suffix: str = "") -> Segments:
    """The fewest-bits split of ``prefix + serial + suffix`` among qrcode's optimal_data_chunks
    (each minimum run length) and a single segment; found on a sample serial of Z's, which keeps the
    serial out of numeric segments, so any serial fits the same split."""
    sample = (url_prefix + "Z" * LENGTH + url_suffix).encode()
    candidates: list[Segments] = []
    for minimum in (*range(1, 9), len(sample)):
        chunks, start, cut = qr_util.optimal_data_chunks(sample, minimum=minimum), 0, []
        for chunk in chunks:
            cut.append((chunk.mode, start, start + len(chunk.data)))
            start += len(chunk.data)
        candidates.append(tuple(cut))
    whole = _qr_data(sample.decode())
    candidates.append(((whole.mode, 0, len(sample)),))
    ranked = []
    for segments in candidates:
        version = _version(_chunks(sample.decode(), segments))
        ranked.append((version, _bits(segments, version), len(segments), segments))
    return min(ranked)[3]


def fixed_qr(url_prefix: str, url_suffix: str = "", segments: Segments | None = None) -> tuple[int, int]:
    """Version and mask used for every stamp of an issuance (computed once, from a sample URL)."""
    sample = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=0)
    for chunk in _chunks(url_prefix + "Z" * LENGTH + url_suffix, segments):
        sample.add_data(chunk)
    sample.make(fit=True)
    return sample.version, sample.best_mask_pattern()


class _Plan(qrcode.QRCode):
    """Function patterns and the data-module walk of one version and mask, computed once."""

    def map_data(self, data, mask_pattern):  # called by make(); records instead of drawing
        n, flip = self.modules_count, qr_util.mask_func(mask_pattern)
        self.positions: list[tuple[int, int, bool]] = []
        upward = True
        for col in range(n - 1, 0, -2):
            if col <= 6:
                col -= 1
            for row in range(n - 1, -1, -1) if upward else range(n):
                for c in (col, col - 1):
                    if self.modules[row][c] is None:
                        self.positions.append((row, c, bool(flip(row, c))))
            upward = not upward


@lru_cache(maxsize=8)
def _plan(version: int, mask: int) -> tuple[Callable[[bytes], tuple[int, ...]], int, int, int]:
    """How to lay a symbol's codewords out, computed once per version and mask.

    Returns ``gather``, which reads the whole matrix (quiet zone included, row by row) out of
    ``masked data modules + b"\\x00\\xff"`` (function-pattern modules point at that fixed dark or
    light byte); the mask as one int over the data modules; their count; the side.
    """
    plan = _Plan(version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask)
    plan.add_data("0")
    plan.make(fit=False)
    side, count = plan.modules_count + 2 * QUIET, len(plan.positions)
    dark, light = count, count + 1
    source = [light] * side * side
    for r, row in enumerate(plan.modules):
        for c, is_dark in enumerate(row):
            if is_dark:
                source[(r + QUIET) * side + c + QUIET] = dark
    flips = 0
    for i, (r, c, flip) in enumerate(plan.positions):
        source[(r + QUIET) * side + c + QUIET] = i
        flips |= int(flip) << (count - 1 - i)
    return itemgetter(*source), flips, count, side


_MODULE_BYTES = bytes.maketrans(b"01", b"\xff\x00")  # a "1" (dark) module is a 0 byte


def qr_matrix(url: str, version: int, mask: int, segments: Segments | None = None) -> tuple[bytes, int]:
    """The QR of ``url`` as side x side bytes (0 dark, 255 light) including the quiet zone."""
    gather, flips, count, side = _plan(version, mask)
    data = codewords(version, ERROR_CORRECT_M, [(c.mode, c.data) for c in _chunks(url, segments)])
    # The data bits in walk order (remainder modules 0), masked, one byte per module.
    modules = (int.from_bytes(data, "big") << (count - 8 * len(data))) ^ flips
    placed = format(modules, f"0{count}b").encode().translate(_MODULE_BYTES) + b"\x00\xff"
    return bytes(gather(placed)), side


def qr_modules(
    url: str, version: int, mask: int, segments: Segments | None = None
) -> list[list[bool | None]]:
    """The module matrix (True = dark) without quiet zone (reference path, for tests)."""
    code = qrcode.QRCode(version=version, error_correction=ERROR_CORRECT_M, border=0, mask_pattern=mask)
    for chunk in _chunks(url, segments):
        code.add_data(chunk)
    code.make(fit=False)
    return code.modules


def qr_image(matrix: bytes, side: int, module_px: int) -> Image.Image:
    """A 1-bit image of the matrix, ``module_px`` pixels per module."""
    small = Image.frombytes("L", (side, side), matrix).convert("1", dither=Image.Dither.NONE)
    return small.resize((side * module_px, side * module_px), Image.Resampling.NEAREST)
