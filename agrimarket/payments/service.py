"""A seller's bank account for VietQR: a household sets its own, a coop manager the cooperative's.

A coop manager cannot set a member household's account: whoever sets it decides where the
buyers' money goes, so only the household itself does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from piccolo.columns.combination import Combinable

from agrimarket.accounts.actor import Actor
from agrimarket.areas.service import fold
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Forbidden, Invalid
from agrimarket.payments.banks import transfer_banks
from agrimarket.payments.schemas import BankAccountRead, BankAccountWrite
from agrimarket.products.access import seller_owner
from agrimarket.tables import BankAccount

ACCOUNT_NUMBER = re.compile(r"[0-9A-Z]{4,19}")
ACCOUNT_NAME = re.compile(r"[A-Z0-9][A-Z0-9 ]{1,49}")  # a company account may have digits


def _owner(actor: Actor) -> dict[str, int]:
    owner = seller_owner(actor)
    if owner is not None:
        return owner
    raise Forbidden(
        "Chỉ hộ sản xuất hoặc hợp tác xã mới có tài khoản nhận tiền.",
        "Only a household or a cooperative has an account to be paid into.",
    )


def _where(owner: dict[str, int]) -> Combinable:
    ((column, value),) = owner.items()
    return getattr(BankAccount, column) == value


def plain_upper(text: str) -> str:
    """'Nguyễn Văn Đức' -> 'NGUYEN VAN DUC': the form banks show an account holder's name in."""
    return fold(text).upper()


def clean(data: BankAccountWrite) -> dict[str, str]:
    errors: dict[str, tuple[str, str]] = {}
    bank_bin = data.bank_bin.strip()
    if bank_bin not in transfer_banks():
        errors["bank_bin"] = ("Hãy chọn ngân hàng trong danh sách.", "Choose a bank from the list.")
    number = re.sub(r"[\s.-]", "", data.account_number).upper()
    if not ACCOUNT_NUMBER.fullmatch(number):
        errors["account_number"] = (
            "Số tài khoản gồm 4–19 chữ số (có thể có chữ cái), không có dấu cách.",
            "An account number has 4–19 digits (letters allowed), no spaces.",
        )
    name = plain_upper(data.account_name)
    if not ACCOUNT_NAME.fullmatch(name):
        errors["account_name"] = (
            "Tên chủ tài khoản: chữ cái và số, tối đa 50 ký tự, đúng như trên thẻ ngân hàng.",
            "Account holder: letters and digits, up to 50 characters, as on the bank card.",
        )
    if errors:
        raise Invalid.from_fields(errors)
    return {"bank_bin": bank_bin, "account_number": number, "account_name": name}


def _read(row: dict) -> BankAccountRead:
    bank = transfer_banks().get(row["bank_bin"])
    return BankAccountRead(
        bank_bin=row["bank_bin"],
        bank_short_name=bank.short_name if bank else row["bank_bin"],
        bank_name=bank.name if bank else "",
        account_number=row["account_number"],
        account_name=row["account_name"],
    )


async def get_account(actor: Actor) -> BankAccountRead | None:
    row = await BankAccount.select().where(_where(_owner(actor))).first()
    return _read(row) if row else None


async def set_account(actor: Actor, data: BankAccountWrite) -> BankAccountRead:
    owner = _owner(actor)
    fields = clean(data)
    now = datetime.now(UTC)
    async with write_transaction():
        before = (
            await BankAccount.select(*[getattr(BankAccount, f) for f in fields]).where(_where(owner)).first()
        )
        # One statement either way: never two accounts for one owner, even when two saves race.
        # Table.__init__ takes columns as **kwargs beside _data/_ignore_missing: mypy matches owner to those.
        await BankAccount.insert(BankAccount(**owner, **fields, updated_at=now)).on_conflict(  # type: ignore[arg-type]
            target=getattr(BankAccount, next(iter(owner))),
            action="DO UPDATE",
            values=[
                BankAccount.bank_bin,
                BankAccount.account_number,
                BankAccount.account_name,
                BankAccount.updated_at,
            ],
        )
        if changes := audit.diff(before or {}, fields):
            await audit.record_for_owner(actor, owner, "bank_account_set", changes)
    return _read(fields)


async def remove_account(actor: Actor) -> None:
    owner = _owner(actor)
    async with write_transaction():
        gone = await BankAccount.delete().where(_where(owner)).returning(BankAccount.account_number)
        if gone:
            await audit.record_for_owner(
                actor, owner, "bank_account_removed", {"account_number": gone[0]["account_number"]}
            )
