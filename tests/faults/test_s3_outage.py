"""S3 unreachable for a while: uploads answer 503 fast, pages still work, nothing half-written, and
uploads work again once S3 is back, with no app restart.

The app runs with MEDIA_STORAGE=s3 against moto's S3 server on a fixed port, which is stopped and
then started again on the same port (moto keeps its objects in this process, like a real S3 that
was only unreachable).
"""

from __future__ import annotations

import asyncio
import dataclasses
import socket
import time
from collections.abc import Iterator

import boto3
import pytest
from litestar.testing import AsyncTestClient
from moto.server import ThreadedMotoServer

from agrimarket import health
from agrimarket.app import create_app
from agrimarket.media.storage import S3Storage, StorageUnavailable
from agrimarket.settings import S3Settings
from agrimarket.tables import Product, ProductPhoto
from tests.faults.traffic import PHOTO, STORAGE_DOWN_VI, assert_clean_503, post_listing_form, web_login
from tests.scale_out.processes import free_port

BUCKET = "fault-media"
FAST_S = 5.0  # an unreachable S3 must not hold a request longer than this


def s3_settings(endpoint: str) -> S3Settings:
    return S3Settings(
        endpoint_url=endpoint,
        bucket=BUCKET,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
        public_url="",
    )


class RestartableS3:
    """moto's S3 on one port that can be stopped and started again."""

    def __init__(self) -> None:
        self.port = free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.server: ThreadedMotoServer | None = None

    def start(self) -> None:
        self.server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self.server.start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None

    def keys(self) -> set[str]:
        s3 = boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return {item["Key"] for item in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


@pytest.fixture
def s3() -> Iterator[RestartableS3]:
    server = RestartableS3()
    server.start()
    yield server
    server.stop()


async def _timed(request):
    started = time.monotonic()
    response = await request
    return response, time.monotonic() - started


async def _photo_keys() -> set[str]:
    rows = await ProductPhoto.select(ProductPhoto.image_key, ProductPhoto.thumb_key)
    return {key for row in rows for key in (row["image_key"], row["thumb_key"])}


async def test_s3_outage_gives_fast_503s_keeps_pages_and_heals(settings, s3):
    app = create_app(dataclasses.replace(settings, media_storage="s3", s3=s3_settings(s3.endpoint)))
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        from tests.factories import Accounts

        farmer = await Accounts(client).household()
        await web_login(client, farmer.phone)
        product = (await Accounts(client).product(farmer, name="Bưởi da xanh"))["id"]
        photos_url = f"/api/v1/products/{product}/photos"
        for _ in range(2):
            upload = await client.post(
                photos_url, files={"photo": ("a.jpg", PHOTO, "image/jpeg")}, headers=farmer.headers
            )
            assert upload.status_code == 201, upload.text
        first, second = upload.json()["photos"]

        s3.stop()
        # Uploads: a clean 503 within seconds, API and form alike, and nothing recorded.
        refused, took = await _timed(
            client.post(photos_url, files={"photo": ("b.jpg", PHOTO, "image/jpeg")}, headers=farmer.headers)
        )
        assert_clean_503(refused, STORAGE_DOWN_VI)
        assert took < FAST_S, took
        form, took = await _timed(post_listing_form(client, "Rau muống lúc S3 hỏng"))
        assert_clean_503(form, STORAGE_DOWN_VI)
        assert "Rau muống lúc S3 hỏng" in form.text  # the form comes back filled in, ready to resend
        assert took < FAST_S, took
        assert not await Product.exists().where(Product.name == "Rau muống lúc S3 hỏng")
        assert await ProductPhoto.count().where(ProductPhoto.product == product) == 2
        # Pages only need photo URLs: they still work, and show the photos.
        for path in (f"/p/{product}", "/products"):
            page = await client.get(path)
            assert page.status_code == 200 and _key(first["url"]).removesuffix(".webp") in page.text, path
        read = await client.get(f"/api/v1/products/{product}", headers=farmer.headers)
        assert read.status_code == 200 and len(read.json()["photos"]) == 2
        # A product without a photo needs no storage at all.
        plain = await client.post(
            "/api/v1/products/", json=_api_product("Rau không ảnh"), headers=farmer.headers
        )
        assert plain.status_code == 201, plain.text
        # Deleting a photo is done once its row is gone: the object left behind is only an orphan.
        removed = await client.delete(f"{photos_url}/{second['id']}", headers=farmer.headers)
        assert removed.status_code == 204, removed.text
        orphan = {_key(second["url"]), _key(second["thumb_url"])}
        # The load balancer is told, within the probe's deadline.
        ready, took = await _timed(client.get("/readyz"))
        assert ready.status_code == 503 and took < health.CHECK_TIMEOUT_S + 1
        body = ready.json()
        assert body["database"] == "ok" and body["storage"].startswith("error"), body

        await asyncio.sleep(2)  # a realistic few seconds of outage, then S3 is back on the same port
        s3.start()
        assert (await client.get("/readyz")).status_code == 200
        again = await client.post(
            photos_url, files={"photo": ("c.jpg", PHOTO, "image/jpeg")}, headers=farmer.headers
        )
        assert again.status_code == 201, again.text
        form = await post_listing_form(client, "Rau muống sau sự cố")
        assert form.status_code == 302, form.text[:300]
        assert await Product.exists().where(Product.name == "Rau muống sau sự cố")

        # Every photo row has its objects; the only object without a row is the deleted photo's.
        rows, objects = await _photo_keys(), s3.keys()
        assert rows <= objects, rows - objects
        assert objects - rows == orphan


async def test_hung_s3_never_blocks_the_event_loop_and_the_probe_keeps_its_deadline():
    """A store that accepts connections and never answers: the loop keeps serving meanwhile."""
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)
        endpoint = f"http://127.0.0.1:{hung.getsockname()[1]}"
        storage = S3Storage(s3_settings(endpoint), read_timeout=0.5, max_attempts=1)
        upload = asyncio.create_task(storage.put("products/1/x.webp", PHOTO, "image/webp"))
        ticks, started = 0, time.monotonic()
        while not upload.done():
            await asyncio.sleep(0.05)
            ticks += 1
        elapsed = time.monotonic() - started
        with pytest.raises(StorageUnavailable):
            upload.result()
        assert ticks >= elapsed / 0.05 * 0.5, "the event loop was blocked while boto3 waited"
        # The readiness probe answers at its deadline even though the probe's thread still waits.
        started = time.monotonic()
        assert await health._check(storage.check) in ("error: timeout", "error: StorageUnavailable")
        assert time.monotonic() - started < health.CHECK_TIMEOUT_S + 0.5


def _api_product(name: str) -> dict:
    return {"name": name, "category": "rau_cu", "unit": "bo", "price_vnd": 15000, "stock": 20}


def _key(url: str) -> str:
    return url.split(f"/{BUCKET}/", 1)[1]
