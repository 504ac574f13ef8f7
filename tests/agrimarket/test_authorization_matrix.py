"""Every cell of every MATRIX entry, exercised against real records.

One world is built per module (through the public API, as clients would):

- household A (``household_own``) in Đặc khu Cát Hải, Hải Phòng (31), member of cooperative C;
- household B (``household_foreign``) in a Hà Nội commune;
- M (``coop_manager_member``), manager of C; officers of province 31 (``officer_in_area``) and of
  Hà Nội (``officer_foreign_area``); an ``admin``.

Convention: every cell aims at the SAME records, and only the caller changes. The records are A's:
its product (with a photo and a GTIN), growing area, batch, stamp issue and stamps, Postmart
account and listing (and that listing's sync job), and a declared listing. Cooperative routes aim
at C, and ``{household_id}`` at A as C's member. Import jobs are uploaded by the officer in area.
Routes with no record id in the path name A's records in the body or the query
(``owner_household_id``, ``product_id``, ``household_id``, ``area=31``), so a foreign caller always
tries to reach A's data. List routes answer foreign callers "hidden": 200 without any of A's
records (they all carry MARKER), and allowed callers must see them.

API cells send the bearer token; web cells log in with the cookie and send a valid CSRF token, so a
403 is authorization, never CSRF. Denials run first; routes that destroy their record (DELETE...)
get a fresh record for each allowed cell. A route whose path parameter has no builder fails with
"add a record builder for {param}".
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import json
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from PIL import Image

from agrimarket import clock
from agrimarket.accounts.actor import Role
from agrimarket.db import write_transaction
from agrimarket.events import OrderReceived
from agrimarket.events import publish as publish_event
from agrimarket.tables import Message
from integrations.channels import zalo
from integrations.channels.settings import DEV_ZALO_APP_ID, DEV_ZALO_OA_SECRET
from integrations.settings import IntegrationsSettings
from integrations.simulators.credentials import demo_credentials
from integrations.webhooks.signature import sign
from tests.agrimarket.test_route_inventory import MATRIX, PUBLIC, Access
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.conftest import ENGINE, RUN_DIR, transient_tables
from tests.factories import CAT_HAI, PASSWORD, Accounts, Session, new_phone, tax_code
from tests.integrations.conftest import FAST, LiveSim
from tests.integrations.helpers import connect, product_with_photo, publish
from tests.traceability.test_areas import make_area, other_province_commune
from tests.traceability.test_batches import make_batch

CELLS = tuple(f.name for f in dataclasses.fields(Access))
MARKER = "Zqxa"  # in the name of every record of A's, so lists can be searched for them
BASE = "http://testserver.local"
SKIPPED_PREFIXES = ("/static/", "/media/", "/schema")
GTIN = "8934567890120"
_seq = itertools.count(1)


@dataclass
class World:
    client: httpx.AsyncClient
    accounts: Accounts
    api: dict[str, Session | None]
    web: dict[str, tuple[httpx.AsyncClient, str]]  # cell -> (cookie client, CSRF token)
    ids: dict[str, object] = field(default_factory=dict)
    webhook_secret: str = ""

    def a(self, name: str):
        return self.ids[name]


# ---------------------------------------------------------------- the world


async def _truncate() -> None:
    from agrimarket.tables import Product

    tables = transient_tables()
    if ENGINE == "postgres":
        await Product._meta.db.run_ddl(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        for table in tables:
            await Product._meta.db.run_ddl(f"DELETE FROM {table}")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (120, 180, 60)).save(out, "JPEG")
    return out.getvalue()


def _import_csv() -> bytes:
    return f"Họ tên chủ hộ,Số điện thoại,Mã xã\nHộ Nhập Thử,{new_phone()},{CAT_HAI}\n".encode()


async def _fresh_invitation(w: World) -> int:
    """C's invitation to a new household of another province (awaiting an officer's approval)."""
    invitee = await w.accounts.household(commune=w.a("far_commune"), name="Hộ Được Mời")
    response = await w.client.post(
        f"/api/v1/cooperatives/{w.a('coop')}/invitations",
        json={"phone": invitee.phone},
        headers=w.api["coop_manager_member"].headers,
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def _fresh_claim(w: World) -> int:
    """A farmer's claim of the account C signed up for it, in A's commune."""
    phone = new_phone()
    await w.accounts.sign_up(w.api["coop_manager_member"], w.a("coop"), f"Hộ {MARKER} Nhờ", phone=phone)
    response = await w.client.post(
        "/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": "Hộ Nhận Lại", "commune_code": CAT_HAI},
    )
    assert response.status_code == 202, response.text
    w.ids["claim_code"] = response.json()["code"]  # the code of the newest claim, for its confirmation
    return response.json()["claim_id"]


async def _fresh_member(w: World) -> int:
    """A new member household of C (for the routes that remove a member)."""
    response = await w.client.post(
        f"/api/v1/cooperatives/{w.a('coop')}/members",
        json={"phone": new_phone(), "head_name": "Hộ Thành Viên Mới"},
        headers=w.api["coop_manager_member"].headers,
    )
    assert response.status_code == 201, response.text
    return max(m["household_id"] for m in response.json())


async def _fresh_product(w: World) -> int:
    return (await w.accounts.product(w.api["household_own"], name=f"Rau {MARKER} {next(_seq)}"))["id"]


async def _fresh_partner(w: World) -> int:
    """A recipient of A's batch, made straight in the table (each delete takes one away)."""
    from datetime import UTC, date, datetime

    from traceability.tables import BatchPartner

    partner = BatchPartner(
        batch=w.a("batch"),
        direction="recipient",
        kind="buyer",
        name=f"Chợ {MARKER}",
        on_date=date(2026, 11, 2),
        created_at=datetime.now(UTC),
    )
    await partner.save()
    return partner.id


