"""Label text: Vietnamese diacritics drawn with the font bundled in the repository (with its licence);
the fast label path draws the pixels Pillow's plain calls draw."""

from __future__ import annotations

import io
import random
from pathlib import Path

from PIL import Image, ImageDraw

from traceability.stamps import label_drawing, label_layout, qr, render, serials

VIETNAMESE = "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"


def _missing(font, char: str) -> bool:
    """A glyph the font lacks is drawn as its .notdef box, the same as any unmapped code point."""
    mask, notdef = font.getmask(char), font.getmask("\u4e00")
    return mask.size == notdef.size and bytes(mask) == bytes(notdef)


def test_the_bundled_font_has_every_vietnamese_letter():
    assert (label_layout.FONTS / "LICENSE-DejaVu.txt").is_file()
    texts = (
        VIETNAMESE,
        VIETNAMESE.upper(),
        label_layout.NO_AREA_CODE,
        label_drawing.SCAN_HINT,
        "Bưởi da xanh Cát Hải",
    )
    for bold in (False, True):
        font = label_layout.font(24, bold)
        assert Path(font.path).parent == label_layout.FONTS
        assert not [ch for text in texts for ch in set(text) - {" "} if _missing(font, ch)]
    assert _missing(label_layout.font(24), "\u4e01")  # the check itself can fail


def test_label_says_whether_the_area_has_a_code():
    prefix = qr.qr_url_prefix("https://truyxuat.example.vn")
    version, mask = qr.fixed_qr(prefix)
    for size in label_layout.LABEL_SIZES:
        coded = label_layout.SheetSpec(size, prefix, "Bưởi da xanh Cát Hải", "VN-HPCH-0012", version, mask)
        uncoded = label_layout.SheetSpec(
            size, prefix, "Bưởi da xanh Cát Hải", label_layout.NO_AREA_CODE, version, mask
        )
        with_code, without = label_drawing.label_template(coded), label_drawing.label_template(uncoded)
        assert with_code.size == without.size
        assert with_code.tobytes() != without.tobytes()
        # The template leaves the QR blank: any ink is the product name, area line and scan hint.
        assert with_code.getextrema()[0] == 0 and without.getextrema()[0] == 0


def _specs(with_pin: bool) -> list[label_layout.SheetSpec]:
    prefix = qr.qr_url_prefix("https://truyxuat.example.vn")
    version, mask = qr.fixed_qr(prefix)
    return [
        label_layout.SheetSpec(
            size, prefix, "Bưởi da xanh Cát Hải", "VN-HPCH-0012", version, mask, with_pin, "VN-PF-0042"
        )
        for size in label_layout.LABEL_SIZES
    ]


def test_serial_glyphs_paste_what_draw_text_draws():
    rng = random.Random(23)
    texts = [serials.grouped("".join(rng.choices(serials.ALPHABET, k=16))) for _ in range(100)]
    texts += [a + b + "-" + a for a in serials.ALPHABET for b in serials.ALPHABET]  # every pair
    for spec in _specs(False):
        glyphs = label_drawing.serial_glyphs(spec)
        font = label_drawing.serial_font(spec, label_layout.layout(spec.label_size, spec.version))
        for text in texts:
            drawn, pasted = Image.new("1", (500, 80), 1), Image.new("1", (500, 80), 1)
            ImageDraw.Draw(drawn).text((13, 21), text, font=font, fill=0)
            glyphs.draw(pasted, (13, 21), text)
            assert pasted.tobytes() == drawn.tobytes(), text
            assert glyphs.length(text) == font.getlength(text)


def test_label_png_has_the_pixels_pillow_draws_the_plain_way():
    """The fast path (wide canvas, pasted glyphs, PNG written directly) against a label drawn
    with Pillow's ordinary calls and read back from the PNG."""
    for spec in _specs(True):
        lay = label_layout.layout(spec.label_size, spec.version)
        stamps = [
            (i, serial, pin) for i, (serial, pin) in enumerate(zip(serials.new_serials(4), PINS, strict=True))
        ]
        for seq, serial, png in [label[:3] for label in render.render_chunk(spec, stamps).labels]:
            image = Image.open(io.BytesIO(png))
            assert (image.mode, image.size) == ("1", (lay.label_w, lay.label_h))
            assert round(image.info["dpi"][0]) == label_layout.DPI
            assert image.tobytes() == _plain_label(spec, lay, serial, PINS[seq]).tobytes()


PINS = ["123456", "98765432", "000000", "4711"]


def _plain_label(spec, lay, serial, pin) -> Image.Image:
    label = label_drawing.label_template(spec).copy()
    matrix, side = qr.qr_matrix(spec.url_prefix + serial, spec.version, spec.mask)
    portrait = label_layout.LABEL_SIZES[spec.label_size].portrait
    label.paste(
        qr.qr_image(matrix, side, lay.module_px), ((lay.label_w - lay.qr_px) // 2 if portrait else 0, 0)
    )
    font, text = label_drawing.serial_font(spec, lay), serials.grouped(serial)
    tx, ty, tw = label_layout.text_box(spec, lay)
    ImageDraw.Draw(label).text(
        (tx + (tw - font.getlength(text)) // 2 if portrait else tx, ty), text, font=font, fill=0
    )
    label_drawing.draw_pin(label, label_drawing.pin_box(spec, lay), pin)
    return label
