"""GS1 Digital Link paths (``/01/{gtin}/10/{lot}/21/{serial}``): GTIN parsing and check digits."""

from __future__ import annotations

from agrimarket.errors import DomainError


def check_digit(body: str) -> int:
    """GS1 mod-10 check digit of the digits before it (weights 3,1,3,… from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def _bad(vi: str, en: str) -> DomainError:
    # A malformed identifier in the path is a bad request (400), not a missing stamp.
    return DomainError(vi, en, {"gtin": (vi, en)})


def gtin14(text: str) -> str:
    """An 8, 12, 13 or 14-digit GTIN padded to 14 digits; a 400 error when malformed."""
    if not text.isdigit() or len(text) not in (8, 12, 13, 14):
        raise _bad("GTIN phải có 8, 12, 13 hoặc 14 chữ số.", "A GTIN has 8, 12, 13 or 14 digits.")
    padded = text.zfill(14)
    if check_digit(padded[:-1]) != int(padded[-1]):
        raise _bad("Số kiểm tra của GTIN không đúng.", "The GTIN check digit is wrong.")
    return padded


def same_gtin(stored: str | None, asked14: str) -> bool:
    """Whether a product's stored GTIN (any length) is the asked 14-digit one."""
    return bool(stored) and stored.isdigit() and stored.zfill(14) == asked14


def path(gtin: str, lot: str, serial: str) -> str:
    from urllib.parse import quote

    return f"/01/{gtin.zfill(14)}/10/{quote(lot, safe='')}/21/{serial}"


async def resolve(gtin: str, lot: str, serial_text: str) -> str:
    """The canonical serial the Digital Link names; 400 on a malformed GTIN, 404 on any mismatch."""
    from traceability.stamps.serials import normalise, stamp_not_found
    from traceability.tables import Stamp

    wanted = gtin14(gtin)
    serial = normalise(serial_text)
    row = (
        await Stamp.select(
            Stamp.serial, Stamp.batch.lot_code.as_alias("lot"), Stamp.batch.product.gtin.as_alias("gtin")
        )
        .where(Stamp.serial == (serial or ""))
        .first()
    )
    if row is None or row["lot"] != lot or not same_gtin(row["gtin"], wanted):
        raise stamp_not_found()
    return row["serial"]
