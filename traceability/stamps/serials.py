"""Stamp serials: 80 random bits from ``secrets``, written in Crockford base32.

Sixteen symbols of the alphabet below (no I, L, O, U) carry 80 bits, so a guessed serial hits a
real stamp with odds of about one in 10^24 per issued million stamps: serials cannot be enumerated.
"""

from __future__ import annotations

import secrets

from agrimarket.errors import NotFound

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 16  # symbols; 5 bits each
BITS = LENGTH * 5
_DECODE = {ch: ch for ch in ALPHABET} | {"O": "0", "I": "1", "L": "1"}


def new_serial() -> str:
    """A fresh random serial, e.g. ``7K3M9QXT2BFAWN4D``."""
    number = secrets.randbits(BITS)
    return "".join(ALPHABET[(number >> shift) & 31] for shift in range(BITS - 5, -1, -5))


def new_serials(count: int) -> list[str]:
    """``count`` distinct fresh serials (uniqueness across the database is the column's job)."""
    serials: set[str] = set()
    while len(serials) < count:
        serials.update(new_serial() for _ in range(count - len(serials)))
    return list(serials)


def normalise(text: str) -> str | None:
    """A typed or scanned serial in canonical form, the Crockford way; None when it cannot be one.

    Case-insensitive, O reads as 0, I and L as 1, hyphens and spaces are ignored.
    """
    cleaned = text.replace("-", "").replace(" ", "").upper()
    if len(cleaned) != LENGTH:
        return None
    try:
        return "".join(_DECODE[ch] for ch in cleaned)
    except KeyError:
        return None


def grouped(serial: str) -> str:
    """Readable form for people: ``7K3M-9QXT-2BFA-WN4D``."""
    return "-".join(serial[i : i + 4] for i in range(0, len(serial), 4))


def stamp_not_found() -> NotFound:
    """The answer for a serial that names no stamp (or one the caller may not touch)."""
    return NotFound("Tem này không có trong hệ thống.", "This stamp is not in the system.")
