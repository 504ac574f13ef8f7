"""Rebuild NotoSansSC-Subset.otf: Noto Sans CJK SC cut down to the characters our Chinese label lines
use (traceability.stamps.export_text), so the repository carries kilobytes, not a 20 MB font.

    python -m traceability.fonts.subset_cjk /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

The source is Debian's ``fonts-noto-cjk`` (or any Noto Sans CJK / Noto Sans SC file); needs fontTools
(the test extras). Licence: SIL Open Font License 1.1, see OFL-NotoSansSC.txt beside the font.
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

from traceability.stamps.export_text import characters

TARGET = Path(__file__).resolve().parent / "NotoSansSC-Subset.otf"


def _simplified_chinese(source: str) -> TTFont:
    """The SC face of a collection (its family name ends in "SC"), or the file itself."""
    if not source.endswith(".ttc"):
        return TTFont(source)
    for face in TTCollection(source).fonts:
        if str(face["name"].getDebugName(1)).endswith(" SC"):
            return face
    raise SystemExit(f"{source}: no Simplified Chinese (SC) face")


def main(source: str) -> None:
    font = _simplified_chinese(source)
    options = subset.Options()
    options.name_IDs = ["*"]  # keep the copyright and licence names
    options.layout_features = []
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text="".join(sorted(characters("zh"))))
    subsetter.subset(font)
    font.save(TARGET)
    print(f"{TARGET}: {TARGET.stat().st_size} bytes")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
