"""Request and response shapes of the growing-areas API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from agrimarket.accounts.schemas import CommuneCode
from agrimarket.web.input import Id, Input, checked, required_text
from traceability.areas.fields import MAX_AREA_HA, MAX_CROP, MAX_NAME


class AreaCreate(Input):
    name: Annotated[str, required_text(MAX_NAME)]
    crop: Annotated[str, required_text(MAX_CROP)]
    area_ha: Annotated[float, checked(gt=0, le=MAX_AREA_HA)]
    commune_code: CommuneCode
    gps_lat: float | None = None
    gps_lng: float | None = None
    official_code: str | None = None
    code_kind: str | None = None  # domestic | export
    export_market: str | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    # A coop manager registers a member household's area; the cooperative's own when omitted.
    owner_household_id: Id | None = None


class StatusChange(Input):
    status: Annotated[str, checked(enum=("verified", "suspended", "revoked"))]
    reason: Annotated[str, checked(max_length=1000)] = ""  # required to suspend or revoke


class AreaRead(msgspec.Struct):
    id: int
    name: str
    crop: str
    area_ha: float
    commune_code: str
    commune_name: str
    province_code: str
    province_name: str
    owner_kind: str  # household | cooperative
    owner_id: int
    owner_name: str
    gps_lat: float | None
    gps_lng: float | None
    official_code: str | None
    code_kind: str | None
    export_market: str | None
    valid_from: date | None
    valid_until: date | None
    status: str
    status_reason: str
    status_changed_at: datetime | None
    status_changed_by_id: int | None
    created_at: datetime
    status_changed_on: date | None = None  # the day in Vietnam (UTC+7) of the last status change
