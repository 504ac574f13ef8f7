"""The public product page's reads: pages asked for at the same moment share one query."""

from __future__ import annotations

import asyncio
import contextvars

from agrimarket.errors import NotFound
from agrimarket.products import service
from agrimarket.products.service import PUBLIC_READS
from agrimarket.tables import Product, ProductPhoto


async def test_public_pages_asked_for_together_are_read_in_one_query_each_with_its_own_rows(
    client, accounts, monkeypatch
):
    farmer = await accounts.household()
    first, second, archived = [
        (await accounts.product(farmer, name=f"Bưởi loại {n}"))["id"] for n in range(3)
    ]
    for n in range(2):  # photos of the first product only
        await ProductPhoto(
            product=first, position=n, image_key=f"p/{n}.webp", thumb_key=f"p/{n}-t.webp", width=4, height=3
        ).save()
    await Product.update({Product.status: "archived"}).where(Product.id == archived)
    queries: list[list[int]] = []
    read_many = PUBLIC_READS.read_many

    async def counted(product_ids):
        queries.append(list(product_ids))
        return await read_many(product_ids)

    monkeypatch.setattr(PUBLIC_READS, "read_many", counted)
    asked = [first, second, first, archived, 999_999]
    loop = asyncio.get_running_loop()
    reads = [  # each in a context of its own, as a request has
        loop.create_task(service.public_rows(product_id), context=contextvars.Context())
        for product_id in asked
    ]
    answers = await asyncio.gather(*reads, return_exceptions=True)
    assert queries == [asked]  # all ready in one turn of the loop: one query
    assert isinstance(answers[3], NotFound) and isinstance(answers[4], NotFound)  # archived, unknown
    pages = answers[:3]
    assert [rows[0]["id"] for rows in pages] == [first, second, first]
    assert [rows[0]["name"] for rows in pages] == ["Bưởi loại 0", "Bưởi loại 1", "Bưởi loại 0"]
    assert [[row["photo_id"] is not None for row in rows] for rows in pages] == [
        [False, True, True],
        [False],
        [False, True, True],
    ]
