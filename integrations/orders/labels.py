"""Waybill labels (issue 20, point 2): an order's label as the marketplace's carrier prints it, and
one PDF of every label ready today, in A6 or on an 80 mm thermal roll.

A label is fetched once through the adapter's ``shipping_label`` and kept in our Storage, keyed by
order, size and tracking number (a new waybill is a new key), so later prints are served from the
store. Storage may be public (``/media``, a public bucket) and a label names where a parcel goes and
what it costs, so the key carries a keyed hash no one can guess from the order's id.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import io
import logging
import re
from collections.abc import Sequence

import anyio.to_thread
import msgspec

from agrimarket import clock
from agrimarket.accounts.actor import Actor
from agrimarket.errors import Conflict, DomainError, Invalid, NotFound, Unavailable
from agrimarket.media.storage import Storage, StorageUnavailable
from agrimarket.privacy import access_log
from agrimarket.settings import Settings
from integrations.adapters.base import Account, CredentialsError, Rejected, Retryable
from integrations.adapters.desk import LABEL_SIZES, OrderDesk
from integrations.adapters.registry import Adapters
from integrations.orders.access import desk_orders
from integrations.orders.desk import stage_words
from integrations.orders.seller import order_account
from integrations.orders.service import current_stage
from integrations.settings import IntegrationsSettings
from integrations.tables import MarketplaceOrder

log = logging.getLogger(__name__)
# Labels fetched side by side for the day's PDF: a few, so one farmer's print does not crowd the
# marketplace's rate limit (every call is paced anyway).
FETCH_CONCURRENCY = 4
# Stages whose parcel will not be handed to a carrier (any more).
NO_LABEL = ("cancelled", "returned")


class MarketplaceUnavailable(Unavailable):
    """The marketplace did not answer (timeout, 5xx, 429): try again later, nothing is lost."""

    def __init__(self, marketplace: str, order_refs: Sequence[str] = ()) -> None:
        which = f" (đơn {', '.join(order_refs)})" if order_refs else ""
        which_en = f" (order {', '.join(order_refs)})" if order_refs else ""
        super().__init__(
            f"Sàn {marketplace} chưa trả nhãn giao hàng{which}. Hãy thử lại sau ít phút.",
            f"{marketplace} did not return the shipping label{which_en}. Try again in a few minutes.",
        )


class NoTrackingNumber(Conflict):
    def __init__(self) -> None:
        super().__init__(
            "Chưa có mã vận đơn: hãy sắp xếp giao hàng trước.",
            "No tracking number yet: arrange the shipment first.",
        )


class LabelOrder(msgspec.Struct, frozen=True):
    """What fetching one order's label needs: which order on which marketplace, through which account."""

    id: int
    order_ref: str
    marketplace_code: str
    marketplace: str  # its name, for messages
    tracking_number: str
    account: Account | None  # None: no seller account of ours on that marketplace any more
    stage: str = ""  # where it stands on the desk (adapters.desk.DESK_STAGES)


def _orders_query():
    return MarketplaceOrder.select(
        *MarketplaceOrder.all_columns(),
        MarketplaceOrder.marketplace.code.as_alias("code"),
        MarketplaceOrder.marketplace.name.as_alias("market"),
    )


async def _label_order(row: dict, credentials_key: str) -> LabelOrder:
    return LabelOrder(
        id=row["id"],
        order_ref=row["order_ref"],
        marketplace_code=row["code"],
        marketplace=row["market"],
        tracking_number=row["tracking_number"],
        account=await order_account(row["id"], credentials_key),
        stage=current_stage(row),
    )


async def order_for_label(actor: Actor, order_id: int, credentials_key: str) -> LabelOrder:
    """One order the actor works on the desk (another's looks absent)."""
    row = await _orders_query().where(desk_orders(actor) & (MarketplaceOrder.id == order_id)).first()
    if row is None:
        raise NotFound("Không tìm thấy đơn hàng.", "Order not found.")
    await access_log.record(actor, f"phiếu giao hàng đơn {order_id}", [row["household"]])
    return await _label_order(row, credentials_key)


