"""What is drawn on a label: the template every stamp of an issuance shares (product name, area
line, scan hint, or an export label's bilingual lines), the serial's font and glyphs, and the
scratch-off PIN's box, caption and digits.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import pairwise

from PIL import Image, ImageDraw, ImageFont

from traceability.stamps import export_text, serials
from traceability.stamps.label_layout import (
    LABEL_SIZES,
    Layout,
    SheetSpec,
    fit_text,
    font,
    layout,
    mm,
    text_box,
)

SCAN_HINT = "Quét mã để truy xuất nguồn gốc"
PIN_CAPTION = "Mã PIN"  # beside the box the scratch-off layer covers


def pin_box(spec: SheetSpec, lay: Layout) -> tuple[int, int, int, int]:
    """Left, top, right, bottom of the PIN's box (the scratch-off area), at the foot of the text
    column: right of its caption when both fit on one line (portrait), under it otherwise."""
    x, _, width = text_box(spec, lay)
    caption = font(PIN_FONT // 2, True).getlength(PIN_CAPTION) + mm(1)
    inner = font(PIN_FONT, True).getlength("0" * 8) + mm(2)  # room for the longest PIN
    left = x + caption if caption + inner <= width else x
    bottom = lay.label_h - mm(1.5)
    return round(left), bottom - mm(4.5), round(min(x + width, left + inner)), bottom


def _pin_caption_at(spec: SheetSpec, lay: Layout) -> tuple[int, int]:
    x = text_box(spec, lay)[0]
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


def serial_font(spec: SheetSpec, lay: Layout) -> ImageFont.FreeTypeFont:
    return fit_text("0000-0000-0000-0000", text_box(spec, lay)[2], 24, True, 1)[0]


class Glyphs:
    """A font's glyphs of a small alphabet, each drawn once, then pasted: the very pixels
    ``ImageDraw.text`` draws (mode "1"), at a fifth of its cost (it renders every glyph again).

    Pillow renders each glyph's bitmap at a whole-pixel origin and places it at the pen position
    rounded from 26.6 fixed point; the pen moves from glyph a to b by ``getlength(a + b) -
    getlength(b)`` (kerning included). The stamps tests compare with ``ImageDraw.text``.
    """

    def __init__(self, f: ImageFont.FreeTypeFont, alphabet: str) -> None:
        def units(text: str) -> int:  # 1/64 px, as FreeType counts
            return round(f.getlength(text) * 64)

        self.advance = {c: units(c) for c in alphabet}
        self.step = {(a, b): units(a + b) - self.advance[b] for a in alphabet for b in alphabet}
        self.glyphs = {c: _glyph(f, c) for c in alphabet}

    def _pens(self, text: str) -> list[int]:
        pens, pen = [0], 0
        for a, b in pairwise(text):
            pen += self.step[a, b]
            pens.append(pen)
        return pens

    def length(self, text: str) -> float:
        """What ``font.getlength(text)`` says."""
        return (self._pens(text)[-1] + self.advance[text[-1]]) / 64 if text else 0.0

    def draw(self, image: Image.Image, xy: tuple[int, int], text: str) -> None:
        """Black text at ``xy``, as ``ImageDraw.Draw(image).text(xy, text, font, fill=0)``."""
        x, y = xy
        for char, pen in zip(text, self._pens(text), strict=True):
            mask, dx, dy = self.glyphs[char]
            image.paste(0, (x + ((pen + 32) >> 6) + dx, y + dy), mask)


def _glyph(f: ImageFont.FreeTypeFont, char: str) -> tuple[Image.Image, int, int]:
    """The glyph's mask, cut to its ink, and where it stands from the point text is drawn at."""
    margin = int(f.size) * 2
    scratch = Image.new("L", (margin * 3, margin * 3), 0)
    draw = ImageDraw.Draw(scratch)
    draw.fontmode = "1"  # the bilevel rendering a mode "1" label gets
    draw.text((margin, margin), char, font=f, fill=255)
    box = scratch.getbbox() or (margin, margin, margin + 1, margin + 1)
    return scratch.crop(box), box[0] - margin, box[1] - margin


@lru_cache(maxsize=4)
def serial_glyphs(spec: SheetSpec) -> Glyphs:
    """The serial's glyphs (Crockford base32 and the hyphen of the grouped form)."""
    return Glyphs(serial_font(spec, layout(spec.label_size, spec.version)), serials.ALPHABET + "-")


def _label_template(spec: SheetSpec, lay: Layout) -> Image.Image:
    """One label with its shared text; the serial line and the QR are left blank."""
    label = Image.new("1", (lay.label_w, lay.label_h), 1)
    draw = ImageDraw.Draw(label)
    if LABEL_SIZES[spec.label_size].lang:
        for x, y, line, f, _ in export_lines(spec, lay):
            draw.text((x, y), line, font=f, fill=0)
        return label
    x, y, width = text_box(spec, lay)
    portrait = LABEL_SIZES[spec.label_size].portrait
    # Pillow types a font's size as a float; ours are whole pixels.
    y += int(serial_font(spec, lay).size) + 8  # the serial goes first
    pin = spec.with_pin
    blocks = [
        (spec.product_name, 24, True, 2 if portrait else (2 if pin else 3)),
        (spec.area_line, 18, False, 1 if portrait or pin else 2),
        (SCAN_HINT, 17, False, 1 if portrait or pin else 2),
    ]
    for text, size, bold, lines in blocks:
        f, wrapped = fit_text(text, width, size, bold, lines)
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
    x, y, width = text_box(spec, lay)
    y += int(serial_font(spec, lay).size) + 10
    placed: list[tuple[int, int, str, ImageFont.FreeTypeFont, str | None]] = []

    def put(
        text: str, size: int, bold: bool, lines: int, in_lang: str | None = None, code: str | None = None
    ) -> None:
        nonlocal y
        f, wrapped = fit_text(text, width, size, bold, lines, lang=in_lang)
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
