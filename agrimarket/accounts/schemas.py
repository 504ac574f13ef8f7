"""Request and response shapes of the accounts API."""

from __future__ import annotations

import msgspec

from agrimarket.web.input import Input


class RegisterIn(Input):
    phone: str
    password: str
    full_name: str
    commune_code: str
    role: str = "household"
    address: str = ""
    vpost_code: str | None = None


class LoginIn(Input):
    phone: str
    password: str


class MeOut(msgspec.Struct):
    id: int
    phone: str
    full_name: str
    role: str
    language: str
    household_id: int | None
    cooperative_id: int | None
    scope_province: str | None
    scope_commune: str | None


class TokenOut(msgspec.Struct):
    token: str
    user: MeOut
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
