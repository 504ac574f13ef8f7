"""E-commerce training over the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from agrimarket.web.input import VISIBLE, Input

MAX_PHONES = 2000
# Something visible, which the service requires with its own message (Litestar reads Meta's "extra").
VISIBLE_TEXT = {"extra": {"min_length": 1, "pattern": VISIBLE}}


class TrainingCreate(Input):
    held_on: date
    commune_code: Annotated[str, msgspec.Meta(min_length=5, max_length=5)]
    topic: Annotated[str, msgspec.Meta(max_length=200, extra_json_schema=VISIBLE_TEXT)]
    trainer: Annotated[str, msgspec.Meta(max_length=120, extra_json_schema=VISIBLE_TEXT)]
    # The attending households' phone numbers (more later from an uploaded attendance list).
    phones: Annotated[
        list[Annotated[str, msgspec.Meta(max_length=40)]], msgspec.Meta(max_length=MAX_PHONES)
    ] = []


class RejectedRow(msgspec.Struct):
    row: int | None  # the sheet's row number (None for phones typed in)
    phone: str
    reason: str


class TrainingRead(msgspec.Struct):
    id: int
    held_on: date
    commune_code: str
    commune_name: str
    topic: str
    trainer: str
    cooperative_id: int | None
    attendees: int
    # What the last request did with its phones: added, already on the list, rejected (why).
    added: int = 0
    already: int = 0
    rejected: list[RejectedRow] = []
