"""Request and response shapes of the cooperatives API."""

from __future__ import annotations

import msgspec

from agrimarket.web.input import Input


class CooperativeCreate(Input):
    name: str
    tax_code: str
    commune_code: str
    address: str = ""


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

    phone: str
    head_name: str | None = None
    commune_code: str | None = None
    address: str = ""
    vpost_code: str | None = None


class MemberRead(msgspec.Struct):
    household_id: int
    head_name: str
    phone: str
    commune_code: str
    commune_name: str
    joined_at: str
    has_login: bool


class InvitationCreate(Input):
    phone: str


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
    status: str  # verified | suspended | revoked
    reason: str = ""


class LeaveOut(msgspec.Struct):
    listings_taken_down: int
