"""Batches made straight with the tables, for the stamp and scan tests."""

from __future__ import annotations

import io
import itertools
import zipfile
from datetime import UTC, date, datetime

import pypdfium2
import zxingcpp
from PIL import Image

from agrimarket.tables import ProductPhoto
from tests.factories import CAT_HAI
from traceability.tables import Batch, BatchEvent, GrowingArea

BASE = "HTTP://TESTSERVER.LOCAL/T/"
_codes = itertools.count(1)


async def make_batch(
    accounts,
    session=None,
    *,
    code: str | None = "auto",
    flagged=False,
    expiry=None,
    gtin=None,
    lot="LO-01",
    complete=True,
):
    """(session, product, batch id) for a household's product grown in one of its areas; ``complete``
    adds what the minimum data set requires beyond that (a product photo, a harvest in the diary)."""
    session = session or await accounts.household()
    code = f"VN-HP-{next(_codes):04d}" if code == "auto" else code
    extra = {"gtin": gtin} if gtin else {}
    product = await accounts.product(
        session, name="Bưởi da xanh Cát Hải", certifications=["vietgap"], **extra
    )
    now = datetime.now(UTC)
    area = GrowingArea(
        name="Vườn bưởi Đồng Bài",
        crop="Bưởi",
        area_ha=1.5,
        commune=CAT_HAI,
        owner_household=session.me["household_id"],
        official_code=code,
        status="verified" if code else "unverified",
        created_at=now,
    )
    await area.save()
    batch = Batch(
        product=product["id"],
        growing_area=area.id,
        lot_code=lot,
        owner_lot_key=f"h:{session.me['household_id']}/{lot}/{area.id}",
        harvest_date=date(2026, 11, 1),
        pack_date=date(2026, 11, 2),
        quantity=500,
        unit="kg",
        expiry_date=expiry,
        flagged=flagged,
        flag_reason="thu hoạch trong thời gian cách ly" if flagged else "",
        created_at=now,
    )
    await batch.save()
    if complete:
        photo = ProductPhoto(
            product=product["id"],
            image_key="p/buoi.webp",
            thumb_key="t/buoi.webp",
            width=1,
            height=1,
            created_at=now,
        )
        await photo.save()
        harvest = datetime(2026, 11, 1, 3, tzinfo=UTC)
        await BatchEvent(batch=batch.id, kind="harvesting", occurred_at=harvest, created_at=now).save()
    return session, product, batch.id


async def issue(client, session, batch_id: int, count: int, label_size: str = "30x40"):
    return await client.post(
        f"/api/v1/batches/{batch_id}/stamps",
        json={"count": count, "label_size": label_size},
        headers=session.headers,
    )


async def media_bytes(client, url: str) -> bytes:
    response = await client.get(url.replace("http://testserver.local", ""))
    assert response.status_code == 200, url
    return response.content


def pdf_codes(pdf: bytes, pages: list[int] | None = None) -> list[str]:
    document = pypdfium2.PdfDocument(pdf)
    found: list[str] = []
    for index in pages if pages is not None else range(len(document)):
        image = document[index].render(scale=200 / 72).to_pil()
        found += _one_per_symbol(zxingcpp.read_barcodes(image))
    return found


def _one_per_symbol(codes) -> list[str]:
    """The decoded texts, one per printed symbol.

    zxing-cpp now and then reports one QR code twice, at nearly the same place (a CI run read 97
    codes off 96 labels); the same text elsewhere on the page is a second label and is kept.
    """
    kept: list[tuple[str, float, float, float]] = []
    for code in codes:
        corners = code.position
        x = (corners.top_left.x + corners.bottom_right.x) / 2
        y = (corners.top_left.y + corners.bottom_right.y) / 2
        size = abs(corners.top_right.x - corners.top_left.x)
        if not any(
            text == code.text and abs(x - kx) < ksize and abs(y - ky) < ksize for text, kx, ky, ksize in kept
        ):
            kept.append((code.text, x, y, size))
    return [text for text, *_ in kept]


def zip_codes(archive: bytes, every: int = 1) -> dict[str, str]:
    """PNG name -> decoded text, for every n-th PNG in the ZIP."""
    out = {}
    with zipfile.ZipFile(io.BytesIO(archive)) as z:
        for name in z.namelist()[::every]:
            codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(z.read(name))))
            out[name] = codes[0].text if codes else ""
    return out