async def _fresh_photo(w: World) -> int:
    from agrimarket.tables import ProductPhoto

    photo = ProductPhoto(product=w.a("product"), image_key="p/x.webp", thumb_key="t.webp", width=1, height=1)
    await photo.save()
    return photo.id


def _asgi_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, follow_redirects=True)


def _training(w: World) -> dict:
    """A session in A's commune that A attended."""
    return {
        "held_on": clock.today().isoformat(),
        "commune_code": CAT_HAI,
        "topic": f"Bán hàng trên Postmart {MARKER}",
        "trainer": "Trần Văn Dạy",
        "phones": [w.api["household_own"].phone],
    }


async def _order_of_a(w: World) -> None:
    """A buyer's order of A's listed product, as the marketplace would report it."""
    from integrations.adapters.base import RemoteOrder, RemoteOrderItem
    from integrations.orders import service as orders
    from integrations.tables import Listing, MarketplaceOrder, OrderAction

    await Listing.update({Listing.external_id: f"PM-{MARKER}"}).where(Listing.id == w.a("listing"))
    item = RemoteOrderItem(f"PM-{MARKER}", 1, 30_000)
    now = time.time()
    assert await orders.receive(
        "postmart", RemoteOrder(f"ORD-{MARKER}", "placed", now, now, 30_000, [item]), "pull"
    )
    order = await MarketplaceOrder.select().where(MarketplaceOrder.order_ref == f"ORD-{MARKER}").first()
    w.ids["order"] = order["id"]
    # One action already sent and refused, so its state can be read.
    action = OrderAction(
        order=order["id"],
        marketplace=order["marketplace"],
        kind="confirm",
        idempotency_key=f"key-{MARKER}",
        status="failed",
        reason_vi=f"Đơn {MARKER} không cần xác nhận.",
        requested_at=datetime.now(UTC),
    )
    await action.save()
    w.ids["order_action"] = action.id