async def ready_today(actor: Actor, credentials_key: str, limit: int = 200) -> list[LabelOrder]:
    """The actor's orders waiting for the carrier with a waybill number: today's parcels to hand
    over, oldest first (the soonest due)."""
    ready = await (
        _orders_query()
        .where(
            desk_orders(actor)
            & (MarketplaceOrder.stage == "to_pickup")
            & (MarketplaceOrder.tracking_number != "")
        )
        .order_by(MarketplaceOrder.placed_at)
        .order_by(MarketplaceOrder.id)
        .limit(limit)
    )
    await access_log.record(actor, "phiếu giao hàng trong ngày", [r["household"] for r in ready])
    return [await _label_order(r, credentials_key) for r in ready]


def check_size(size: str) -> str:
    if size not in LABEL_SIZES:
        raise Invalid("size", "Khổ nhãn chỉ có thể là A6 hoặc 80 mm.", "The label size is either a6 or 80mm.")
    return size


def label_key(secret: str, order_id: int, size: str, tracking_number: str) -> str:
    """Where an order's label of one size and waybill is kept; unguessable without ``secret``."""
    digest = hmac.new(
        secret.encode(), f"{order_id}:{size}:{tracking_number}".encode(), hashlib.sha256
    ).hexdigest()[:32]
    return f"labels/{order_id}/{size}-{digest}.pdf"


def _desk(adapters: Adapters, code: str) -> OrderDesk:
    adapter = adapters.get(code)
    if not hasattr(adapter, "shipping_label"):
        raise Conflict(
            "Sàn này chưa cho in nhãn giao hàng từ agrimarket.",
            "This marketplace does not print shipping labels through agrimarket yet.",
        )
    return adapter  # type: ignore[return-value]  # checked above: the adapter speaks the desk's calls


async def _from_marketplace(adapters: Adapters, order: LabelOrder, size: str) -> bytes:
    if order.account is None:
        raise Conflict(
            f"Không còn tài khoản bán hàng trên {order.marketplace} để lấy nhãn.",
            f"No seller account on {order.marketplace} any more to get the label from.",
        )
    try:
        pdf = await _desk(adapters, order.marketplace_code).shipping_label(
            order.account, order.order_ref, size
        )
    except Retryable as exc:
        log.info("label of order %s from %s: %s", order.id, order.marketplace_code, exc)
        raise MarketplaceUnavailable(order.marketplace, [order.order_ref]) from exc
    except Rejected as exc:
        raise Conflict(f"Sàn {order.marketplace} từ chối: {exc.reason_vi}", exc.reason_en) from exc
    except CredentialsError as exc:
        raise Conflict(
            f"Sàn {order.marketplace} không nhận tài khoản bán hàng: hãy kết nối lại tài khoản.",
            f"{order.marketplace} refused the seller account: connect it again.",
        ) from exc
    if not pdf.startswith(b"%PDF-"):
        log.warning("label of order %s from %s is not a PDF", order.id, order.marketplace_code)
        raise MarketplaceUnavailable(order.marketplace, [order.order_ref])
    return pdf


async def label_pdf(storage: Storage, adapters: Adapters, secret: str, order: LabelOrder, size: str) -> bytes:
    """The order's label of ``size``: from our store when fetched before, else from the marketplace
    (then kept). A store that is down only costs the speed: the marketplace is asked instead."""
    check_size(size)
    if not order.tracking_number:
        raise NoTrackingNumber()
    key = label_key(secret, order.id, size, order.tracking_number)
    try:
        return await storage.get(key)
    except NotFound:
        pass
    except StorageUnavailable:
        log.warning("label store unreachable; order %s's label fetched from the marketplace", order.id)
    pdf = await _from_marketplace(adapters, order, size)
    try:
        await storage.put(key, pdf, "application/pdf")
    except StorageUnavailable:
        log.warning("label of order %s not kept: the store is unreachable", order.id)
    return pdf


