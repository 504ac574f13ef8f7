"""Account claims over the JSON API: officers of the household's area confirm or reject them."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_204_NO_CONTENT

from agrimarket.accounts import claims
from agrimarket.accounts.actor import Actor
from agrimarket.accounts.claims import ClaimConfirm, ClaimRead
from agrimarket.web.auth import provide_actor


class AccountClaimController(Controller):
    path = "/api/v1/account-claims"
    tags = ["accounts"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/")
    async def pending(self, actor: Actor, status: str = "pending") -> list[ClaimRead]:
        """Claims of households in the officer's commune or province (all for an admin)."""
        return await claims.list_claims(actor, status)

    @post("/{claim_id:int}/confirm", status_code=HTTP_204_NO_CONTENT)
    async def confirm(self, actor: Actor, claim_id: int, data: ClaimConfirm) -> None:
        """With the code the phone's owner read out when called: its chosen password now works."""
        await claims.confirm(actor, claim_id, data.code)

    @post("/{claim_id:int}/reject", status_code=HTTP_204_NO_CONTENT)
    async def reject(self, actor: Actor, claim_id: int) -> None:
        await claims.reject(actor, claim_id)