async def build_world(client, app) -> World:
    accounts = Accounts(client)
    manager, coop_id = await accounts.coop_manager(seed=next(_seq) + 500, name=f"HTX {MARKER}")
    own = await accounts.household(name=f"Phạm {MARKER}")
    await accounts.join(manager, coop_id, own)
    own = await accounts.login(own.phone)
    far_commune = await other_province_commune(client)
    foreign = await accounts.household(commune=far_commune, name="Đỗ Văn Bắc")
    api: dict[str, Session | None] = {
        "anonymous": None,
        "household_own": own,
        "household_foreign": foreign,
        "coop_manager_member": await accounts.login(manager.phone),
        "officer_in_area": await accounts.staff(Role.OFFICER, "31"),
        "officer_foreign_area": await accounts.staff(Role.OFFICER, "01"),
        "admin": await accounts.staff(Role.ADMIN),
    }
    w = World(client, accounts, api, {})
    w.ids["coop"] = coop_id
    w.ids["household"] = own.me["household_id"]
    w.ids["far_commune"] = far_commune
    # Another cooperative's invitation to A (A, C's member, cannot accept it: one at a time).
    other_manager, other_coop = await accounts.coop_manager(seed=next(_seq) + 700, name="HTX Bên Cạnh")
    invited = await client.post(
        f"/api/v1/cooperatives/{other_coop}/invitations",
        json={"phone": own.phone},
        headers=other_manager.headers,
    )
    assert invited.status_code == 201, invited.text
    w.ids["invitation"] = invited.json()["id"]
    w.ids["claim"] = await _fresh_claim(w)
    product = await product_with_photo(accounts, own, name=f"Na {MARKER}", unit="kg", gtin=GTIN)
    w.ids["product"] = product["id"]
    w.ids["photo"] = await _fresh_photo(w)
    area = await make_area(client, own, name=f"Vườn {MARKER}")
    w.ids["area"] = area["id"]
    facility = await client.post(
        "/api/v1/packing-facilities/",
        json={"name": f"Nhà đóng gói {MARKER}", "commune_code": CAT_HAI},
        headers=own.headers,
    )
    assert facility.status_code == 201, facility.text
    w.ids["facility"] = facility.json()["id"]
    batch = await make_batch(
        client, own, product["id"], area["id"], lot_code=f"{MARKER}-01", standards="TCCS 01:2026"
    )
    harvest = {"kind": "harvesting"}  # the minimum data set wants a diary entry before stamps
    assert (
        await client.post(f"/api/v1/batches/{batch['id']}/events", json=harvest, headers=own.headers)
    ).status_code == 201
    w.ids["batch"], w.ids["lot"] = batch["id"], batch["lot_code"]
    issued = await client.post(
        f"/api/v1/batches/{batch['id']}/stamps", json={"count": 3}, headers=own.headers
    )
    assert issued.status_code == 201, issued.text
    w.ids["issue"] = issued.json()["id"]
    from traceability.tables import Stamp

    serials = await Stamp.select(Stamp.serial).where(Stamp.batch == batch["id"]).order_by(Stamp.seq)
    w.ids["serial"], w.ids["serial_to_revoke"] = serials[0]["serial"], serials[1]["serial"]
    # A seller outside every cell, so no cell's DELETE /api/v1/bank-account takes its VietQR code away.
    payer = await accounts.household(name="Hồ Thị Thu")
    assert (
        await client.put("/api/v1/bank-account/", json=BANK_ACCOUNT, headers=payer.headers)
    ).status_code == 200
    w.ids["paid_product"] = (await accounts.product(payer))["id"]
    await connect(client, own, "postmart", shop_id=f"shop-{MARKER.lower()}")
    listed = await publish(client, own, product["id"], "postmart")
    assert listed.status_code == 202, listed.text
    w.ids["listing"] = listed.json()["id"]
    from integrations.tables import SyncJob

    w.ids["sync_job"] = (await SyncJob.select(SyncJob.id).where(SyncJob.listing == w.ids["listing"]).first())[
        "id"
    ]
    await _order_of_a(w)
    trained = await client.post("/api/v1/trainings/", json=_training(w), headers=manager.headers)
    assert trained.status_code == 201, trained.text
    w.ids["training"] = trained.json()["id"]
    declared = await client.post(
        "/api/v1/declared-listings/",
        json={
            "marketplace": "shopee",
            "shop_url": f"https://shopee.vn/{MARKER}",
            "from_date": "2026-01-01",
            "household_id": w.ids["household"],
        },
        headers=manager.headers,
    )
    assert declared.status_code == 201, declared.text
    w.ids["declared"] = declared.json()["id"]
    imported = await client.post(
        "/api/v1/household-imports/",
        files={"file": ("ho.csv", _import_csv())},
        headers=api["officer_in_area"].headers,
    )
    assert imported.status_code == 202, imported.text
    w.ids["import_job"] = imported.json()["id"]
    for cell, session in api.items():
        web = _asgi_client(app)
        if session is not None:
            await web_login(web, session.phone)
        w.web[cell] = (web, csrf((await web.get("/login")).text))
    return w


@pytest.fixture(autouse=True)
def clean_tables():
    """Overrides the per-test truncation: this module's tests share one world."""
    yield


@pytest.fixture(scope="module")
async def world(database, settings):
    from litestar.testing import AsyncTestClient

    from agrimarket.app import create_app
    from agrimarket.tables import Product
    from integrations.simulators import postmart, voso
    from integrations.simulators.state import SimConfig

    await _truncate()
    sims = [LiveSim(postmart, SimConfig(seed=1)), LiveSim(voso, SimConfig(seed=2))]
    integrations = dataclasses.replace(
        settings.section(IntegrationsSettings),
        marketplace_urls={"postmart": sims[0].url, "voso": sims[1].url},
        worker="off",
        simulators=False,
        **FAST,
    )
    app = create_app(settings.with_section(integrations))
    pooled = ENGINE == "postgres"
    try:
        # The test client runs the app's lifespan (in its own thread); requests go through plain
        # httpx clients on this event loop, one cookie jar per web caller, so the marketplace
        # adapters and a connection pool (3x faster on PostgreSQL) serve a single loop.
        async with AsyncTestClient(app=app, base_url=BASE), _asgi_client(app) as client:
            if pooled:
                await Product._meta.db.start_connection_pool(min_size=1, max_size=4)
            try:
                w = await build_world(client, app)
                w.webhook_secret = integrations.webhook_secret_for("postmart")
                yield w
                for web, _ in w.web.values():
                    await web.aclose()
            finally:
                if pooled:
                    await Product._meta.db.close_connection_pool()
    finally:
        for sim in sims:
            sim.close()
        await _truncate()
        shutil.rmtree(RUN_DIR / "media", ignore_errors=True)


# ---------------------------------------------------------------- path parameters


def _job(w: World, path: str, fresh: bool):
    return w.a("import_job") if "household" in path else w.a("sync_job")


def _listing(w: World, path: str, fresh: bool):
    return w.a("declared") if "declared" in path else w.a("listing")


