"""The domain-event port runs subscribers inside the publisher's write transaction; the query
ports answer empty until an app provides them; create_app wires each app's side once."""

from __future__ import annotations

import pytest

from agrimarket import events
from agrimarket import ports as query_ports
from agrimarket.accounts.service import actor_for_token
from agrimarket.app import connect_apps, create_app
from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from agrimarket.events import EventBus, MembershipEnded, OutsideTransaction, ProductChanged
from agrimarket.messages import subscribers as message_subscribers
from agrimarket.ports import QueryPorts
from agrimarket.products import service as products
from agrimarket.tables import AuditEntry, Product
from integrations.listings import service as listings
from integrations.listings import views as listing_views
from traceability.batches.traces import latest_traces


class Boom(Exception):
    pass


async def actions(entity: str = "event_test") -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action).where(AuditEntry.entity == entity).order_by(AuditEntry.id)
    )
    return [row["action"] for row in rows]


def bus_writing(order: list[str]) -> EventBus:
    """A bus whose two subscribers each write an audit row and answer their name."""
    bus = EventBus()

    def subscriber(name: str):
        async def write(event: ProductChanged) -> str:
            order.append(name)
            await audit.record(None, "event_test", event.product_id, name)
            return name

        return write

    bus.subscribe(ProductChanged, subscriber("first"))
    bus.subscribe(ProductChanged, subscriber("second"))
    return bus


async def test_subscribers_commit_with_their_cause_in_registration_order():
    order: list[str] = []
    bus = bus_writing(order)
    async with write_transaction():
        await audit.record(None, "event_test", 7, "cause")
        assert await bus.publish(ProductChanged(product_id=7)) == ["first", "second"]
    assert order == ["first", "second"]
    assert await actions() == ["cause", "first", "second"]


async def test_subscriber_writes_roll_back_with_their_cause():
    bus = bus_writing([])
    with pytest.raises(Boom):
        async with write_transaction():
            await audit.record(None, "event_test", 7, "cause")
            await bus.publish(ProductChanged(product_id=7))
            assert await actions() == ["cause", "first", "second"]  # written, not yet committed
            raise Boom
    assert await actions() == []


async def test_a_failing_subscriber_rolls_the_cause_back():
    bus = bus_writing([])

    async def fails(event: ProductChanged) -> None:
        raise Boom

    bus.subscribe(ProductChanged, fails)
    with pytest.raises(Boom):
        async with write_transaction():
            await audit.record(None, "event_test", 7, "cause")
            await bus.publish(ProductChanged(product_id=7))
    assert await actions() == []


async def test_publishing_outside_a_write_transaction_is_refused():
    order: list[str] = []
    with pytest.raises(OutsideTransaction):
        await bus_writing(order).publish(ProductChanged(product_id=7))
    assert order == []
    assert await actions() == []


async def test_subscribing_twice_registers_once_and_other_events_reach_nobody():
    bus = EventBus()
    calls: list[object] = []

    async def seen(event: object) -> None:
        calls.append(event)

    bus.subscribe(ProductChanged, seen)
    bus.subscribe(ProductChanged, seen)
    async with write_transaction():
        await bus.publish(ProductChanged(product_id=1))
        assert (
            await bus.publish(MembershipEnded(household_id=1, cooperative_id=2, ended_by="household")) == []
        )
    assert calls == [ProductChanged(product_id=1)]


async def test_a_product_write_rolls_back_when_its_subscriber_fails(client, accounts):
    """Through the real service: the price change and the subscriber's row go together."""
    farmer = await accounts.household()
    product = await accounts.product(farmer, price_vnd=15000)
    actor = await actor_for_token(farmer.token, "api")
    bus = bus_writing([])

    async def fails(event: ProductChanged) -> None:
        raise Boom

    bus.subscribe(ProductChanged, fails)
    events.install(bus)
    try:
        with pytest.raises(Boom):
            await products.update_product(actor, product["id"], {"price_vnd": 20000})
    finally:
        connect_apps()
    price = await Product.select(Product.price_vnd).where(Product.id == product["id"]).first()
    assert price == {"price_vnd": 15000}
    assert await actions() == []
    assert [a for a in await actions("product") if a == "update"] == []


async def test_query_ports_answer_empty_without_a_provider():
    ports = QueryPorts()
    assert await ports.where_to_buy(1) == []
    assert await ports.latest_traces([1, 2]) == {}
    assert ports.listings_in_rows([{"id": 1, "listing_id": 3}]) == []
    cards = await ports.listing_cards(None, [4, 5])  # type: ignore[arg-type]
    assert cards == {"listings": {4: [], 5: []}, "marketplaces": [], "unconnected": []}


def test_every_app_built_wires_each_subscriber_and_provider_once(settings):
    create_app(settings)
    create_app(settings)
    bus, ports = events.current(), query_ports.current()
    # The core's messages (stock at 0) first, then integrations' listings, as connect_apps() wires them.
    assert bus.subscribers(ProductChanged) == [
        message_subscribers.on_product_changed,
        listings.on_product_changed,
    ]
    assert bus.subscribers(MembershipEnded) == [listings.on_membership_ended]
    assert ports.where_to_buy is listing_views.live_links
    assert ports.listing_cards is listing_views.card_context
    assert ports.latest_traces is latest_traces
