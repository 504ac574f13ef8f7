"""Bytes a phone downloads per page (issue 22): compressed HTML plus the CSS and JS it links.

A cold load fetches the page and every static file it links; a warm load fetches the page only,
since static URLs carry their content's hash and are cached ``immutable``. Measured on the demo
seed (SQLite) through the app in this process, with the ``Accept-Encoding`` of Chrome on Android.
Goals: a household's first load ≤ 40 KB, the public scan page ≤ 10 KB.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from pathlib import Path

import httpx

from bench.db import ROOT, prepare
from bench.report import Figure, Result

PHONE_ENCODING = "gzip, deflate, br"
HOUSEHOLD_GOAL_KB = 40.0
SCAN_GOAL_KB = 10.0
DEMO_PHONE = "0901000003"  # the README's cooperative manager: products, orders and batches
_LINKED = re.compile(r'(?:href|src)="(/(?:static|t-assets)/[^"]+)"')  # CSS and JS


async def _transferred(http: httpx.AsyncClient, url: str) -> tuple[int, int, str]:
    """(bytes on the wire, bytes decoded, text) of one GET."""
    async with http.stream("GET", url) as response:
        assert response.status_code == 200, (url, response.status_code)
        body = b"".join([chunk async for chunk in response.aiter_raw()])
        wire = len(body)
    decoded = httpx.Response(200, headers=response.headers, content=body).content
    return wire, len(decoded), decoded.decode(errors="replace")  # icons too: counted, not read


async def _page(http: httpx.AsyncClient, url: str) -> tuple[int, int, int]:
    """(cold bytes, warm bytes, raw bytes) of one page."""
    wire, raw, text = await _transferred(http, url)
    cold, total_raw = wire, raw
    for linked in sorted(set(_LINKED.findall(text))):
        static_wire, static_raw, _ = await _transferred(http, linked)
        cold, total_raw = cold + static_wire, total_raw + static_raw
    return cold, wire, total_raw


async def _measure() -> list[tuple[str, int, int, int, float]]:
    from litestar.testing import AsyncTestClient

    from agrimarket.app import create_app
    from agrimarket.demo_data import PASSWORD
    from agrimarket.tables import Product
    from traceability.tables import Batch, Stamp

    app = create_app()
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000"):  # runs the app's start-up
        transport = httpx.ASGITransport(app=app)
        headers = {"accept-encoding": PHONE_ENCODING, "user-agent": "Mozilla/5.0 (Linux; Android 10)"}
        async with httpx.AsyncClient(
            transport=transport, base_url="https://truyxuat.example.vn", headers=headers
        ) as http:
            stamp = await Stamp.select(Stamp.serial).first()
            scan = await _page(http, f"/t/{stamp['serial']}")
            login = await http.get("/login")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', login.text).group(1)
            form = {"phone": DEMO_PHONE, "password": PASSWORD, "_csrf_token": token}
            signed = await http.post("/login", data=form)
            assert signed.status_code in (200, 302, 303), re.findall(r"<p[^>]*>(.*?)</p>", signed.text)
            product = await Product.select(Product.id).first()
            batch = await Batch.select(Batch.id).first()
            pages = [("scan page /t/{serial} (anonymous buyer)", *scan, SCAN_GOAL_KB)]
            for name, url in (
                ("my products /products", "/products"),
                ("product form /products/new", "/products/new"),
                ("orders inbox /orders/", "/orders/"),
                ("batch page with diary /batches/{id}", f"/batches/{batch['id']}"),
                ("public product page /p/{id}", f"/p/{product['id']}"),
            ):
                pages.append((name, *await _page(http, url), HOUSEHOLD_GOAL_KB))
    return pages


def _kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def run() -> Result:
    env = prepare("sqlite")
    os.environ.update(
        {"APP_ENV": "development", "INTEGRATIONS_WORKER": "off", "INTEGRATIONS_SIM_ORDER_SECONDS": "0"}
    )
    piccolo = Path(sys.executable).parent / "piccolo"
    subprocess.run(  # noqa: S603 - our own command
        [str(piccolo), "agrimarket", "seed_demo"],
        check=True,
        capture_output=True,
        cwd=ROOT,
        env=os.environ.copy(),
    )
    pages = asyncio.run(_measure())
    result = Result(
        setup=f"demo seed on SQLite ({env['DATABASE_URL'].rsplit('/', 1)[-1]}), Accept-Encoding: {PHONE_ENCODING}"
    )
    for name, cold, warm, raw, goal in pages:
        verdict = "OK" if cold / 1024 <= goal else "MISSED"
        result.figures.append(
            Figure(
                f"bytes, first load of {name}",
                _kb(cold),
                _kb(raw),  # the ceiling column: the same page uncompressed, as before issue 22
                f"{cold / raw:.0%}",
                f"≤ {goal:g} KB → {verdict}",
            )
        )
        result.details.append((f"later loads of {name}", f"{_kb(warm)} (the page only; static files cached)"))
    return result


if __name__ == "__main__":
    for figure in run().figures:
        print(" | ".join(figure.cells()))