def _marketplace(w: World, path: str, fresh: bool):
    return "voso" if path.startswith("/marketplace-accounts") else "postmart"


def _code(w: World, path: str, fresh: bool):
    if path.startswith("/lang/"):
        return "en"
    return "31" if "/provinces/" in path else CAT_HAI


async def _fresh_account(w: World) -> int:
    """A household account of its own, for the routes that lock one."""
    return (await w.accounts.household(name="Hộ Bị Khóa")).me["id"]


async def _message(w: World) -> int:
    """A message to A's household (a new order), as the order desk's event makes one."""
    number = next(_seq)
    async with write_transaction():
        await publish_event(
            OrderReceived(
                order_id=100_000 + number,
                marketplace="voso",
                order_ref=f"VS-{MARKER}-{number}",
                household_id=w.a("household"),
                cooperative_id=None,
                status="placed",
                amount_vnd=10_000,
            )
        )
    row = await Message.select(Message.id).order_by(Message.id, ascending=False).first()
    assert row is not None
    return row["id"]


PUSH_KEYS = {"p256dh": "B" + "x" * 86, "auth": "a" * 22}


# name -> (world, path, fresh) -> value, or a coroutine for a fresh record of a destructive route.
PARAMS: dict[str, Callable] = {
    "product_id": lambda w, path, fresh: (
        w.a("paid_product")
        if "vietqr" in path
        else _fresh_product(w)
        if fresh and "photo" not in path
        else w.a("product")
    ),
    "photo_id": lambda w, path, fresh: _fresh_photo(w) if fresh else w.a("photo"),
    "coop_id": lambda w, path, fresh: w.a("coop"),
    # Removing a member over the API aims at another member for every cell: A's own id is A leaving.
    "household_id": lambda w, path, fresh: (
        _fresh_member(w) if fresh or path.startswith("/api/v1/cooperatives/") else w.a("household")
    ),
    "invitation_id": lambda w, path, fresh: _fresh_invitation(w) if fresh else w.a("invitation"),
    "claim_id": lambda w, path, fresh: _fresh_claim(w) if fresh else w.a("claim"),
    "job_id": _job,
    "listing_id": _listing,
    "area_id": lambda w, path, fresh: w.a("area"),
    "facility_id": lambda w, path, fresh: w.a("facility"),
    "batch_id": lambda w, path, fresh: w.a("batch"),
    "partner_id": lambda w, path, fresh: _fresh_partner(w),
    "issue_id": lambda w, path, fresh: w.a("issue"),
    "serial": lambda w, path, fresh: w.a("serial"),
    # A Digital Link path after /01/: the GTIN, the lot and a stamp of A's.
    "tail": lambda w, path, fresh: f"{GTIN}/10/{w.a('lot')}/21/{w.a('serial')}",
    "marketplace": _marketplace,
    "code": _code,
    "owner": lambda w, path, fresh: f"h{w.a('household')}",
    "training_id": lambda w, path, fresh: w.a("training"),
    "order_id": lambda w, path, fresh: w.a("order"),
    "action_id": lambda w, path, fresh: w.a("order_action"),
    "message_id": lambda w, path, fresh: _message(w),
    "user_id": lambda w, path, fresh: _fresh_account(w),
    "purpose": lambda w, path, fresh: "training_messages",
}
# Routes whose allowed request removes its record: each allowed cell gets a fresh one.
DESTRUCTIVE = {
    ("DELETE", "/api/v1/products/{product_id:int}"),
    ("DELETE", "/api/v1/products/{product_id:int}/photos/{photo_id:int}"),
    ("DELETE", "/api/v1/cooperatives/{coop_id:int}/members/{household_id:int}"),
    ("POST", "/coop/members/{household_id:int}/remove"),
    ("DELETE", "/api/v1/cooperatives/{coop_id:int}/invitations/{invitation_id:int}"),
    ("POST", "/api/v1/cooperatives/{coop_id:int}/invitations/{invitation_id:int}/approve"),
    ("POST", "/coop/invitations/{invitation_id:int}/cancel"),
    ("POST", "/coop-register/{coop_id:int}/invitations/{invitation_id:int}/approve"),
    ("POST", "/api/v1/account-claims/{claim_id:int}/confirm"),
    ("POST", "/api/v1/account-claims/{claim_id:int}/reject"),
    ("POST", "/coop-register/claims/{claim_id:int}/confirm"),
    ("POST", "/coop-register/claims/{claim_id:int}/reject"),
    ("DELETE", "/api/v1/batches/{batch_id:int}/partners/{partner_id:int}"),
    ("POST", "/batches/{batch_id:int}/partners/{partner_id:int}/delete"),
}


async def concrete(w: World, path: str, fresh: bool) -> str:
    parts = {}
    for name in re.findall(r"\{(\w+)(?::\w+)?\}", path):
        if name not in PARAMS:
            pytest.fail(f"{path}: add a record builder for {{{name}}} to PARAMS")
        value = PARAMS[name](w, path, fresh)
        parts[name] = await value if hasattr(value, "__await__") else value
    return re.sub(r"\{(\w+)(?::\w+)?\}", lambda m: str(parts[m.group(1)]), path)


