"""GS1 Digital Link URIs of trade items, ``/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]``.

Checked as the Digital Link URI syntax asks: key qualifiers only in that order, each at most once,
values of 1–20 characters from the GS1 character set 82, and a GTIN of 8, 12, 13 or 14 digits with
a right check digit (written as 14 digits in every URI we give out). Anything else is a 400.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, unquote

from agrimarket.errors import DomainError
from agrimarket.text import ascii_digits

GTIN_AI = "01"
QUALIFIERS = ("22", "10", "21")  # consumer product variant, lot, serial: the only allowed order
NAMES = {"22": ("biến thể sản phẩm", "product variant"), "10": ("số lô", "lot"), "21": ("số sê-ri", "serial")}
# GS1 AI encodable character set 82 (General Specifications, figure 7.11-1).
CSET82 = re.compile(r"[!\"%&'()*+,\-./0-9:;<=>?A-Z_a-z]{1,20}")


class BadLink(DomainError):
    """A request URI that is not a valid GS1 Digital Link URI: the client's error (400)."""

    code = "bad_digital_link"

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(vi, en, {"uri": (vi, en)})


@dataclass(frozen=True)
class DigitalLink:
    """A parsed trade-item Digital Link: the GTIN (14 digits) and the qualifiers present, in order."""

    gtin: str
    qualifiers: tuple[tuple[str, str], ...] = ()  # ((ai, decoded value), ...)

    def value(self, ai: str) -> str | None:
        return next((v for a, v in self.qualifiers if a == ai), None)

    @property
    def lot(self) -> str | None:
        return self.value("10")

    @property
    def serial(self) -> str | None:
        return self.value("21")

    def path(self, depth: int | None = None) -> str:
        """The canonical path, with the first ``depth`` qualifiers (all when None)."""
        kept = self.qualifiers if depth is None else self.qualifiers[:depth]
        return f"/{GTIN_AI}/{self.gtin}" + "".join(f"/{ai}/{quote(v, safe='')}" for ai, v in kept)

    def levels(self) -> list[str]:
        """This URI's path and each one up the tree to the bare GTIN, most specific first."""
        return [self.path(depth) for depth in range(len(self.qualifiers), -1, -1)]


def check_digit(body: str) -> int:
    """GS1 mod-10 check digit of the digits before it (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin14(text: str) -> str:
    """An 8, 12, 13 or 14-digit GTIN padded to 14 digits; BadLink when malformed."""
    if not ascii_digits(text) or len(text) not in (8, 12, 13, 14):
        raise BadLink("GTIN phải có 8, 12, 13 hoặc 14 chữ số.", "A GTIN has 8, 12, 13 or 14 digits.")
    padded = text.zfill(14)
    if check_digit(padded[:-1]) != int(padded[-1]):
        raise BadLink("Số kiểm tra của GTIN không đúng.", "The GTIN check digit is wrong.")
    return padded


def gtin_forms(gtin: str) -> list[str]:
    """A 14-digit GTIN as it may be stored: padded, or as the 13, 12 or 8 digits that were typed."""
    return [gtin] + [gtin[-n:] for n in (13, 12, 8) if set(gtin[:-n]) <= {"0"}]


def parse(raw_path: str) -> DigitalLink:
    """A request path (still percent-encoded) after ``/01``-prefix checks; BadLink on any syntax error."""
    path = raw_path.split("?", 1)[0].removesuffix("/")  # a trailing slash is tolerated
    segments = path.split("/")[1:]
    if len(segments) % 2 or not segments or segments[0] != GTIN_AI or "" in segments:
        raise BadLink(
            "Đường dẫn GS1 Digital Link phải là các cặp /mã AI/giá trị, bắt đầu bằng /01/{GTIN}.",
            "A GS1 Digital Link path is /AI/value pairs starting with /01/{GTIN}.",
        )
    gtin = gtin14(unquote(segments[1]))
    qualifiers: list[tuple[str, str]] = []
    position = -1
    for ai, raw in zip(segments[2::2], segments[3::2], strict=True):
        if ai not in QUALIFIERS:
            raise BadLink(
                f"“{ai[:10]}” không phải là mã AI bổ sung cho GTIN (chỉ dùng 22, 10, 21).",
                f"“{ai[:10]}” is not a key qualifier of a GTIN (only 22, 10 and 21 are).",
            )
        if QUALIFIERS.index(ai) <= position:
            raise BadLink(
                "Các mã AI phải theo thứ tự /22/, /10/, /21/ và mỗi mã chỉ một lần.",
                "Key qualifiers go in the order /22/, /10/, /21/, each at most once.",
            )
        position = QUALIFIERS.index(ai)
        value = unquote(raw)
        if not CSET82.fullmatch(value):
            vi, en = NAMES[ai]
            raise BadLink(
                f"Giá trị của AI {ai} ({vi}) phải có 1–20 ký tự thuộc bộ ký tự GS1 (chữ không dấu, số, dấu).",
                f"The value of AI {ai} ({en}) must be 1–20 characters of the GS1 character set.",
            )
        qualifiers.append((ai, value))
    return DigitalLink(gtin, tuple(qualifiers))


def stamp_uri(base: str, gtin: str, lot: str, serial: str, expiry: date | None = None) -> str:
    """The serial-level Digital Link of a stamp: ``{base}/01/{gtin14}/10/{lot}/21/{serial}``, plus
    ``?17={YYMMDD}`` (expiry date, a data attribute, so in the query) when the batch has one.

    Values are percent-encoded as the standard's grammar (XCHAR) asks: letters, digits and - . _
    stand as they are, every other set-82 character is written %XX (``DigitalLink.path``).
    BadLink when the GTIN, lot or serial cannot be written (the callers check before printing).
    """
    link = DigitalLink(gtin14(gtin), (("10", lot), ("21", serial)))
    for ai, value in link.qualifiers:
        if not CSET82.fullmatch(value):
            vi, en = NAMES[ai]
            raise BadLink(
                f"{vi.capitalize()} “{value[:40]}” không ghi được trong GS1 Digital Link: tối đa 20 ký tự, "
                "chữ không dấu, số và dấu thuộc bộ ký tự GS1.",
                f"The {en} “{value[:40]}” cannot go into a GS1 Digital Link: at most 20 characters of "
                "the GS1 character set.",
            )
    query = f"?17={expiry:%y%m%d}" if expiry else ""
    return f"{base.rstrip('/')}{link.path()}{query}"
