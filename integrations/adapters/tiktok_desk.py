"""The order desk's calls on TikTok Shop (Partner API 202309), as far as they are wired today.

- Order API "Get Order Detail": ``GET /order/202309/orders?ids=…`` → ``data.orders[]`` (the same order
  shape as Get Order List, read by ``tiktok_orders.order_from_wire``).
- Return and Refund API "Cancel Order": ``POST /return_refund/202309/cancellations`` with
  ``{"order_id", "cancel_reason"}`` → ``data.cancel_id``, ``data.cancel_status``. TikTok keeps no
  idempotency key: the order is read first, and one already CANCELLED is not cancelled again (a retry
  after a lost answer). The reason keys are TikTok's own; which apply depends on the order's status
  (``seller_cancel_unpaid_reason_*`` before payment, the others once paid), so the farmer picks the
  reason and we send the key TikTok accepts for the order's status.

TikTok has no confirm step (``confirms = False``). Arranging shipment, labels, tracking and payouts
(Fulfillment and Finance APIs) are not wired yet: the desk sees them absent and says so.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from integrations.adapters.base import Account, Rejected, RemoteOrder
from integrations.adapters.desk import CancelReason
from integrations.adapters.tiktok_orders import order_from_wire

DETAIL = "/order/202309/orders"
CANCEL = "/return_refund/202309/cancellations"
CANCEL_REASONS = (
    CancelReason("seller_cancel_reason_out_of_stock", "Hết hàng", "Out of stock"),
    CancelReason(
        "seller_cancel_paid_reason_address_not_deliver",
        "Không giao được tới địa chỉ này",
        "Cannot deliver to this address",
    ),
)
# The key TikTok takes for an order not paid yet (its reasons differ by the order's status).
UNPAID_KEY = {"seller_cancel_reason_out_of_stock": "seller_cancel_unpaid_reason_out_of_stock"}


class TiktokDesk:
    cancel_reasons = CANCEL_REASONS
    confirms = False

    _shop: Callable[..., Awaitable[dict]]

    async def _detail(self, account: Account, order_id: str) -> dict:
        answer = await self._shop(account, "GET", DETAIL, params={"ids": order_id})
        orders = (answer.get("data") or {}).get("orders") or []
        if not orders:
            raise Rejected("TikTok Shop không có đơn hàng này.", "TikTok Shop has no such order.")
        return orders[0]

    async def fetch_order(self, account: Account, order_id: str) -> RemoteOrder:
        return order_from_wire(await self._detail(account, order_id))

    async def cancel_order(
        self, account: Account, order_id: str, reason_code: str, idempotency_key: str
    ) -> RemoteOrder:
        if reason_code not in {reason.code for reason in CANCEL_REASONS}:
            raise Rejected("Lý do hủy không hợp lệ.", f"Unknown cancellation reason {reason_code}.")
        body = await self._detail(account, order_id)
        if body.get("status") == "CANCELLED":
            return order_from_wire(
                body
            )  # cancelled already (our earlier try's answer was lost, or the buyer)
        if body.get("status") == "UNPAID":
            if reason_code not in UNPAID_KEY:
                raise Rejected(
                    "Đơn chưa thanh toán chỉ hủy được với lý do “Hết hàng”.",
                    "An unpaid order can only be cancelled as out of stock.",
                )
            reason_code = UNPAID_KEY[reason_code]
        await self._shop(account, "POST", CANCEL, json={"order_id": order_id, "cancel_reason": reason_code})
        return await self.fetch_order(account, order_id)