# ---------------------------------------------------------------- request bodies


def _dates() -> dict:
    today = clock.today()
    return {
        "harvest_date": (today - timedelta(days=2)).isoformat(),
        "pack_date": (today - timedelta(days=1)).isoformat(),
    }


def _new_product(w: World) -> dict:
    return {"name": "Rau muống", "category": "rau_cu", "unit": "bo", "price_vnd": 15000, "stock": 3}


def _new_area(w: World) -> dict:
    return {"name": "Vườn mới", "crop": "Na", "area_ha": 1.5, "commune_code": CAT_HAI}


def _new_batch(w: World) -> dict:
    return {
        "product_id": w.a("product"),
        "growing_area_id": w.a("area"),
        "lot_code": f"LO-{next(_seq)}",
        "quantity": 10,
        "unit": "kg",
        **_dates(),
    }


def _partner() -> dict:
    return {"direction": "recipient", "kind": "buyer", "name": f"Chợ {MARKER}", "on_date": "2026-11-02"}


def _webhook(w: World) -> dict:
    body = json.dumps({"external_id": "not-ours", "status": "live"}).encode()
    signature = sign(w.webhook_secret, body, int(time.time()))
    return {"content": body, "headers": {"x-signature": signature, "content-type": "application/json"}}


def _zalo_event(w: World) -> dict:
    """A signed Zalo delivery receipt for no message of ours (counted: false)."""
    stamp = str(int(time.time() * 1000))
    event = {"app_id": DEV_ZALO_APP_ID, "event_name": "user_received_message", "timestamp": stamp}
    body = json.dumps(event | {"message": {"msg_id": "zns-none", "tracking_id": ""}}).encode()
    signature = zalo.receipt_signature(DEV_ZALO_APP_ID, body, stamp, DEV_ZALO_OA_SECRET)
    return {
        "content": body,
        "headers": {zalo.SIGNATURE_HEADER: signature, "content-type": "application/json"},
    }


BANK_ACCOUNT = {"bank_bin": "970405", "account_number": "1500205123456", "account_name": "Nguyễn Văn Mới"}

