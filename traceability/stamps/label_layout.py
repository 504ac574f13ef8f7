"""Label geometry and type: the label sizes, what a sheet's labels share (``SheetSpec``), where
labels sit on an A4 page (``layout``, ``PAGE_PX``), the fonts, and fitting text into a label's text column.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import ImageFont

from traceability.stamps.qr import QUIET, Segments

FONTS = Path(__file__).resolve().parent.parent / "fonts"
DPI = 300
PAGE_PX = (2480, 3508)  # A4 at 300 dpi: the sheet the labels are laid out on
PAGE_PT = (595.276, 841.89)  # the same A4 in PDF points
MARGIN_MM = 10
GAP_MM = 2  # cut margin between labels
NO_AREA_CODE = "chưa có mã vùng trồng"


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
    url_suffix: str = ""  # after the serial: a Digital Link's ?17={expiry}
    segments: Segments | None = None  # a Digital Link's mixed-mode split (None: one segment)


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


# What a phone camera and a till's 2D imager read reliably off a thermal-printed label: modules of at
# least 0.4 mm, i.e. 5 px at 300 dpi (0.42 mm). Digital Link stamps refuse a size that would go below.
MIN_MODULE_MM = 0.4


def module_mm(label_size: str, version: int) -> float:
    """The printed size of one QR module of this version on this label size."""
    return layout(label_size, version).module_px * 25.4 / DPI


def largest_version(label_size: str) -> int:
    """The largest QR version whose modules stay at MIN_MODULE_MM or more on this label size."""
    return max(v for v in range(1, 41) if module_mm(label_size, v) >= MIN_MODULE_MM)


@lru_cache
def font(size: int, bold: bool = False, lang: str | None = None) -> ImageFont.FreeTypeFont:
    """DejaVu (Latin with Vietnamese); Simplified Chinese lines use the bundled Noto Sans SC subset."""
    if lang == "zh":
        return ImageFont.truetype(str(FONTS / CJK_FONT), size)
    return ImageFont.truetype(str(FONTS / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")), size)


CJK_FONT = "NotoSansSC-Subset.otf"


def fit_text(
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


def text_box(spec: SheetSpec, lay: Layout) -> tuple[int, int, int]:
    """x, y and width of the text column of a label."""
    pad = mm(1.5)
    if LABEL_SIZES[spec.label_size].portrait:
        return pad, lay.qr_px - mm(1), lay.label_w - 2 * pad
    return lay.qr_px, pad, lay.label_w - lay.qr_px - pad
