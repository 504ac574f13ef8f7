"""VietQR (NAPAS, on EMVCo) codes that pay a product's price into its owner's bank account."""

from __future__ import annotations

import io
from functools import lru_cache

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from qrcode.image.pil import PilImage
from vietnam_qr_pay import QRPay


def payload(bank_bin: str, account_number: str, amount_vnd: int, purpose: str) -> str:
    """The EMVCo string: dynamic (init method 12) with the amount, CRC included by the library."""
    return QRPay.init_viet_qr(
        bank_bin=bank_bin, bank_number=account_number, amount=str(amount_vnd), purpose=purpose
    ).build()


def purpose_of(product_id: int) -> str:
    # Plain ASCII: some banking apps drop diacritics or refuse them in the transfer note.
    return f"AGRIMARKET SP{product_id}"


@lru_cache(maxsize=512)  # a code changes only with the price or the account
def png(content: str) -> bytes:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(content)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image(image_factory=PilImage).save(out, format="PNG")  # the factory qrcode picks with Pillow
    return out.getvalue()
