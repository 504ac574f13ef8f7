"""The app under load for the scan bench, plus a bare endpoint: one PK select + a same-size page."""

from __future__ import annotations

import os

from litestar import MediaType, Response, get

from agrimarket.app import create_app
from traceability.tables import Stamp

PAGE_SIZE = int(os.environ.get("BENCH_PAGE_SIZE", "4000"))


@get("/bench/bare/{stamp_id:int}", include_in_schema=False)
async def bare(stamp_id: int) -> Response[str]:
    row = await Stamp.select(Stamp.serial).where(Stamp.id == stamp_id).first()
    body = f"<!doctype html><p>{row['serial'] if row else ''}</p>".ljust(PAGE_SIZE, " ")
    return Response(body, media_type=MediaType.HTML, headers={"Cache-Control": "no-store"})


app = create_app()
app.register(bare)
