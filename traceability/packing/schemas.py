"""Request and response shapes of the packing-facilities API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from agrimarket.accounts.schemas import Address, CommuneCode
from agrimarket.web.input import Id, Input, checked, required_text

MAX_NAME, MAX_EXPORT_MARKET = 150, 60


class FacilityCreate(Input):
    name: Annotated[str, required_text(MAX_NAME)]
    commune_code: CommuneCode
    address: Address = ""
    official_code: str | None = None  # mã số cơ sở đóng gói, once issued
    # the importing market an export code is for
    export_market: Annotated[str, checked(max_length=MAX_EXPORT_MARKET)] | None = None
    # A coop manager registers a member household's facility; the cooperative's own when omitted.
    owner_household_id: Id | None = None


class FacilityRead(msgspec.Struct):
    id: int
    name: str
    address: str
    commune_code: str
    commune_name: str
    province_name: str
    owner_kind: str  # household | cooperative
    owner_id: int
    owner_name: str
    official_code: str | None
    export_market: str | None
    status: str  # unverified | verified | suspended | revoked
    status_reason: str
    status_changed_at: datetime | None
    created_at: datetime
