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


class MemberAdd(Input):
    """An existing household by phone, or a new one when head_name and commune_code are given."""

    phone: str
    head_name: str | None = None
    commune_code: str | None = None
    address: str = ""
    vpost_code: str | None = None
    # Optional: lets the household log in itself.
    password: str | None = None


class MemberRead(msgspec.Struct):
    household_id: int
    head_name: str
    phone: str
    commune_code: str
    commune_name: str
    joined_at: str
    has_login: bool
