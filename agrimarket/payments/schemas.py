"""Request and response shapes of the bank-account API."""

from __future__ import annotations

from typing import Annotated

import msgspec

from agrimarket.payments.banks import transfer_banks
from agrimarket.web.input import Input, checked


class BankAccountWrite(Input):
    # The rules of agrimarket.payments.service.clean, in the spellings it reads (it upper-cases,
    # drops accents and the spaces, dots and hyphens of a typed account number).
    bank_bin: Annotated[str, checked(enum=transfer_banks())]
    account_number: Annotated[str, checked(pattern="^[0-9A-Za-z]{4,19}$")]
    account_name: Annotated[str, checked(pattern="^[A-Za-z0-9][A-Za-z0-9 ]{1,49}$")]


class BankAccountRead(msgspec.Struct):
    bank_bin: str
    bank_short_name: str
    bank_name: str
    account_number: str
    account_name: str


class BankRead(msgspec.Struct):
    bin: str
    short_name: str
    name: str
