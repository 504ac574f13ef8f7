"""Query ports: what the core's pages ask of the other apps, answered by whichever app provides it.

Each slot of ``QueryPorts`` answers empty until a plugin fills it (``connect`` in
``integrations.plugin`` and ``traceability.plugin``, called by ``agrimarket.app.connect_apps``), so
an app assembled without integrations shows no listings and no "where to buy" instead of failing.
Wiring as for the events (``agrimarket.events``): the process's ports are the ones built last.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from agrimarket.accounts.actor import Actor
from agrimarket.messages.channel import MessageGateway, NoChannels
from agrimarket.privacy.parts import DataPart
from agrimarket.privacy.periods import RetentionStep
from agrimarket.settings import Settings


async def _no_links(product_id: int) -> list[dict]:
    return []


async def _no_cards(actor: Actor, product_ids: list[int]) -> dict:
    return {"listings": {pid: [] for pid in product_ids}, "marketplaces": [], "unconnected": []}


def _no_listings(rows: Sequence[Mapping[str, Any]]) -> list:
    return []


async def _no_traces(product_ids: list[int]) -> dict[int, dict]:
    return {}


async def _no_subject(kind: str, subject_id: int) -> dict | None:
    return None


class ExtraField(msgspec.Struct, frozen=True):
    """Something a marketplace needs of a product that only the farmer can tell (Shopee's mandatory
    attributes: origin, shelf life…), asked on the product form and kept in
    ``Product.marketplace_attributes`` under ``key``."""

    key: str  # "<marketplace code>.<its attribute id>"
    label_vi: str
    label_en: str
    marketplace: str  # the marketplace's name, shown beside the question
    categories: tuple[str, ...]  # our product categories that need it
    options: tuple[tuple[str, str], ...] = ()  # (value, label); empty: typed text
    unit: str = ""  # a quantity's unit, shown after the input


async def _no_fields(actor: Actor) -> list[ExtraField]:
    return []


def _no_gateway(settings: Settings) -> MessageGateway:
    return NoChannels()


@dataclass
class QueryPorts:
    # Where to buy: the product's live marketplace listings as [{"name", "url"}] (scan and product pages).
    where_to_buy: Callable[[int], Awaitable[list[dict]]] = _no_links
    # What the product cards show of listings: {"listings": {product id: [...]}, "marketplaces",
    # "unconnected"} for the actor (the seller's product list and one card).
    listing_cards: Callable[[Actor, list[int]], Awaitable[dict]] = _no_cards
    # The listings carried by the public product page's rows (``agrimarket.products.service.public_rows``).
    listings_in_rows: Callable[[Sequence[Mapping[str, Any]]], list] = _no_listings
    # Per product, its newest batch's growing area and a valid stamp:
    # {product id: {"area_code", "area_status", "serial"}} (the product feed).
    latest_traces: Callable[[list[int]], Awaitable[dict[int, dict]]] = _no_traces
    # What the actor's marketplaces need of a product beyond our fields, for the product form
    # (provided by integrations from the connected accounts; none when it cannot ask right now).
    marketplace_fields: Callable[[Actor], Awaitable[list[ExtraField]]] = _no_fields
    # The message channels (Zalo ZNS, SMS, Web Push) built from the settings: the delivery worker
    # (``agrimarket.messages.delivery``) sends through them; none without integrations.
    message_gateway: Callable[[Settings], MessageGateway] = _no_gateway
    # Who a message about a batch or growing area goes to: (kind "batch" | "area", id) ->
    # {"household", "cooperative", "name", "code"} or None (provided by traceability).
    message_subject: Callable[[str, int], Awaitable[dict | None]] = _no_subject
    # "My data" (``agrimarket.privacy.my_data``): each app's share of a household's data, the
    # tables it reads (traceability: areas, batches…; integrations: accounts, listings, orders).
    data_parts: list[DataPart] = field(default_factory=list)
    # The other apps' parts of the retention job (``agrimarket.privacy.retention``): traceability
    # blanks old scans' hashed client addresses, integrations old orders' delivery data.
    retention_steps: tuple[RetentionStep, ...] = ()
    # Marketplace code -> its name, for the messages about orders (provided by integrations).
    marketplace_names: dict[str, str] = field(default_factory=dict)


_ports = QueryPorts()


def install(ports: QueryPorts) -> None:
    """Make ``ports`` the process's (``agrimarket.app.connect_apps``)."""
    global _ports
    _ports = ports


def current() -> QueryPorts:
    """The process's query ports."""
    return _ports
