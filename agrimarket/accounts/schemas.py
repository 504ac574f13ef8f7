"""Request and response shapes of the accounts API."""

from __future__ import annotations

from typing import Annotated

import msgspec

from agrimarket.accounts.actor import SELF_REGISTER_ROLES
from agrimarket.accounts.passwords import MAX_LENGTH, MIN_LENGTH
from agrimarket.accounts.phone import PHONE_PATTERN
from agrimarket.accounts.service import MAX_ADDRESS, MAX_NAME
from agrimarket.privacy.schemas import OptionalPurpose
from agrimarket.web.input import Input, checked, required_text

# The rules the accounts service checks, each with its own message.
Phone = Annotated[str, checked(pattern=PHONE_PATTERN)]
Password = Annotated[str, checked(min_length=MIN_LENGTH, max_length=MAX_LENGTH)]
PersonName = Annotated[str, required_text(MAX_NAME)]
# A commune of the register (statistics office codes); which codes exist is the database's.
CommuneCode = Annotated[str, checked(pattern="^[0-9]{5}$")]
Address = Annotated[str, checked(max_length=MAX_ADDRESS)]
VpostCode = Annotated[str, checked(pattern="^([A-Za-z0-9-]{4,20})?$")]


class RegisterIn(Input):
    phone: Phone
    password: Password
    full_name: PersonName
    commune_code: CommuneCode
    role: Annotated[str, checked(enum=[str(role) for role in SELF_REGISTER_ROLES])] = "household"
    address: Address = ""
    vpost_code: VpostCode | None = None
    # Registering answers the privacy notice (GET /api/v1/me/consents, /privacy): the optional
    # purposes given here, the others refused.
    granted: Annotated[list[OptionalPurpose], msgspec.Meta(max_length=10)] = []


class CodeRequestIn(Input):
    phone: Phone


class CodeSent(msgspec.Struct):
    message: str


class CodeSignInIn(Input):
    phone: Phone
    code: Annotated[str, checked(pattern="^[0-9]{6}$")]
    # Set to reset a forgotten password (or give a cooperative-made account its first one).
    new_password: Password | None = None


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
