"""Scratch-off verification PINs: drawn when a sheet is rendered, stored only as a keyed hash.

The PIN is drawn by the renderer, not at issuance: then it exists only in the renderer's memory and
on the printed labels, never in a row. Its HMAC is written before the sheet is stored, so a label
sheet that can be downloaded always matches the hashes (a render that fails and is taken over draws
new PINs for a sheet nobody could download).

Verifying: the first correct entry records the time; later ones show it ("a PIN is good once").
Wrong PINs are limited per stamp and per client in the app's shared store, so a guesser gets a few
tries per window however many processes serve it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from litestar.stores.base import Store

from agrimarket import clock
from agrimarket.errors import Conflict, DomainError, Invalid, RateLimited
from agrimarket.text import ascii_digits
from agrimarket.web.stores import increment
from traceability.settings import TraceabilitySettings
from traceability.stamps import serials
from traceability.stamps.scan import client_hash
from traceability.tables import Stamp

STORE = "pin_attempts"
HASHES_PER_UPDATE = 400  # 801 parameters: under SQLite's oldest limit of 999


def new_pin(digits: int) -> str:
    """A uniformly random PIN of ``digits`` digits (leading zeros kept)."""
    return f"{secrets.randbelow(10**digits):0{digits}d}"


def pin_hash(key: str, serial: str, pin: str) -> str:
    """HMAC-SHA256 of the PIN, bound to its serial so equal PINs of two stamps hash apart."""
    return hmac.new(key.encode(), f"{serial}:{pin}".encode(), hashlib.sha256).hexdigest()


def draw(stamps: Sequence[tuple[int, str]], settings: TraceabilitySettings) -> tuple[list[str], list]:
    """A fresh PIN per (seq, serial), and the (seq, hash) pairs to store."""
    pins = [new_pin(settings.pin_digits) for _ in stamps]
    hashes = [
        (seq, pin_hash(settings.pin_hash_key, serial, pin))
        for (seq, serial), pin in zip(stamps, pins, strict=True)
    ]
    return pins, hashes


async def store_hashes(issue_id: int, hashes: Sequence[tuple[int, str]]) -> None:
    """Write the hashes of one issuance's stamps, a few hundred per UPDATE."""
    for start in range(0, len(hashes), HASHES_PER_UPDATE):
        chunk = hashes[start : start + HASHES_PER_UPDATE]
        values = ", ".join(["(CAST({} AS INTEGER), {})"] * len(chunk))
        # VALUES columns are column1, column2 in both SQLite and PostgreSQL.
        await Stamp.raw(
            f"UPDATE stamp SET pin_hash = v.column2 FROM (VALUES {values}) AS v "  # noqa: S608
            "WHERE stamp.issuance = {} AND stamp.seq = v.column1",
            *[value for pair in chunk for value in pair],
            issue_id,
        )


class WrongPin(DomainError):
    status_code = 422
    code = "wrong_pin"


class TooManyAttempts(RateLimited):
    def __init__(self, retry_after: int) -> None:
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            f"Đã nhập sai mã PIN quá nhiều lần. Hãy thử lại sau {minutes} phút.",
            f"Too many wrong PINs. Try again in {minutes} minutes.",
            retry_after,
        )


@dataclass(frozen=True)
class Verified:
    serial: str
    first: bool  # this entry was the stamp's first verification
    first_verified_at: datetime
    revoked_reason: str | None = None  # a revoked stamp's PIN is still right, but not "genuine"


def _clean(pin_text: str) -> str:
    pin = "".join(pin_text.split())
    if not (ascii_digits(pin) and 6 <= len(pin) <= 8):
        raise Invalid(
            "pin",
            "Mã PIN gồm 6–8 chữ số, in dưới lớp cào.",
            "The PIN is the 6–8 digits under the scratch-off layer.",
        )
    return pin