async def labels_pdf(
    storage: Storage, adapters: Adapters, secret: str, orders: Sequence[LabelOrder], size: str
) -> bytes:
    """One PDF of the labels of ``orders`` (in that order). All or nothing: when a marketplace does
    not answer for some of them the farmer is told which, and the ones fetched are kept for the retry."""
    check_size(size)
    if not orders:
        raise Conflict(
            "Chưa có đơn nào sẵn sàng giao hôm nay: hãy sắp xếp giao hàng trước.",
            "No order is ready to ship today: arrange the shipments first.",
        )
    gate = asyncio.Semaphore(FETCH_CONCURRENCY)

    async def one(order: LabelOrder) -> bytes | DomainError:
        async with gate:
            try:
                return await label_pdf(storage, adapters, secret, order, size)
            except DomainError as exc:
                return exc

    answers = await asyncio.gather(*(one(o) for o in orders))
    failed = [(o, a) for o, a in zip(orders, answers, strict=True) if isinstance(a, DomainError)]
    if failed:
        unavailable = [o for o, a in failed if isinstance(a, MarketplaceUnavailable)]
        if len(unavailable) < len(failed):
            raise next(a for _, a in failed if not isinstance(a, MarketplaceUnavailable))
        names = sorted({o.marketplace for o in unavailable})
        raise MarketplaceUnavailable(", ".join(names), [o.order_ref for o in unavailable])
    pdfs = [a for a in answers if isinstance(a, bytes)]
    return await anyio.to_thread.run_sync(merge_pdfs, pdfs, [o.order_ref for o in orders])


def merge_pdfs(pdfs: Sequence[bytes], order_refs: Sequence[str]) -> bytes:
    """The labels one after another, every page at its own size, in one PDF; the order references in
    its subject (a print shop's queue and a search show what it holds)."""
    # Imported here, the one place that merges PDFs: pypdf (with fontTools) is 25 MiB that no other
    # request of an app process needs.
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PdfReadError  # late, as above

    writer = PdfWriter()
    try:
        for pdf in pdfs:
            writer.append(PdfReader(io.BytesIO(pdf)))
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:  # a label's PDF broken inside
        raise Conflict(
            "Sàn trả về nhãn hỏng, hãy thử lại.", "A label from the marketplace is unreadable."
        ) from exc
    writer.add_metadata(
        {
            "/Title": f"Nhãn giao hàng {clock.today():%d/%m/%Y}",
            "/Subject": ", ".join(order_refs),
            "/Producer": "agrimarket",
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


async def order_label(
    actor: Actor, order_id: int, size: str, storage: Storage, adapters: Adapters, settings: Settings
) -> tuple[bytes, str]:
    """The routes' one call for an order's label (page and API alike): the PDF and its file name."""
    order = await order_for_label(actor, order_id, settings.section(IntegrationsSettings).credentials_key)
    if order.stage in NO_LABEL:
        # A parcel printed for an order that will not go out would be handed to the carrier anyway.
        raise Conflict(
            f"Đơn đang ở trạng thái “{stage_words(order.stage)[0]}”, không in nhãn giao hàng.",
            f"The order is {stage_words(order.stage)[1]}: no shipping label.",
        )
    pdf = await label_pdf(storage, adapters, settings.secret_key, order, size)
    # The tracking number is the marketplace's text: only its letters and digits go into the header.
    safe = re.sub(r"[^A-Za-z0-9-]", "", order.tracking_number)[:40]
    return pdf, f"nhan-{safe}-{size}.pdf"


async def todays_labels(
    actor: Actor, size: str, storage: Storage, adapters: Adapters, settings: Settings
) -> tuple[bytes, str]:
    """The routes' one call for the day's labels in one PDF: the PDF and its file name."""
    orders = await ready_today(actor, settings.section(IntegrationsSettings).credentials_key)
    pdf = await labels_pdf(storage, adapters, settings.secret_key, orders, size)
    return pdf, f"nhan-hom-nay-{clock.today():%Y%m%d}-{size}.pdf"
