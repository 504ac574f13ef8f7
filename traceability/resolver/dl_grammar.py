"""A whole GS1 Digital Link URI read by the standard's grammar: what a till or a recall tool does
with the text of a stamp's QR.

Follows the ABNF of the GS1 Digital Link standard (1.2; the GS1 "Digital Link Web URI Grammar"):
- ``http`` or ``https``, a host, an optional path prefix, then the GTIN path ``/01/{gtin}``
  followed by the key qualifiers that exist, only in the order ``/22/``, ``/10/``, ``/21/``;
- each qualifier value is 1–20 ``XCHAR``: letters, digits, ``-``, ``.``, ``_``, or a
  percent-encoded character of GS1 set 82 (``%21`` ``%22`` ``%25``-``%2C`` ``%2F`` ``%3A``-``%3F``);
  a raw ``/``, ``?`` or ``%`` outside an escape cannot appear;
- data attributes in the query string, ``AI=value`` joined by ``&``; the dates this project
  writes (AI 17 expiry, also 15 best-before and 16 sell-by) are 6 digits ``YYMMDD`` (``DD`` 00
  meaning the month's last day), read into a century as GS1 General Specifications 7.12 asks.
The resolver's own path check is traceability.resolver.uri.parse (one request path); this module
reads a complete URI, query included, for tests and tools.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import unquote

# Percent-encodings of the set-82 characters that are not unreserved in a URI.
_ESCAPES = r"%(?:2[12]|2[5-9]|2[A-Ca-c]|2[Ff]|3[A-Fa-f])"
XCHAR = rf"(?:[A-Za-z0-9\-._]|{_ESCAPES})"
_VALUE = rf"({XCHAR}{{1,20}})"
_HOST = r"[A-Za-z0-9](?:[A-Za-z0-9\-.]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
_PREFIX = r"(?:/[A-Za-z0-9\-._~%]+)*?"
GTIN_PATH = re.compile(
    rf"^(?P<scheme>[Hh][Tt][Tt][Pp][Ss]?)://(?P<host>{_HOST})(?P<prefix>{_PREFIX})"
    r"/01/(?P<gtin>[0-9]{14}|[0-9]{13}|[0-9]{12}|[0-9]{8})"
    rf"(?:/22/(?P<cpv>{XCHAR}{{1,20}}))?"
    rf"(?:/10/(?P<lot>{XCHAR}{{1,20}}))?"
    rf"(?:/21/(?P<serial>{XCHAR}{{1,20}}))?"
    r"(?:\?(?P<query>[^#]*))?(?:#.*)?$"
)
DATE_AIS = {"15", "16", "17"}


class NotDigitalLink(ValueError):
    """The text is not a GS1 Digital Link URI of a trade item."""


@dataclass(frozen=True)
class ParsedLink:
    gtin: str  # 14 digits
    lot: str | None = None
    serial: str | None = None
    variant: str | None = None
    expiry: date | None = None
    attributes: dict[str, str] = field(default_factory=dict)  # every query AI, as written


def _check_digit_ok(gtin: str) -> bool:
    digits = [int(d) for d in gtin]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits[:-1])))
    return (10 - total % 10) % 10 == digits[-1]


def gs1_date(yymmdd: str, today: date | None = None) -> date:
    """A 6-digit GS1 date: the century puts it from 49 years before to 50 years after this year;
    day 00 is the month's last day."""
    if not re.fullmatch(r"[0-9]{6}", yymmdd):
        raise NotDigitalLink(f"a GS1 date has 6 digits, not {yymmdd!r}")
    yy, mm, dd = int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:])
    this_year = (today or date.today()).year
    year = this_year - this_year % 100 + yy
    if year - this_year >= 51:
        year -= 100
    elif this_year - year > 49:
        year += 100
    if not 1 <= mm <= 12:
        raise NotDigitalLink(f"no month {mm} in {yymmdd!r}")
    last = calendar.monthrange(year, mm)[1]
    if dd > last:
        raise NotDigitalLink(f"no day {dd} in {yymmdd!r}")
    return date(year, mm, dd or last)


def parse_uri(text: str, today: date | None = None) -> ParsedLink:
    """A complete Digital Link URI (as a QR carries it) into GTIN, qualifiers and dates."""
    found = GTIN_PATH.match(text)
    if not found:
        raise NotDigitalLink(f"not a GS1 Digital Link URI of a GTIN: {text[:120]!r}")
    gtin = found["gtin"].zfill(14)
    if not _check_digit_ok(gtin):
        raise NotDigitalLink(f"wrong GTIN check digit: {gtin}")
    attributes: dict[str, str] = {}
    for pair in (found["query"] or "").split("&"):
        if not pair:
            continue
        key, equals, value = pair.partition("=")
        if not equals:
            raise NotDigitalLink(f"query component without a value: {pair!r}")
        if key in attributes:
            raise NotDigitalLink(f"AI {key} appears twice")
        if re.fullmatch(r"[0-9]{2,4}", key) and not re.fullmatch(rf"{XCHAR}+", value):
            raise NotDigitalLink(f"AI {key} has a value outside the GS1 character set")
        attributes[key] = unquote(value)
    expiry = gs1_date(attributes["17"], today) if "17" in attributes else None
    for ai in DATE_AIS - {"17"}:
        if ai in attributes:
            gs1_date(attributes[ai], today)

    def decoded(name: str) -> str | None:
        return unquote(found[name]) if found[name] else None

    return ParsedLink(gtin, decoded("lot"), decoded("serial"), decoded("cpv"), expiry, attributes)
