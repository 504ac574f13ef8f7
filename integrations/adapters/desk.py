"""The order desk's side of the adapter protocol: what a farmer does with an order, marketplace-neutral.

Each marketplace module maps these calls to its own API (Shopee, as its Open Platform v2 documents
them) or to the contract we defined for it (Postmart, Voso), exactly as it does for listings. Every
write takes an idempotency key: a marketplace that keeps keys answers a repeat with its first
answer; one that keeps none (Shopee) is asked for the order first, and a step already taken is not
taken again. Errors are the classified ones of ``base``: ``Retryable`` (try again later),
``Rejected`` (the marketplace refused: its reason, Vietnamese first, is shown to the farmer),
``CredentialsError``.
"""

from __future__ import annotations

from typing import Protocol

import msgspec

from integrations.adapters.base import Account, RemoteOrder

# Where an order stands on the desk, finer than ORDER_STATUSES (which the indicators count):
# - unpaid: the buyer has not paid yet (Shopee's UNPAID): nothing to do but wait;
# - on_hold: paid (or COD accepted) but the buyer may still cancel freely (TikTok's ON_HOLD): prepare
#   the goods, nothing can be shipped or cancelled by the seller yet;
# - to_confirm: the marketplace asks the seller to confirm (accept) it first;
# - to_ship: confirmed (or needing no confirmation): arrange the shipment;
# - cancel_requested: the buyer asked to cancel: accept or reject;
# - to_pickup: shipment arranged, waiting for the carrier's pickup or the seller's drop-off;
# - in_transit: the carrier has it; delivery_failed: an attempt failed (it is tried again or returned);
# - delivered, cancelled, returned: finished.
DESK_STAGES = (
    "unpaid", "to_confirm", "to_ship", "cancel_requested", "to_pickup",
    "in_transit", "delivery_failed", "delivered", "cancelled", "returned", "on_hold",
)  # fmt: skip
# Each stage's order status (what the indicators and the stock rules read).
STAGE_STATUS = {
    "unpaid": "placed", "to_confirm": "placed", "to_ship": "placed", "cancel_requested": "placed",
    "to_pickup": "placed", "in_transit": "shipped", "delivery_failed": "shipped",
    "delivered": "delivered", "cancelled": "cancelled", "returned": "returned", "on_hold": "placed",
}  # fmt: skip
# The stage an order is first known in when its report names only a status.
STATUS_STAGE = {"placed": "to_ship", "shipped": "in_transit", "delivered": "delivered",
                "cancelled": "cancelled", "returned": "returned"}  # fmt: skip

# The printable label (waybill) sizes: A6 (105 x 148 mm) and an 80 mm thermal roll.
LABEL_SIZES = ("a6", "80mm")


class CancelReason(msgspec.Struct, frozen=True):
    """One of the marketplace's own reasons a seller may give for cancelling."""

    code: str  # the marketplace's word, sent as is
    label_vi: str
    label_en: str


class PickupSlot(msgspec.Struct, frozen=True):
    slot_id: str  # the marketplace's id of the time slot
    starts_at: float  # epoch seconds
    ends_at: float


class PickupAddress(msgspec.Struct, frozen=True):
    address_id: str  # the marketplace's id of one of the seller's addresses
    address: str  # as the marketplace shows it
    slots: list[PickupSlot]


class DropoffBranch(msgspec.Struct, frozen=True):
    branch_id: str  # "" when the marketplace takes the parcel at any branch
    name: str
    address: str = ""


class ShippingOptions(msgspec.Struct, frozen=True):
    """How the order may be handed to the carrier, as the marketplace offers it for this order."""

    pickup: list[PickupAddress]  # empty: no pickup offered
    dropoff: list[DropoffBranch]  # empty: no drop-off offered
    carrier: str = ""  # the carrier's name, when the marketplace says


class ShipmentChoice(msgspec.Struct, frozen=True):
    """The farmer's choice among the ShippingOptions."""

    method: str  # pickup | dropoff
    address_id: str = ""
    slot_id: str = ""
    branch_id: str = ""


class Shipment(msgspec.Struct, frozen=True):
    tracking_number: str  # "" while the carrier has not given one yet (ask again later)
    carrier: str = ""


class OrderMoney(msgspec.Struct, frozen=True):
    """What the order brings the seller, as the marketplace reports it (None: not reported yet)."""

    amount_vnd: int  # what the buyer pays for the goods
    fees_vnd: int | None  # the marketplace's commission, service and payment fees together
    payout_vnd: int | None  # what the marketplace pays the seller
    paid_out: bool  # the payout has been released to the seller


class OrderDesk(Protocol):
    """The order calls a marketplace adapter answers besides the listing ones."""

    # The marketplace's own cancellation reasons; the farmer picks one.
    cancel_reasons: tuple[CancelReason, ...]
    # Whether the marketplace has a confirm (accept) step before shipping.
    confirms: bool

    async def fetch_order(self, account: Account, order_id: str) -> RemoteOrder:
        """The order as the marketplace has it now (Rejected when it has no such order)."""
        ...

    async def confirm_order(self, account: Account, order_id: str, idempotency_key: str) -> RemoteOrder: ...

    async def cancel_order(
        self, account: Account, order_id: str, reason_code: str, idempotency_key: str
    ) -> RemoteOrder: ...

    async def answer_cancellation(
        self, account: Account, order_id: str, accept: bool, idempotency_key: str
    ) -> RemoteOrder:
        """Accept or reject the buyer's cancellation request."""
        ...

    async def shipping_options(self, account: Account, order_id: str) -> ShippingOptions: ...

    async def arrange_shipment(
        self, account: Account, order_id: str, choice: ShipmentChoice, idempotency_key: str
    ) -> Shipment: ...

    async def tracking(self, account: Account, order_id: str) -> Shipment:
        """The tracking (waybill) number once the carrier gave one."""
        ...

    async def shipping_label(self, account: Account, order_id: str, size: str) -> bytes:
        """The carrier's label as a PDF, ``size`` one of LABEL_SIZES; Retryable while not ready."""
        ...

    async def order_money(self, account: Account, order_id: str) -> OrderMoney: ...
