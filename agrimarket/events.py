"""Domain events: how one app tells the others what happened without importing them.

A service publishes a small frozen event named after what happened (``ProductChanged``…); the
subscribers each app's plugin registered run one after another, in registration order, inside the
publisher's write transaction (``agrimarket.db.write_transaction``): an outbox row a subscriber
writes commits with the change that caused it, and a subscriber's error rolls both back.

Wiring, chosen over a bus per app instance: one ``EventBus`` per process, the one
``agrimarket.app.connect_apps()`` built last. Services are called where no app is at hand (the
sync worker, a bench, a test calling a service directly), so they publish on the process's bus
rather than one passed down from the app. Every ``create_app()`` builds and installs a fresh bus
filled by the plugins' ``connect``, so the apps a test suite builds in one process all have the
same subscribers, each registered once; a script that runs the services without an app calls
``connect_apps()`` itself. Before any of that the bus has no subscribers: events reach nobody,
as in a seed script (and, today, in the separate sync worker process: nothing there needs one yet).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any, Literal

import msgspec

from agrimarket.tables import Product


class Event(msgspec.Struct, frozen=True, kw_only=True):
    """Something that happened, named in the past tense; ids, never rows."""


class ProductChanged(Event, frozen=True, kw_only=True):
    """A product's fields, stock or photos changed, or it is about to be deleted (its row is still
    there while the subscribers run)."""

    product_id: int
    deleted: bool = False
    photos_changed: bool = False


class MembershipEnded(Event, frozen=True, kw_only=True):
    """A household left its cooperative, or was removed from it.

    Subscribers answer how many of the household's listings they take down (the number the
    household and the manager are shown).
    """

    household_id: int
    cooperative_id: int
    ended_by: Literal["household", "cooperative"]


class OrderReceived(Event, frozen=True, kw_only=True):
    """A marketplace order new to us, with at least one item of our listings."""

    order_id: int
    marketplace: str  # the marketplace's code
    order_ref: str  # the marketplace's id of the order
    household_id: int | None
    cooperative_id: int | None
    status: str
    amount_vnd: int
    # The marketplace's deadline to confirm or ship (its field or its contract's rule); None: none given.
    act_by: datetime | None = None


class OrderDeadlineNear(Event, frozen=True, kw_only=True):
    """An order still waiting on the seller is less than 4 hours from the marketplace's deadline to
    act (published once per order, by integrations' periodic deadline scan)."""

    order_id: int
    marketplace: str  # the marketplace's code
    order_ref: str
    household_id: int | None
    cooperative_id: int | None
    act_by: datetime
    # What the deadline asks, in the marketplace's words ("Cần gửi hàng trước 17:00 thứ Năm 05/12").
    deadline_vi: str = ""


class OrderStatusChanged(Event, frozen=True, kw_only=True):
    """A known order moved forward (``integrations.adapters.base.ORDER_NEXT``)."""

    order_id: int
    from_status: str
    to_status: str


LiveChange = Literal["same", "gained", "changed"]


class ListingStateChanged(Event, frozen=True, kw_only=True):
    """A listing's state history got a row (pending, live, rejected, delisted).

    ``live_change``: what the row did to the times the listing is live: nothing ("same"), only
    added time ("gained"), or anything else ("changed").
    """

    listing_id: int
    product_id: int | None
    marketplace_id: int
    household_id: int | None
    cooperative_id: int | None
    from_state: str | None
    to_state: str
    reason: str = ""
    live_change: LiveChange = "changed"


class BatchFlagged(Event, frozen=True, kw_only=True):
    """A batch was flagged: a harvest fell inside a pesticide's pre-harvest interval."""

    batch_id: int
    reason: str


class CounterfeitWarning(Event, frozen=True, kw_only=True):
    """A stamp's stored scans started to raise the counterfeit warning: more client networks, over
    more days, than a genuine stamp's (published once, by the scan-log write that crossed the line;
    again only after a review and new evidence). A scan long after the batch's expiry also shows a
    warning on the page, but that is a property of the date, not news: no event."""

    stamp_id: int
    serial: str
    batch_id: int


class GrowingAreaStatusChanged(Event, frozen=True, kw_only=True):
    """A growing area was verified, suspended, revoked (with a reason) or returned to pending."""

    area_id: int
    from_status: str
    to_status: str
    reason: str = ""


class TrainingRecorded(Event, frozen=True, kw_only=True):
    """A training session was recorded, with the households that attended it."""

    session_id: int
    household_ids: tuple[int, ...]


class HouseholdErased(Event, frozen=True, kw_only=True):
    """A household's account was closed at its own request and its identifiers erased
    (``agrimarket.privacy.deletion``): each app erases or de-identifies its own rows of it, in the
    same transaction, keeping what traceability and the indicators' history need."""

    household_id: int
    user_ids: tuple[int, ...]


Subscriber = Callable[[Any], Awaitable[Any]]


class OutsideTransaction(RuntimeError):
    """An event published outside a write transaction: its subscribers' rows could not commit with it."""


class EventBus:
    """Subscribers by event type, each called in the order it was registered."""

    def __init__(self) -> None:
        self._subscribers: dict[type[Event], list[Subscriber]] = {}

    def subscribe(self, event_type: type[Event], subscriber: Subscriber) -> None:
        """Call ``subscriber(event)`` for every ``event_type`` published (once, however often asked)."""
        subscribers = self._subscribers.setdefault(event_type, [])
        if subscriber not in subscribers:
            subscribers.append(subscriber)

    def subscribers(self, event_type: type[Event]) -> list[Subscriber]:
        return list(self._subscribers.get(event_type, ()))

    async def publish(self, event: Event) -> list[Any]:
        """Run the event's subscribers inside the caller's write transaction; their answers, in order.

        Raises ``OutsideTransaction`` when the caller holds none: the subscribers' writes must
        commit, or roll back, with the change that caused them.
        """
        if not Product._meta.db.transaction_exists():
            raise OutsideTransaction(f"{type(event).__name__} published outside a write transaction")
        return [await subscriber(event) for subscriber in self.subscribers(type(event))]


_bus = EventBus()


def install(bus: EventBus) -> None:
    """Make ``bus`` the one ``publish`` uses (``agrimarket.app.connect_apps``)."""
    global _bus
    _bus = bus


def current() -> EventBus:
    return _bus


async def publish(event: Event) -> list[Any]:
    """Publish on the process's bus (see ``EventBus.publish``)."""
    return await _bus.publish(event)
