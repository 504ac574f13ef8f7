"""Request and response shapes of the bank-account API."""

from __future__ import annotations

import msgspec

from agrimarket.web.input import Input


class BankAccountWrite(Input):
    bank_bin: str
    account_number: str
    account_name: str


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
