"""What the personal-data routes do, for the API and the pages alike: every data request counted
and checked fresh before anything is read or changed."""

from __future__ import annotations

from litestar.stores.base import Store

from agrimarket.accounts.actor import Actor
from agrimarket.privacy import deletion, fresh, my_data
from agrimarket.privacy.deletion import DeletionStatus
from agrimarket.privacy.my_data import MyData
from agrimarket.privacy.parts import Subject
from agrimarket.settings import Settings


async def _gate(token: str | None, actor: Actor, store: Store, settings: Settings) -> None:
    await fresh.take_request(store, actor, settings)
    await fresh.require_fresh(token, settings)


async def export(token: str | None, actor: Actor, store: Store, settings: Settings) -> MyData:
    await _gate(token, actor, store, settings)
    return await my_data.collect(Subject(actor.user_id, actor.household_id))


async def ask_deletion(token: str | None, actor: Actor, store: Store, settings: Settings) -> DeletionStatus:
    deletion.own_household(actor)  # a manager or officer is refused before anything is counted
    await _gate(token, actor, store, settings)
    return await deletion.request_deletion(actor)


async def confirm(
    token: str | None, actor: Actor, password: str, code: str, store: Store, settings: Settings
) -> None:
    await fresh.take_request(store, actor, settings)
    await fresh.confirm(token, actor, password, code, settings)
