"""An admin locks an account (a stolen phone, a departed officer) or unlocks it: a locked account
signs in neither by password nor by code, and its open sessions end at once."""

from __future__ import annotations

import msgspec
from litestar import Controller, post
from litestar.di import Provide

from agrimarket.accounts.actor import Actor, Role
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.errors import Conflict, Forbidden, NotFound
from agrimarket.tables import AuthSession, User
from agrimarket.web.auth import provide_actor


class AccountLock(msgspec.Struct):
    user_id: int
    locked: bool


async def set_locked(actor: Actor, user_id: int, locked: bool) -> AccountLock:
    if actor.role != Role.ADMIN:
        raise Forbidden("Chỉ quản trị viên khóa tài khoản.", "Only an admin locks accounts.")
    if user_id == actor.user_id:
        raise Conflict("Không thể tự khóa tài khoản của mình.", "You cannot lock your own account.")
    async with write_transaction():
        changed = await User.update({User.is_active: not locked}).where(User.id == user_id).returning(User.id)
        if not changed:
            raise NotFound("Không có tài khoản này.", "No such account.")
        if locked:
            await AuthSession.delete().where(AuthSession.user == user_id)
        await audit.record(actor, "account", user_id, "lock" if locked else "unlock", {"locked": locked})
    return AccountLock(user_id=user_id, locked=locked)


class AccountLockController(Controller):
    path = "/api/v1/admin/users"
    tags = ["accounts"]
    dependencies = {"actor": Provide(provide_actor)}

    @post("/{user_id:int}/lock", status_code=200)
    async def lock(self, actor: Actor, user_id: int) -> AccountLock:
        """Lock an account (admins): its sessions end; no sign-in by password or code."""
        return await set_locked(actor, user_id, True)

    @post("/{user_id:int}/unlock", status_code=200)
    async def unlock(self, actor: Actor, user_id: int) -> AccountLock:
        """Unlock an account (admins)."""
        return await set_locked(actor, user_id, False)
