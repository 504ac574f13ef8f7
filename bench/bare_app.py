"""The ceiling of the page benches: a bare Litestar app, one primary-key select per request.

No middleware, templates, sessions, logs or rate limits: each page selects one row through the same
Piccolo engine and pool set-up as the app and answers an HTML page padded to the size of ours
(BENCH_SCAN_SIZE, BENCH_PRODUCT_SIZE bytes). Its memory is the floor of a process on this stack.
"""

from __future__ import annotations

import os

from litestar import Litestar, MediaType, Response, get

from agrimarket.db import close_pool, open_pool
from agrimarket.tables import Product
from traceability.tables import Stamp

SCAN_SIZE = int(os.environ.get("BENCH_SCAN_SIZE", "4000"))
PRODUCT_SIZE = int(os.environ.get("BENCH_PRODUCT_SIZE", "4000"))
ENGINE = Product._meta.db


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


async def _open_pool() -> None:
    await open_pool(ENGINE, int(os.environ.get("DB_POOL_SIZE", "10")))  # the app's own pool set-up


async def _close_pool() -> None:
    await close_pool(ENGINE)


app = Litestar([healthz, stamp, product], on_startup=[_open_pool], on_shutdown=[_close_pool])
