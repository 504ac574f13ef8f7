"""Label text: Vietnamese diacritics drawn with the font bundled in the repository (with its licence)."""

from __future__ import annotations

from pathlib import Path

from traceability.stamps import render

VIETNAMESE = "ăâđêôơưàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"


def _missing(font, char: str) -> bool:
    """A glyph the font lacks is drawn as its .notdef box, the same as any unmapped code point."""
    mask, notdef = font.getmask(char), font.getmask("\u4e00")
    return mask.size == notdef.size and bytes(mask) == bytes(notdef)


def test_the_bundled_font_has_every_vietnamese_letter():
    assert (render.FONTS / "LICENSE-DejaVu.txt").is_file()
    texts = (VIETNAMESE, VIETNAMESE.upper(), render.NO_AREA_CODE, render.SCAN_HINT, "Bưởi da xanh Cát Hải")
    for bold in (False, True):
        font = render.font(24, bold)
        assert Path(font.path).parent == render.FONTS
        assert not [ch for text in texts for ch in set(text) - {" "} if _missing(font, ch)]
    assert _missing(render.font(24), "\u4e01")  # the check itself can fail


def test_label_says_whether_the_area_has_a_code():
    prefix = render.qr_url_prefix("https://truyxuat.example.vn")
    version, mask = render.fixed_qr(prefix)
    for size in render.LABEL_SIZES:
        coded = render.SheetSpec(size, prefix, "Bưởi da xanh Cát Hải", "VN-HPCH-0012", version, mask)
        uncoded = render.SheetSpec(size, prefix, "Bưởi da xanh Cát Hải", render.NO_AREA_CODE, version, mask)
        with_code, without = render.label_template(coded), render.label_template(uncoded)
        assert with_code.size == without.size
        assert with_code.tobytes() != without.tobytes()
        # The template leaves the QR blank: any ink is the product name, area line and scan hint.
        assert with_code.getextrema()[0] == 0 and without.getextrema()[0] == 0
