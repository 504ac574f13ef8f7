"""The seller's bank account and the VietQR bank list over the JSON API."""

from __future__ import annotations

from litestar import Controller, delete, get, put
from litestar.di import Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor
from agrimarket.payments import service
from agrimarket.payments.banks import transfer_banks
from agrimarket.payments.schemas import BankAccountRead, BankAccountWrite, BankRead
from agrimarket.web.auth import provide_actor


class BankAccountController(Controller):
    """The caller's own account: a household's, or a coop manager's cooperative's."""

    path = "/api/v1/bank-account"
    tags = ["payments"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def read(self, actor: Actor) -> BankAccountRead | None:
        """The account, or null while none has been added."""
        return await service.get_account(actor)

    @put("/")
    async def save(self, actor: Actor, data: BankAccountWrite) -> BankAccountRead:
        return await service.set_account(actor, data)

    @delete("/", status_code=HTTP_204_NO_CONTENT)
    async def remove(self, actor: Actor) -> None:
        """No account afterwards, whether there was one or not (a repeated tap is no error)."""
        await service.remove_account(actor)


@get("/api/v1/banks", tags=["payments"], cache=3600)
async def banks() -> list[BankRead]:
    """Banks a VietQR transfer reaches (NAPAS BINs)."""
    return [BankRead(bank.bin, bank.short_name, bank.name) for bank in transfer_banks().values()]
