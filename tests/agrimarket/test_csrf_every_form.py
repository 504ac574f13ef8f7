"""Every state-changing web route refuses a request without a valid CSRF token, and changes nothing.

The routes come from the app itself (every non-API POST/PUT/PATCH/DELETE), so a new form is
covered the day it is added.
"""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute
from piccolo.conf.apps import Finder

from agrimarket.tables import Product
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_batches import farm, make_batch

UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
PARAM = re.compile(r"{(\w+):(\w+)}")
# Plausible form fields, so that a handler reached by mistake would really change something.
FIELDS = {
    "delta": "5",
    "price_vnd": "99000",
    "name": "Giả mạo",
    "phone": "0912999999",
    "password": "mat-khau-123",
    "status": "revoked",
    "reason": "giả mạo",
    "kind": "irrigation",
    "count": "1",
    "confirm": "on",
}


# Public forms that carry no session's authority, so a forged post gains nothing a direct one would
# not: the scratch-off PIN form on the scan page (which mints no CSRF cookie, for speed). They refuse
# cross-site posts instead (tests/traceability/test_pins.py).
PUBLIC_FORMS = {("POST", "/t/{serial:str}"), ("POST", "/T/{serial:str}")}


def web_write_routes(app) -> list[tuple[str, str]]:
    """(method, path template) of every unsafe method on a non-API route, but the public forms."""
    found = set()
    for route in app.routes:
        if isinstance(route, HTTPRoute) and not route.path.startswith("/api/"):
            found |= {(method, route.path) for method in route.methods & UNSAFE}
    assert found >= PUBLIC_FORMS, "a public form is gone: update PUBLIC_FORMS"
    return sorted(found - PUBLIC_FORMS)


def concrete(path: str, ids: dict[str, object]) -> str:
    """Fill path parameters with ids of real records (1 or a marketplace code when unknown)."""
    return PARAM.sub(lambda m: str(ids.get(m.group(1), "postmart" if m.group(2) == "str" else 1)), path)


async def snapshot() -> dict[str, list[dict]]:
    """Every row of every table, to prove a refused request wrote nothing."""
    tables = {}
    for table in Finder().get_table_classes():
        # Reference data, and the rate-limit counters (a refused login attempt still counts there).
        if table._meta.tablename in {"province", "commune", "shared_value"}:
            continue
        tables[table._meta.tablename] = await table.select().order_by(table._meta.primary_key)
    return tables


async def test_every_web_form_refuses_a_missing_or_forged_csrf_token(app, client, accounts):
    farmer, product, area = await farm(client, accounts)
    batch = await make_batch(client, farmer, product["id"], area["id"])
    ids = {
        "product_id": product["id"],
        "area_id": area["id"],
        "batch_id": batch["id"],
        "household_id": farmer.me["household_id"],
    }
    routes = web_write_routes(app)
    paths = {path for _, path in routes}
    assert {"/login", "/logout", "/products/new", "/households/import"} <= paths and len(routes) >= 15

    await web_login(client, farmer.phone)
    page = await client.get("/products")  # the csrftoken cookie is set: only the form token is missing
    assert client.cookies.get("csrftoken")
    before = await snapshot()
    for method, template in routes:
        path = concrete(template, ids)
        attempts = {
            "no token": {"data": FIELDS},
            "forged token": {"data": {**FIELDS, "_csrf_token": "forged" + csrf(page.text)[6:]}},
            "multipart, no token": {"data": FIELDS, "files": {"file": ("ho.csv", b"a,b\n")}},
            "random header token": {
                "data": FIELDS,
                "headers": {"x-csrftoken": "0" * 64},
            },
        }
        for label, options in attempts.items():
            response = await client.request(method, path, follow_redirects=False, **options)
            assert response.status_code == 403, (method, path, label, response.status_code)
            assert "phiên làm việc đã hết hạn" in response.text, (method, path, label)
    assert await snapshot() == before, "a request without a valid CSRF token changed data"

    # The control: with the page's token the same session does change data.
    response = await client.post(
        f"/products/{product['id']}/stock", data={"delta": "5", "_csrf_token": csrf(page.text)}
    )
    assert response.status_code == 200
    assert (await Product.select(Product.stock).where(Product.id == product["id"]).first())["stock"] == 25
