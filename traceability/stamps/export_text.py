"""The foreign-language lines of export labels, printed under their Vietnamese line.

The Chinese lines are drawn with the bundled Noto Sans SC subset (traceability/fonts), which holds
exactly the characters used here: after changing a Chinese line, run
``python -m traceability.fonts.subset_cjk`` (tests/traceability/test_export_labels.py checks it).
"""

from __future__ import annotations

# key -> (Vietnamese line, {language: foreign line}); the codes follow the Vietnamese line.
LINES: dict[str, tuple[str, dict[str, str]]] = {
    "area": ("Mã số vùng trồng", {"en": "Growing area code", "zh": "种植区域代码"}),
    "facility": ("Mã số cơ sở đóng gói", {"en": "Packing facility code", "zh": "包装厂代码"}),
    "origin": ("Sản phẩm của Việt Nam", {"en": "Product of Vietnam", "zh": "越南产品"}),
    "scan": ("Quét mã để truy xuất nguồn gốc", {"en": "Scan to trace the origin", "zh": "扫码追溯产品来源"}),
}
LANGUAGES = {"en": "English", "zh": "中文 (简体)"}


def foreign(key: str, lang: str) -> str:
    return LINES[key][1][lang]


def characters(lang: str) -> set[str]:
    """Every character the labels print in ``lang`` (what the bundled font must cover)."""
    texts = [line[1][lang] for line in LINES.values()]
    return {ch for text in texts for ch in text if not ch.isspace()}
