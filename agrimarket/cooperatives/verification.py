"""The cooperatives' register: an officer of the cooperative's area (or an admin) verifies it
against its tax code, suspends or revokes it (agrimarket.registry_status, as growing areas).

A self-registered cooperative stays self-service (the manager creates it at once, from any
commune) but invites or signs up no household before it is verified.
"""

from __future__ import annotations

from agrimarket import registry_status
from agrimarket.accounts.actor import Actor
from agrimarket.cooperatives import service as coops
from agrimarket.tables import Cooperative

NOUN = ("hợp tác xã", "a cooperative")


async def change_status(actor: Actor, coop_id: int, status: str, reason: str) -> None:
    registry_status.may_judge(actor, *NOUN)
    current = await coops.get_cooperative(actor, coop_id)  # 404 outside the officer's area
    await registry_status.change_status(
        Cooperative, "cooperative", coop_id, current.status, actor, status, reason
    )