# (method, path) -> world -> request keyword arguments (json / data / files / params / content).
REQUESTS: dict[tuple[str, str], Callable[[World], dict]] = {
    ("POST", "/api/v1/auth/code"): lambda w: {"json": {"phone": new_phone()}},
    ("POST", "/login/code"): lambda w: {"data": {"phone": new_phone()}},
    # No code can be known here: a malformed one is the answer a form gives (422).
    ("POST", "/login/code/sign-in"): lambda w: {"data": {"phone": new_phone(), "code": "12"}},
    ("POST", "/api/v1/auth/login"): lambda w: {
        "json": {"phone": w.api["household_own"].phone, "password": PASSWORD}
    },
    ("POST", "/api/v1/auth/register"): lambda w: {
        "json": {
            "phone": new_phone(),
            "password": PASSWORD,
            "full_name": "Lê Thị Mới",
            "commune_code": CAT_HAI,
        }
    },
    ("POST", "/login"): lambda w: {"data": {"phone": w.api["household_own"].phone, "password": PASSWORD}},
    ("POST", "/register"): lambda w: {
        "data": {
            "full_name": "Lê Thị Mới",
            "phone": new_phone(),
            "password": PASSWORD,
            "province": "31",
            "commune_code": CAT_HAI,
        }
    },
    ("GET", "/api/v1/areas/communes/search"): lambda w: {"params": {"q": "cat hai"}},
    ("GET", "/areas/commune-options"): lambda w: {"params": {"province": "31"}},
    ("GET", "/api/v1/products"): lambda w: {"params": {"owner_household_id": w.a("household")}},
    ("POST", "/api/v1/products"): lambda w: {
        "json": _new_product(w) | {"owner_household_id": w.a("household")}
    },
    ("PATCH", "/api/v1/products/{product_id:int}"): lambda w: {"json": {"stock": 7}},
    ("POST", "/api/v1/products/{product_id:int}/photos"): lambda w: {
        "files": {"photo": ("a.jpg", _jpeg(), "image/jpeg")}
    },
    ("PUT", "/api/v1/products/{product_id:int}/suppliers"): lambda w: {
        "json": {"household_ids": [w.a("household")]}
    },
    ("POST", "/products/{product_id:int}/price"): lambda w: {"data": {"price_vnd": "16000"}},
    ("POST", "/products/{product_id:int}/stock"): lambda w: {"data": {"delta": "1"}},
    ("POST", "/products/new"): lambda w: {
        "data": {k: str(v) for k, v in _new_product(w).items()} | {"owner": str(w.a("household"))}
    },
    ("POST", "/api/v1/cooperatives"): lambda w: {
        "json": {"name": "HTX Mới", "tax_code": tax_code(next(_seq) + 900), "commune_code": CAT_HAI}
    },
    ("POST", "/api/v1/cooperatives/{coop_id:int}/members"): lambda w: {
        "json": {"phone": new_phone(), "head_name": "Hộ Thêm Mới"}
    },
    ("POST", "/coop"): lambda w: {
        "data": {"name": "HTX Mới", "tax_code": tax_code(next(_seq) + 900), "commune_code": CAT_HAI}
    },
    ("POST", "/coop/members"): lambda w: {"data": {"phone": new_phone(), "head_name": "Hộ Thêm Mới"}},
    # B lives in another province: the invitation waits for an officer (a second one is a 409).
    ("POST", "/api/v1/cooperatives/{coop_id:int}/invitations"): lambda w: {
        "json": {"phone": w.api["household_foreign"].phone}
    },
    ("POST", "/coop/invitations"): lambda w: {"data": {"invite_phone": w.api["household_foreign"].phone}},
    ("POST", "/api/v1/cooperatives/{coop_id:int}/status"): lambda w: {"json": {"status": "verified"}},
    ("POST", "/coop-register/{coop_id:int}/status"): lambda w: {"data": {"status": "verified"}},
    ("POST", "/api/v1/account-claims/{claim_id:int}/confirm"): lambda w: {
        "json": {"code": w.a("claim_code")}
    },
    ("POST", "/coop-register/claims/{claim_id:int}/confirm"): lambda w: {"data": {"code": w.a("claim_code")}},
    ("POST", "/api/v1/household-imports"): lambda w: {"files": {"file": ("ho.csv", _import_csv())}},
    ("POST", "/households/import"): lambda w: {"files": {"file": ("ho.csv", _import_csv())}},
    ("GET", "/api/v1/indicators"): lambda w: {"params": {"area": "31"}},
    ("GET", "/api/v1/households"): lambda w: {"params": {"area": "31"}},
    ("GET", "/households"): lambda w: {"params": {"area": "31"}},
    ("GET", "/households/export.csv"): lambda w: {
        "params": {"area": "31", "reason": "Gọi mời hộ dự tập huấn tháng 12"}
    },
    ("GET", "/api/v1/households/export.csv"): lambda w: {
        "params": {"area": "31", "reason": "Gọi mời hộ dự tập huấn tháng 12"}
    },
    ("GET", "/api/v1/indicators/export.csv"): lambda w: {"params": {"area": "31"}},
    ("GET", "/api/v1/indicators/export.xlsx"): lambda w: {"params": {"area": "31"}},
    ("GET", "/indicators"): lambda w: {"params": {"area": "31"}},
    ("GET", "/indicators/export.csv"): lambda w: {"params": {"area": "31"}},
    ("GET", "/indicators/export.xlsx"): lambda w: {"params": {"area": "31"}},
    ("GET", "/api/v1/declared-listings"): lambda w: {"params": {"household_id": w.a("household")}},
    ("POST", "/api/v1/declared-listings"): lambda w: {
        "json": {
            "marketplace": "tiktok_shop",
            "shop_url": "https://tiktok.com/@ho-moi",
            "from_date": "2026-02-01",
            "household_id": w.a("household"),
        }
    },
    ("PATCH", "/api/v1/declared-listings/{listing_id:int}"): lambda w: {"json": {"to_date": None}},
    ("POST", "/api/v1/growing-areas"): lambda w: {
        "json": _new_area(w) | {"owner_household_id": w.a("household")}
    },
    ("POST", "/api/v1/growing-areas/{area_id:int}/status"): lambda w: {
        "json": {"status": "verified", "reason": ""}
    },
    ("POST", "/api/v1/packing-facilities"): lambda w: {
        "json": {
            "name": f"Nhà đóng gói {MARKER} 2",
            "commune_code": CAT_HAI,
            "owner_household_id": w.a("household"),
        }
    },
    ("POST", "/api/v1/packing-facilities/{facility_id:int}/status"): lambda w: {
        "json": {"status": "verified", "reason": ""}
    },
    ("POST", "/packing-facilities/new"): lambda w: {
        "data": {"name": f"Xưởng {MARKER}", "commune_code": CAT_HAI, "owner": str(w.a("household"))}
    },
    ("POST", "/packing-facilities/{facility_id:int}/status"): lambda w: {
        "data": {"status": "verified", "reason": ""}
    },
    ("POST", "/areas/new"): lambda w: {
        "data": {k: str(v) for k, v in _new_area(w).items()} | {"owner": str(w.a("household"))}
    },
    ("POST", "/areas/{area_id:int}/status"): lambda w: {"data": {"status": "verified", "reason": ""}},
    ("POST", "/api/v1/batches"): lambda w: {"json": _new_batch(w)},
    ("POST", "/api/v1/batches/{batch_id:int}/events"): lambda w: {"json": {"kind": "irrigation"}},
    ("PATCH", "/api/v1/batches/{batch_id:int}"): lambda w: {"json": {"brand": "Na Zqxa"}},
    ("POST", "/api/v1/batches/{batch_id:int}/partners"): lambda w: {"json": _partner()},
    ("POST", "/batches/{batch_id:int}/partners"): lambda w: {"data": _partner()},
    ("POST", "/batches/{batch_id:int}/labels"): lambda w: {
        "data": {"brand": "Na Zqxa", "standards": "TCCS 01:2026"}
    },
    ("POST", "/api/v1/batches/{batch_id:int}/clear"): lambda w: {"json": {"reason": "Đã kiểm tra lại"}},
    ("POST", "/api/v1/batches/{batch_id:int}/scan-review"): lambda w: {
        "json": {"reason": "Quét thử, tem thật"}
    },
    ("POST", "/api/v1/batches/{batch_id:int}/stamps"): lambda w: {"json": {"count": 1}},
    ("POST", "/api/v1/stamps/revoke"): lambda w: {
        "json": {"reason": "Tem hỏng", "serial": w.a("serial_to_revoke")}
    },
    ("POST", "/batches/new"): lambda w: {"data": {k: str(v) for k, v in _new_batch(w).items()}},
    ("POST", "/batches/{batch_id:int}/events"): lambda w: {"data": {"kind": "irrigation"}},
    ("POST", "/batches/{batch_id:int}/clear"): lambda w: {"data": {"reason": "Đã kiểm tra lại"}},
    ("POST", "/batches/{batch_id:int}/scan-review"): lambda w: {"data": {"reason": "Quét thử, tem thật"}},
    ("POST", "/batches/{batch_id:int}/stamps/new"): lambda w: {"data": {"count": "1", "label_size": "30x40"}},
    ("POST", "/batches/{batch_id:int}/stamps/revoke"): lambda w: {
        "data": {"scope": "one", "serial": w.a("serial_to_revoke"), "reason": "Tem hỏng"}
    },
    ("POST", "/api/v1/marketplace-accounts"): lambda w: {
        "json": {
            "marketplace": "voso",
            "shop_id": "shop-2",
            "credentials": demo_credentials("voso", "shop-2"),
        }
    },
    ("POST", "/marketplace-accounts/{marketplace:str}"): lambda w: {
        "data": {"shop_id": "shop-2", **demo_credentials("voso", "shop-2")}
    },
    ("POST", "/api/v1/products/{product_id:int}/listings"): lambda w: {"json": {"marketplace": "postmart"}},
    ("PUT", "/api/v1/bank-account"): lambda w: {"json": BANK_ACCOUNT},
    ("POST", "/bank-account"): lambda w: {"data": BANK_ACCOUNT},
    ("PUT", "/api/v1/listings/{listing_id:int}/share"): lambda w: {
        "json": {"share_percent": 50, "reserve_units": 1}
    },
    ("POST", "/listings/{listing_id:int}/share"): lambda w: {
        "data": {"share_percent": "50", "reserve_units": "1"}
    },
    ("POST", "/api/v1/webhooks/{marketplace:str}"): _webhook,
    ("POST", "/api/v1/channels/zalo/events"): _zalo_event,
    ("POST", "/api/v1/trace/{serial:str}/pin"): lambda w: {"json": {"pin": "123456"}},
    ("POST", "/t/{serial:str}"): lambda w: {"data": {"pin": "123456"}},
    ("POST", "/T/{serial:str}"): lambda w: {"data": {"pin": "123456"}},
    ("POST", "/api/v1/trainings"): lambda w: {"json": _training(w)},
    ("POST", "/api/v1/push-subscriptions"): lambda w: {
        "json": {"endpoint": f"https://fcm.googleapis.com/fcm/send/{next(_seq)}", "keys": PUSH_KEYS}
    },
    ("POST", "/api/v1/push-subscriptions/remove"): lambda w: {
        "json": {"endpoint": "https://fcm.googleapis.com/fcm/send/gone"}
    },
    ("POST", "/messages/push-subscription"): lambda w: {
        "data": {"endpoint": f"https://fcm.googleapis.com/fcm/send/{next(_seq)}", **PUSH_KEYS}
    },
    ("POST", "/messages/push-subscription/remove"): lambda w: {
        "data": {"endpoint": "https://fcm.googleapis.com/fcm/send/gone"}
    },
    ("PUT", "/api/v1/messages/preferences"): lambda w: {"json": {"channel": "zalo", "muted_kinds": []}},
    ("PUT", "/api/v1/me/consents"): lambda w: {"json": {"granted": ["training_messages"]}},
    ("POST", "/api/v1/me/confirm"): lambda w: {"json": {"password": PASSWORD}},
    ("POST", "/privacy/consent"): lambda w: {"data": {"granted": "training_messages"}},
    ("POST", "/privacy/consents/{purpose:str}"): lambda w: {"data": {"granted": "1"}},
    ("POST", "/my-data/confirm"): lambda w: {"data": {"password": PASSWORD}},
    ("POST", "/messages/preferences"): lambda w: {"data": {"channel": "zalo"}},
    ("POST", "/trainings"): lambda w: {
        "data": {k: "\n".join(v) if k == "phones" else v for k, v in _training(w).items()}
        | {"province": "31"}
    },
    ("POST", "/api/v1/orders/{order_id:int}/cancel"): lambda w: {"json": {"reason": "out_of_stock"}},
    ("POST", "/api/v1/orders/{order_id:int}/cancellation"): lambda w: {"json": {"accept": True}},
    ("POST", "/api/v1/orders/{order_id:int}/ship"): lambda w: {"json": {"method": "dropoff"}},
    ("POST", "/api/v1/trainings/{training_id:int}/attendance"): lambda w: {
        "files": {"file": ("diem-danh.csv", f"Số điện thoại\n{w.api['household_own'].phone}\n".encode())}
    },
}


