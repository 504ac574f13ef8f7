"""Who is acting: the logged-in user with what their role lets them reach."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    HOUSEHOLD = "household"
    COOP_MANAGER = "coop_manager"
    OFFICER = "officer"
    ADMIN = "admin"


SELF_REGISTER_ROLES = (Role.HOUSEHOLD, Role.COOP_MANAGER)


@dataclass(frozen=True)
class Actor:
    user_id: int
    phone: str
    full_name: str
    role: Role
    language: str
    household_id: int | None = None
    cooperative_id: int | None = None
    scope_province: str | None = None
    scope_commune: str | None = None
    # Where the request came from, for the audit log (empty for the demo seed and background jobs).
    client_address: str = ""
    user_agent: str = ""

    @property
    def can_write(self) -> bool:
        return self.role in (Role.HOUSEHOLD, Role.COOP_MANAGER, Role.ADMIN)
