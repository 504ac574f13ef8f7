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
# One C-speed character class (a megabyte of text in milliseconds); a test checks it against
# unicodedata's categories over the whole of Unicode.
INVISIBLE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2"
    "\u115f\u1160\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u2800\u3164"
    "\ud800-\udfff\ufeff\uffa0\ufff9-\ufffb\U000110bd\U000110cd\U00013430-\U0001343f"
    "\U0001bca0-\U0001bca3\U0001d173-\U0001d17a\U000e0001\U000e0020-\U000e007f]"
)
# Line breaks in any spelling become "\n" (CR LF, CR, NEL, line and paragraph separators).
_LINE_BREAKS = re.compile("\r\n?|[\x85\u2028\u2029]")
# Spaces and the combining marks of Latin scripts: a text of only these shows nothing.
_NOTHING_VISIBLE = re.compile(
    "[\\s\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe00-\ufe0f\ufe20-\ufe2f]*"
)


def clean_text(raw: str) -> str:
    """``raw`` without invisible characters, in NFC; a text of nothing visible becomes "".

    Whitespace is kept as typed (tabs, newlines included): single-line fields collapse it themselves.
    """
    text = INVISIBLE.sub("", _LINE_BREAKS.sub("\n", raw))
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    return "" if _NOTHING_VISIBLE.fullmatch(text) else text


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
