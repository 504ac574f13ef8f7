"""Request and response shapes of the cooperatives API."""

from __future__ import annotations

from typing import Annotated

import msgspec

from agrimarket.accounts.schemas import Address, CommuneCode, PersonName, Phone, VpostCode
from agrimarket.web.input import Input, checked

# 10 digits, or 13 for a branch (10 + "-" + 3); the check digit is the service's.
TaxCode = Annotated[str, checked(pattern="^[0-9]{10}(-?[0-9]{3})?$")]


class CooperativeCreate(Input):
    name: PersonName
    tax_code: TaxCode
    commune_code: CommuneCode
    address: Address = ""


class CooperativeRead(msgspec.Struct):
    id: int
    name: str
    tax_code: str
    commune_code: str
    commune_name: str
    province_name: str
    address: str
    member_count: int
    status: str  # unverified | verified | suspended | revoked
    status_reason: str


class MemberAdd(Input):
    """Assisted sign-up of a household for a phone that has no account (never with a password)."""

    phone: Phone
    head_name: PersonName | None = None  # required when signing up (the service says so in words)
    commune_code: CommuneCode | None = None
    address: Address = ""
    vpost_code: VpostCode | None = None


class MemberRead(msgspec.Struct):
    household_id: int
    head_name: str
    phone: str
    commune_code: str
    commune_name: str
    joined_at: str
    has_login: bool


class InvitationCreate(Input):
    phone: Phone


class InvitationRead(msgspec.Struct):
    """What the household sees before it answers: who invites it, with tax code and commune."""

    id: int
    status: str  # awaiting_approval | pending | accepted | declined | cancelled | expired
    phone: str
    cooperative_id: int
    cooperative_name: str
    tax_code: str
    commune_name: str
    province_name: str
    created_at: str
    expires_at: str
    # True when the household lives outside the cooperative's province: an officer approves first.
    needs_approval: bool


class NoticeRead(msgspec.Struct):
    """A membership that ended lately, shown to the household until an inbox exists (issue 21)."""

    cooperative_name: str
    ended_at: str
    ended_by: str  # household | cooperative
    listings_taken_down: int


class MyCooperative(msgspec.Struct):
    """A household's view: its cooperative (or none), invitations waiting for it, notices."""

    cooperative: CooperativeRead | None
    invitations: list[InvitationRead]
    notices: list[NoticeRead]


class StatusChange(Input):
    status: Annotated[str, checked(enum=("verified", "suspended", "revoked"))]
    reason: Annotated[str, checked(max_length=1000)] = ""  # required to suspend or revoke


class LeaveOut(msgspec.Struct):
    listings_taken_down: int