# ---------------------------------------------------------------- the check


def _is_login_redirect(response: httpx.Response) -> bool:
    return response.is_redirect and response.headers.get("location", "").startswith("/login")


def verdict(expected: str, method: str, response: httpx.Response, lists: bool) -> str | None:
    """None when the answer matches the expectation, else what is wrong.

    ``lists``: the route lists rows, so an allowed 200 must show A's records ("hidden": must not).
    """
    status = response.status_code
    if expected == "read":
        expected = "allow" if method == "GET" else "403"
    if expected == "login":
        return None if _is_login_redirect(response) else f"expected a redirect to /login, got {status}"
    if expected in ("401", "403", "404"):
        if status == int(expected):
            return None
        hint = " (a validation answer: give the route a valid request in REQUESTS)" if status == 422 else ""
        return f"expected {expected}, got {status}{hint}"
    if status >= 500 or status in (401, 403, 404) or _is_login_redirect(response):
        return f"expected {expected}, got {status}"
    if status >= 400 and status not in (400, 409, 422):
        return f"expected {expected}, got {status}"
    shown = MARKER in response.text
    if expected == "hidden" and (status >= 300 or shown):
        return (
            f"expected {expected} (200 without A's records), got {status}{' showing them' if shown else ''}"
        )
    if expected == "allow" and lists and method == "GET" and status == 200 and not shown:
        return "allowed, but A's records are missing from the answer"
    return None


