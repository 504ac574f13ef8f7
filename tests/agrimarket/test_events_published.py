"""Each domain event is published where the thing happens, through the real services and routes."""

from __future__ import annotations

import time

import pytest

from agrimarket.accounts.actor import Role
from agrimarket.app import connect_apps
from agrimarket.events import (
    BatchFlagged,
    Event,
    GrowingAreaStatusChanged,
    ListingStateChanged,
    MembershipEnded,
    OrderReceived,
    OrderStatusChanged,
    ProductChanged,
    TrainingRecorded,
)
from integrations.adapters.base import RemoteOrder, RemoteOrderItem
from integrations.listings.service import append_history
from integrations.orders import service as orders
from integrations.tables import Listing
from tests.agrimarket.indicators.helpers import listing
from tests.agrimarket.training.test_training import URL as TRAININGS
from tests.agrimarket.training.test_training import member_of, session_body
from tests.traceability.test_areas import make_area, set_status
from tests.traceability.test_phi_consent import flagged_batch

KINDS = (
    ProductChanged,
    MembershipEnded,
    OrderReceived,
    OrderStatusChanged,
    ListingStateChanged,
    BatchFlagged,
    GrowingAreaStatusChanged,
    TrainingRecorded,
)


@pytest.fixture
def published():
    """The apps' own subscribers, then a recorder of every event; the usual wiring afterwards."""
    bus, _ = connect_apps()
    seen: list[Event] = []

    async def record(event: Event) -> int:
        seen.append(event)
        return 0  # MembershipEnded's subscribers answer how many listings they took down

    for kind in KINDS:
        bus.subscribe(kind, record)
    yield seen
    connect_apps()


def of(kind: type[Event], seen: list[Event]) -> list:
    return [event for event in seen if isinstance(event, kind)]


async def test_product_listing_and_order_events(client, accounts, published):
    farmer = await accounts.household()
    product = await accounts.product(farmer, price_vnd=50_000, stock=10)
    url = f"/api/v1/products/{product['id']}"
    assert (await client.patch(url, json={"price_vnd": 52_000}, headers=farmer.headers)).status_code == 200
    assert of(ProductChanged, published) == [ProductChanged(product_id=product["id"])]

    listing_id = await listing(farmer.me["household_id"], product_id=product["id"])
    await Listing.update({Listing.external_id: "pm-1"}).where(Listing.id == listing_id)
    row = await Listing.select().where(Listing.id == listing_id).first()
    await append_history(row, None, "live", 1)
    (changed,) = of(ListingStateChanged, published)
    assert (changed.listing_id, changed.product_id, changed.from_state, changed.to_state) == (
        listing_id,
        product["id"],
        None,
        "live",
    )

    now = time.time()
    placed = RemoteOrder("o-1", "placed", now, now, 100_000, [RemoteOrderItem("pm-1", 2, 50_000)])
    assert await orders.receive("postmart", placed, "webhook")
    shipped = RemoteOrder("o-1", "shipped", now, now + 60, 100_000, [RemoteOrderItem("pm-1", 2, 50_000)])
    assert await orders.receive("postmart", shipped, "pull")
    (received,) = of(OrderReceived, published)
    assert (received.marketplace, received.order_ref, received.household_id, received.amount_vnd) == (
        "postmart",
        "o-1",
        farmer.me["household_id"],
        100_000,
    )
    assert of(OrderStatusChanged, published) == [
        OrderStatusChanged(order_id=received.order_id, from_status="placed", to_status="shipped")
    ]

    deleted = await client.delete(url, headers=farmer.headers)
    assert deleted.status_code == 204, deleted.text
    assert of(ProductChanged, published)[-1] == ProductChanged(product_id=product["id"], deleted=True)


async def test_membership_area_batch_and_training_events(client, accounts, published):
    manager, coop_id = await accounts.coop_manager()
    member = await member_of(client, accounts, manager, coop_id)
    made = await client.post(TRAININGS, json=session_body(phones=[member.phone]), headers=manager.headers)
    assert made.status_code == 201, made.text
    assert of(TrainingRecorded, published) == [
        TrainingRecorded(session_id=made.json()["id"], household_ids=(member.me["household_id"],))
    ]

    area = await make_area(client, member, official_code="VN-HP-0002", code_kind="domestic")
    officer = await accounts.staff(Role.OFFICER, area="31")
    assert (
        await set_status(client, officer, area["id"], "suspended", "Sâu bệnh kiểm dịch")
    ).status_code == 200
    assert of(GrowingAreaStatusChanged, published) == [
        GrowingAreaStatusChanged(
            area_id=area["id"], from_status="unverified", to_status="suspended", reason="Sâu bệnh kiểm dịch"
        )
    ]

    batch_id = await flagged_batch(client, accounts, member)
    (flag,) = of(BatchFlagged, published)
    assert flag.batch_id == batch_id and "cách ly 7 ngày" in flag.reason

    left = await client.delete(
        f"/api/v1/cooperatives/{coop_id}/members/{member.me['household_id']}", headers=manager.headers
    )
    assert left.status_code == 204, left.text
    assert of(MembershipEnded, published) == [
        MembershipEnded(
            household_id=member.me["household_id"], cooperative_id=coop_id, ended_by="cooperative"
        )
    ]
