"""Free text and digits as people type them, made safe to store, print and put in XML.

``clean_text`` is the one place where invisible characters are removed: every JSON body (through
``agrimarket.web.input.Input``), every HTML form (``agrimarket.web.forms.form_values``) and the
services' own ``clean_*`` functions pass through it.

``ascii_digits`` / ``ascii_int``: Python's ``int()``, ``str.isdigit()`` and ``\\d`` accept any
script's digits (``0912０００１０１``, ``٠٩١٢``), which would let two phone numbers or GTINs that
look alike be different records. Only 0-9 count as digits here.
"""

from __future__ import annotations

import re
import unicodedata

# Removed: control characters (Cc) but tab and newline, format characters (Cf: zero-width space,
# joiners, bidi overrides, BOM, soft hyphen), lone surrogates (Cs), and the "blank" letters that
# render as nothing (Hangul fillers, braille blank). Combining marks (Vietnamese tones) are kept.
_REMOVED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
_KEPT_CONTROLS = frozenset("\t\n")
_ASCII_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Line breaks in any spelling become "\n" (CR LF, CR, NEL, line and paragraph separators).
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")
_VISIBLE_EXCEPT = frozenset({"Mn", "Me", "Zs"})


def clean_text(raw: str) -> str:
    """``raw`` without invisible characters, in NFC; a text of nothing visible becomes "".

    Whitespace is kept as typed (tabs, newlines included): single-line fields collapse it themselves.
    """
    if raw.isascii():
        text = _ASCII_CONTROLS.sub("", _LINE_BREAKS.sub("\n", raw))
        return text if text.strip() else ""
    text = _LINE_BREAKS.sub("\n", raw)
    text = "".join(
        ch
        for ch in text
        if ch in _KEPT_CONTROLS
        or (unicodedata.category(ch) not in _REMOVED_CATEGORIES and ch not in _BLANK_LETTERS)
    )
    text = unicodedata.normalize("NFC", text)
    if all(ch.isspace() or unicodedata.category(ch) in _VISIBLE_EXCEPT for ch in text):
        return ""  # only spaces and lone combining marks: nothing a reader could see
    return text


def clean_line(raw: str | None) -> str:
    """A single-line field: ``clean_text``, then runs of whitespace collapsed to one space."""
    return " ".join(clean_text(raw or "").split())


def ascii_digits(text: str) -> bool:
    """True when ``text`` is one or more of 0-9 and nothing else."""
    return text.isascii() and text.isdigit()


def ascii_int(text: str | None) -> int | None:
    """An optionally signed integer in ASCII digits (surrounding spaces allowed), else None."""
    text = (text or "").strip()
    body = text[1:] if text[:1] in "+-" else text
    return int(text) if ascii_digits(body) and len(body) < 19 else None


def ascii_decimal(text: str | None) -> float | None:
    """A decimal number in ASCII digits, comma or dot as the decimal mark, else None."""
    text = (text or "").strip().replace(",", ".")
    body = text[1:] if text[:1] in "+-" else text
    whole, _, part = body.partition(".")
    if not (whole or part) or not all(ascii_digits(p) for p in (whole, part) if p) or len(body) > 30:
        return None
    return float(text)
