"""Request and response shapes of the packing-facilities API."""

from __future__ import annotations

from datetime import datetime

import msgspec

from agrimarket.web.input import Input


class FacilityCreate(Input):
    name: str
    commune_code: str
    address: str = ""
    official_code: str | None = None  # mã số cơ sở đóng gói, once issued
    export_market: str | None = None  # the importing market an export code is for
    # A coop manager registers a member household's facility; the cooperative's own when omitted.
    owner_household_id: int | None = None


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
