"""Label text: Vietnamese diacritics drawn with the font bundled in the repository (with its licence)."""

from __future__ import annotations

from pathlib import Path

from traceability.stamps import label_drawing, label_layout, qr

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
