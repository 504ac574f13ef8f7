"""The sync worker's side of the order desk: send one claimed action through its marketplace's
``OrderDesk`` adapter and record the answer.

The action's id is the idempotency key (``agm-action-{id}``): a worker that dies mid-call leaves
its lease to run out, the next one sends the same key, and the marketplace applies it once (one
that keeps no keys is asked for the order first by its adapter). A success is applied through the
same forward-only path as webhooks and pulls (``service.receive``, source "action") in the
transaction that marks the action done. A refusal (``Rejected``) marks it failed with the
marketplace's words, after reading the order again so ours matches the marketplace's. ``Retryable``
backs off with jitter, and a 429 / Retry-After waits without using an attempt.
"""

from __future__ import annotations

import json
import logging
import time

from piccolo.columns import Column

from agrimarket.audit import service as audit
from agrimarket.db import write_transaction
from integrations.adapters.base import Account, CredentialsError, Rejected, RemoteOrder, Retryable
from integrations.adapters.desk import ShipmentChoice
from integrations.adapters.registry import Adapters
from integrations.orders import outbox, service
from integrations.orders.seller import order_account
from integrations.settings import IntegrationsSettings
from integrations.sync import backoff, ratelimit
from integrations.tables import MarketplaceAccount, MarketplaceOrder

log = logging.getLogger(__name__)
# The adapter method each kind of action calls.
METHODS = {
    "confirm": "confirm_order",
    "cancel": "cancel_order",
    "answer_cancellation": "answer_cancellation",
    "arrange_shipment": "arrange_shipment",
}


def key_of(action: dict) -> str:
    return f"agm-action-{action['id']}"


async def _send(adapter, account: Account, order_ref: str, action: dict) -> tuple[RemoteOrder | None, dict]:
    """Call the marketplace; the order as it answered (None: arranged, but not readable now; the
    next pull brings its stage), and what to keep of the answer."""
    kind, key = action["kind"], key_of(action)
    parameters = json.loads(action["parameters"] or "{}")
    if kind == "confirm":
        return await adapter.confirm_order(account, order_ref, key), {}
    if kind == "cancel":
        return await adapter.cancel_order(account, order_ref, parameters["reason"], key), {}
    if kind == "answer_cancellation":
        return await adapter.answer_cancellation(account, order_ref, bool(parameters["accept"]), key), {}
    shipment = await adapter.arrange_shipment(account, order_ref, ShipmentChoice(**parameters), key)
    kept = {"tracking_number": shipment.tracking_number, "carrier": shipment.carrier}
    try:  # the stage and waybill it is at now; a refusal here is no refusal of the shipment
        remote = await adapter.fetch_order(account, order_ref)
    except Rejected:
        return None, kept
    if shipment.tracking_number and not remote.tracking_number:
        remote.tracking_number = shipment.tracking_number
    return remote, kept


async def run_action(action: dict, adapters: Adapters, settings: IntegrationsSettings) -> None:
    """Send one claimed action and record what the marketplace said."""
    order = (
        await MarketplaceOrder.select(
            MarketplaceOrder.id,
            MarketplaceOrder.order_ref,
            MarketplaceOrder.marketplace.code.as_alias("code"),
        )
        .where(MarketplaceOrder.id == action["order"])
        .first()
    )
    assert order is not None  # actions go with their order (ON DELETE CASCADE)
    code = order["code"]
    adapter = adapters.get(code)
    account = await order_account(order["id"], settings.credentials_key)
    if account is None or not hasattr(adapter, METHODS[action["kind"]]):
        await _refused(
            action,
            order["id"],
            (
                "Không gửi được thao tác này tới sàn qua agrimarket.",
                "This action cannot be sent to the marketplace.",
            ),
        )
        return
    try:
        remote, result = await _send(adapter, account, order["order_ref"], action)
    except Retryable as exc:
        if exc.throttled:
            wait = exc.retry_after if exc.retry_after is not None else settings.backoff_base_seconds
            await ratelimit.hold(code, wait)
            await outbox.release(action, time.time() + wait, f"{exc} (chờ {wait:g} s)")
        else:
            await retry(action, f"{exc.call or 'call'}: {exc}", settings)
        return
    except Rejected as exc:
        again = await _read_again(adapter, account, order["order_ref"])
        async with write_transaction():
            if again is not None:
                await service.receive(code, again, "action")
            await _refused(action, order["id"], (exc.reason_vi, exc.reason_en))
        return
    except CredentialsError as exc:
        async with write_transaction():
            await MarketplaceAccount.update(
                {
                    MarketplaceAccount.needs_attention: True,
                    MarketplaceAccount.attention_reason: str(exc)[:300],
                }
            ).where(MarketplaceAccount.id == account.account_id)
            await _refused(
                action,
                order["id"],
                (
                    f"Sàn từ chối thông tin đăng nhập của tài khoản bán hàng: {exc}",
                    f"The marketplace refused the seller account's credentials: {exc}",
                ),
            )
        return
    async with write_transaction():
        if remote is not None:
            await service.receive(code, remote, "action")
        shipped: dict[Column | str, str] = {MarketplaceOrder.carrier: result.get("carrier", "")[:60]}
        if result.get("tracking_number"):
            shipped[MarketplaceOrder.tracking_number] = result["tracking_number"][:60]
        if result.get("carrier"):
            await MarketplaceOrder.update(shipped).where(MarketplaceOrder.id == order["id"])
        await outbox.finish(action, "done", result)


async def _read_again(adapter, account: Account, order_ref: str) -> RemoteOrder | None:
    """The order as the marketplace has it after a refusal; None when it does not answer now (the
    next pull brings it)."""
    try:
        return await adapter.fetch_order(account, order_ref)
    except (Retryable, Rejected, CredentialsError) as exc:
        log.info("order %s not read again after a refusal: %s", order_ref, exc)
        return None


async def _refused(action: dict, order_id: int, reason: tuple[str, str]) -> None:
    async with write_transaction():
        if await outbox.finish(action, "failed", reason=reason):
            refused = {"action_id": action["id"], "kind": action["kind"], "reason": reason[0]}
            await audit.record(None, "order", order_id, "refused", refused)  # the marketplace's answer


async def retry(action: dict, error: str, settings: IntegrationsSettings) -> None:
    """A failure: back off (exponential, full jitter), or give up after enough of them."""
    wait = backoff.delay(action["attempts"] + 1, settings.backoff_base_seconds, settings.backoff_cap_seconds)
    if await outbox.fail(action, error, wait, settings.max_attempts, settings.give_up_seconds):
        log.warning("order action %s gave up: %s", action["id"], error)
