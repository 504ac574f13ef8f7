"""Banks that take VietQR transfers: the NAPAS list as shipped by the vietnam-qr-pay package."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from vietnam_qr_pay import BanksObject
from vietnam_qr_pay.constants.banks import VietQRStatus


@dataclass(frozen=True)
class Bank:
    bin: str  # the bank's NAPAS BIN, the bank's id inside a VietQR code
    short_name: str
    name: str


@cache
def transfer_banks() -> dict[str, Bank]:
    """Banks a VietQR transfer can reach, by BIN, sorted by short name for the form's list."""
    banks = [
        Bank(bank.bin, bank.short_name, bank.name)
        for bank in BanksObject.values()
        if bank.viet_qr_status == VietQRStatus.TRANSFER_SUPPORTED and not bank.deprecated
    ]
    return {bank.bin: bank for bank in sorted(banks, key=lambda bank: bank.short_name.lower())}
