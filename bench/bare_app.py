"""The ceiling of the page benches: a bare Litestar app, one primary-key select per request.

No middleware, templates, sessions, logs or rate limits: each page selects one row through the same
Piccolo engine and pool set-up as the app and answers an HTML page padded to the size of ours
(BENCH_SCAN_SIZE, BENCH_PRODUCT_SIZE bytes). Its memory is the floor of a process on this stack.

The order desk's bench (bench/orders.py) uses three more: a webhook receiver that only answers, a
stored file read from the same Storage, and the open orders of a cooperative in one select.
"""

from __future__ import annotations

import os

from litestar import Litestar, MediaType, Response, get, post

from agrimarket.db import close_pool, open_pool
from agrimarket.media.storage import build_storage
from agrimarket.settings import Settings
from agrimarket.tables import Product
from integrations.tables import MarketplaceOrder
from traceability.tables import Stamp

SCAN_SIZE = int(os.environ.get("BENCH_SCAN_SIZE", "4000"))
PRODUCT_SIZE = int(os.environ.get("BENCH_PRODUCT_SIZE", "4000"))
ENGINE = Product._meta.db
STORAGE = build_storage(Settings()) if os.environ.get("MEDIA_DIR") else None


def _page(text: str, size: int) -> Response[bytes]:
    body = f"<!doctype html><meta charset=utf-8><p>{text}</p>".encode()
    return Response(body.ljust(size, b" "), media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})


@get("/healthz")
async def healthz() -> str:
    return "ok"


@get("/stamp/{stamp_id:int}")
async def stamp(stamp_id: int) -> Response[bytes]:
    row = await Stamp.select(Stamp.serial).where(Stamp.id == stamp_id).first()
    return _page(row["serial"] if row else "", SCAN_SIZE)


@get("/product/{product_id:int}")
async def product(product_id: int) -> Response[bytes]:
    row = await Product.select(Product.name).where(Product.id == product_id).first()
    return _page(row["name"] if row else "", PRODUCT_SIZE)


@post("/webhook", status_code=200)
async def webhook() -> dict:
    """A marketplace's push answered without reading it: the webhook path without our code."""
    return {"ok": True}


@get("/file/{key:path}")
async def stored_file(key: str) -> Response[bytes]:
    """A stored label, read from the app's Storage: the label route without our code."""
    assert STORAGE is not None
    pdf = await STORAGE.get(key.lstrip("/"))
    return Response(pdf, media_type="application/pdf", headers={"Cache-Control": "private, no-store"})


@get("/inbox/{cooperative:int}")
async def open_orders(cooperative: int, size: int = 4000) -> Response[bytes]:
    """A cooperative's open orders in one select, as a page of ``size`` bytes: the inbox without our code."""
    rows = (
        await MarketplaceOrder.select(
            MarketplaceOrder.order_ref, MarketplaceOrder.amount_vnd, MarketplaceOrder.act_by
        )
        .where((MarketplaceOrder.cooperative == cooperative) & (MarketplaceOrder.status == "placed"))
        .order_by(MarketplaceOrder.act_by)
    )
    return _page("".join(f"{r['order_ref']} {r['amount_vnd']}" for r in rows)[:size], size)


async def _open_pool() -> None:
    await open_pool(ENGINE, int(os.environ.get("DB_POOL_SIZE", "10")))  # the app's own pool set-up


async def _close_pool() -> None:
    await close_pool(ENGINE)


app = Litestar(
    [healthz, stamp, product, webhook, stored_file, open_orders],
    on_startup=[_open_pool],
    on_shutdown=[_close_pool],
)
