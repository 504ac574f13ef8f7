"""Photo uploads through the API: re-encoded, limited, never half-written."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from agrimarket.products.photos import MAX_PHOTOS
from agrimarket.tables import ProductPhoto


def jpeg(width: int = 640, height: int = 480, orientation: int | None = None, gps: bool = False) -> bytes:
    image = Image.new("RGB", (width, height), (40, 160, 60))
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    if gps:
        exif[0x8825] = {1: "N", 2: (20.0, 48.0, 0.0), 3: "E", 4: (106.0, 59.0, 0.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


async def _upload(
    client, session, product_id: int, data: bytes, name: str = "photo.jpg", mime: str = "image/jpeg"
):
    return await client.post(
        f"/api/v1/products/{product_id}/photos", files={"photo": (name, data, mime)}, headers=session.headers
    )


async def test_photo_is_reencoded_upright_without_metadata(client, accounts, settings):
    farmer = await accounts.household()
    product = await accounts.product(farmer)
    response = await _upload(client, farmer, product["id"], jpeg(640, 480, orientation=6, gps=True))
    assert response.status_code == 201, response.text
    photo = response.json()["photos"][0]
    assert (photo["width"], photo["height"]) == (480, 640)  # EXIF rotation applied
    served = await client.get(photo["url"].removeprefix(settings.public_base_url))
    assert served.status_code == 200
    stored = Image.open(io.BytesIO(served.content))
    assert stored.format == "WEBP"
    assert stored.size == (480, 640)
    assert not stored.getexif()
    assert b"Exif" not in served.content and b"GPS" not in served.content
    thumb = Image.open(
        io.BytesIO((await client.get(photo["thumb_url"].removeprefix(settings.public_base_url))).content)
    )
    assert max(thumb.size) == 400


async def test_bad_uploads_are_refused_and_leave_nothing(client, accounts, settings):
    farmer = await accounts.household()
    product = await accounts.product(farmer)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    whole = jpeg()
    cases = [
        (svg, "x.svg", "image/svg+xml", 415),
        (b"hello, not an image", "x.jpg", "image/jpeg", 415),
        (whole[: len(whole) // 2], "half.jpg", "image/jpeg", 422),
        (b"\xff" * (10 * 1024 * 1024 + 10), "big.jpg", "image/jpeg", 413),
    ]
    for data, name, mime, status in cases:
        response = await _upload(client, farmer, product["id"], data, name, mime)
        assert response.status_code == status, (name, response.text)
        assert response.json()["error"]["message"]  # Vietnamese, actionable
    assert await ProductPhoto.count() == 0
    media = Path(settings.media_dir)
    assert not list(media.rglob(f"products/{product['id']}/*"))


async def test_at_most_eight_photos(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer)
    small = jpeg(64, 48)
    for _ in range(MAX_PHOTOS):
        assert (await _upload(client, farmer, product["id"], small)).status_code == 201
    response = await _upload(client, farmer, product["id"], small)
    assert response.status_code == 409
    assert "tối đa 8 ảnh" in response.json()["error"]["message"]


async def test_delete_photo_removes_files(client, accounts, settings):
    farmer = await accounts.household()
    product = await accounts.product(farmer)
    photo = (await _upload(client, farmer, product["id"], jpeg())).json()["photos"][0]
    stranger = await accounts.household()
    url = f"/api/v1/products/{product['id']}/photos/{photo['id']}"
    assert (await client.delete(url, headers=stranger.headers)).status_code == 404
    assert (await client.delete(url, headers=farmer.headers)).status_code == 204
    assert (await client.get(photo["url"].removeprefix(settings.public_base_url))).status_code == 404
    assert await ProductPhoto.count() == 0