async def verify(
    store: Store, serial_text: str, pin_text: str, address: str, settings: TraceabilitySettings
) -> Verified:
    """Check a PIN typed by a buyer. NotFound, Conflict (no PIN), Invalid, WrongPin, TooManyAttempts."""
    serial = serials.normalise(serial_text)
    row = None
    if serial is not None:
        row = (
            await Stamp.select(Stamp.id, Stamp.serial, Stamp.pin_hash, Stamp.status, Stamp.revoked_reason)
            .where(Stamp.serial == serial)
            .first()
        )
    if row is None:
        raise serials.stamp_not_found()
    if not row["pin_hash"]:
        raise Conflict("Tem này không có mã PIN dưới lớp cào.", "This stamp has no scratch-off PIN.")
    pin = _clean(pin_text)  # any length of 6–8: sheets printed before a change of STAMP_PIN_DIGITS stay valid
    window = settings.pin_window_minutes * 60
    keys = (f"stamp:{row['id']}", f"client:{client_hash(settings.scan_hash_key, address)}")
    # Take the attempt before checking, on both counters: concurrent guesses in several processes
    # then cannot get past the limit together. A right PIN gives its attempt back.
    counts = [await increment(store, key, window) for key in keys]
    if max(counts) > settings.pin_attempts:
        waits = [
            await store.expires_in(key)
            for key, count in zip(keys, counts, strict=True)
            if count > settings.pin_attempts
        ]
        raise TooManyAttempts(max((w for w in waits if w), default=window))
    if not hmac.compare_digest(pin_hash(settings.pin_hash_key, row["serial"], pin), row["pin_hash"]):
        left = settings.pin_attempts - max(counts)
        raise WrongPin(
            f"Mã PIN không đúng. Hãy kiểm tra lại các chữ số dưới lớp cào (còn {left} lần thử).",
            f"Wrong PIN. Check the digits under the scratch-off layer ({left} tries left).",
            {"pin": ("Mã PIN không đúng.", "Wrong PIN.")},
        )
    for key in keys:
        await increment(store, key, window, -1)
    verified = await _first_verification(row["id"], row["serial"])
    if row["status"] == "revoked":
        return dataclasses.replace(verified, revoked_reason=row["revoked_reason"] or "-")
    return verified


async def _first_verification(stamp_id: int, serial: str) -> Verified:
    """Record now as the first verification unless one is recorded (one conditional UPDATE)."""
    now = datetime.now(UTC)
    taken = (
        await Stamp.update({Stamp.pin_verified_at: now})
        .where((Stamp.id == stamp_id) & Stamp.pin_verified_at.is_null())
        .returning(Stamp.id)
    )
    if taken:
        return Verified(serial, True, now)
    row = await Stamp.select(Stamp.pin_verified_at).where(Stamp.id == stamp_id).first()
    assert row is not None
    return Verified(serial, False, row["pin_verified_at"])


def verified_message(verified: Verified, lang: str) -> str:
    """What a buyer reads after a correct PIN; the time in Vietnam's clock."""
    local = clock.to_local(verified.first_verified_at)
    if verified.revoked_reason is not None:
        if lang == "en":
            return f"Correct PIN, but this stamp has been revoked: {verified.revoked_reason}"
        return f"Mã PIN đúng, nhưng tem này đã bị thu hồi: {verified.revoked_reason}"
    if lang == "en":
        at = local.strftime("%H:%M on %d/%m/%Y") + " (Vietnam time)"
        if verified.first:
            return f"Correct PIN: the stamp is genuine. This is its first verification ({at})."
        return (
            f"Correct PIN. This code was first verified at {at}. If you did not scratch it then, "
            "the stamp may have been reused."
        )
    at = local.strftime("%H:%M ngày %d/%m/%Y")
    if verified.first:
        return f"Mã PIN đúng: tem chính hãng. Đây là lần xác thực đầu tiên (lúc {at})."
    return (
        f"Mã PIN đúng. Mã này đã được xác thực lần đầu lúc {at}. "
        "Nếu lúc đó không phải bạn cào lớp phủ, tem có thể đã bị dùng lại."
    )