async def call(w: World, cell: str, method: str, path: str, url: str) -> httpx.Response:
    kwargs = REQUESTS.get((method, path), lambda w: {})(w)
    is_api = path.startswith("/api/")
    if is_api:
        client = w.client
        session = w.api[cell]
        if path == "/api/v1/auth/logout" and session is not None:
            session = await w.accounts.login(session.phone)  # logging out spends the token
        headers = (session.headers if session else {}) | kwargs.pop("headers", {})
        if method != "GET" and not {"json", "files", "content"} & kwargs.keys():
            kwargs["json"] = {}
    else:
        client, token = w.web[cell]
        if (method, path) in (("POST", "/login"), ("POST", "/register")):
            # A throwaway client: signing in (or registering, which signs in) must not leave this
            # cell's client (anonymous!) signed in for the routes after it, such as /trainings.
            async with httpx.AsyncClient(transport=client._transport, base_url=BASE) as fresh:
                token = csrf((await fresh.get("/login")).text)
                data = kwargs.get("data", {}) | {"_csrf_token": token}
                return await fresh.request(method, url, follow_redirects=False, data=data)
        headers = {}
        if method != "GET":
            kwargs["data"] = kwargs.get("data", {}) | {"_csrf_token": token}
    return await client.request(method, url, headers=headers, follow_redirects=False, **kwargs)


def _order(access: Access) -> list[str]:
    """Denials first, so an allowed write (or delete) never spoils a later cell's record."""
    return sorted(CELLS, key=lambda cell: getattr(access, cell) in ("allow", "read"))


ROUTES = sorted(key for key in MATRIX if not key[1].startswith(SKIPPED_PREFIXES))
# Routes whose allowed answer ends A's membership of C: A joins again for the routes after it.
REJOIN = {("POST", "/cooperative/leave")}


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
async def test_every_cell(world, method, path):
    access = MATRIX[(method, path)]
    cells = ["anonymous"] if access == PUBLIC else _order(access)
    failures = []
    for cell in cells:
        expected = getattr(access, cell)
        fresh = (method, path) in DESTRUCTIVE and expected in ("allow", "read")
        url = await concrete(world, path, fresh)
        response = await call(world, cell, method, path, url)
        problem = verdict(expected, method, response, lists="hidden" in dataclasses.astuple(access))
        if (method, path) in REJOIN and cell == "household_own" and not problem:
            await world.accounts.join(world.api["coop_manager_member"], world.a("coop"), world.api[cell])
        if problem:
            failures.append(f"{cell}: {problem} — {response.text[:200]!r}")
    assert not failures, f"{method} {url}\n" + "\n".join(failures)
