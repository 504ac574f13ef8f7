"""A throw-away database for the benches, built by the real migrations (PostgreSQL by default)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN = os.environ.get("BENCH_PG_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
NAME = os.environ.get("BENCH_DB_NAME", "agm_bench")  # parallel benches each name their own


def prepare(engine: str | None = None, name: str | None = None) -> dict[str, str]:
    """Create the database, migrate it, load the administrative units; returns the environment.

    ``name`` (default: ``NAME`` as it is at the call, so a bench may set ``db.NAME`` first): a bench
    that may run beside the others (``python -m bench orders``) names its own, so it never drops a
    database another bench is using."""
    engine = engine or os.environ.get("BENCH_DB", "postgres")
    name = name or NAME
    run_dir = Path(tempfile.mkdtemp(prefix="agm-bench-"))
    if engine == "postgres":
        asyncio.run(_recreate(name))
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{run_dir / 'bench.sqlite'}"
    env = {
        "DATABASE_URL": url,
        "MEDIA_STORAGE": "local",
        "MEDIA_DIR": str(run_dir / "media"),
        "PUBLIC_BASE_URL": "https://truyxuat.example.vn",
        "SCAN_RATE_LIMIT": "100000000/minute",
        "STAMP_RENDER_WORKER": "0",
    }
    os.environ.update(env)
    piccolo = Path(sys.executable).parent / "piccolo"
    for args in (("migrations", "forwards", "all"), ("agrimarket", "load_areas")):
        command = [str(piccolo), *args]
        subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=os.environ.copy())  # noqa: S603
    return env


async def _recreate(name: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(PG_ADMIN)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


async def make_batch() -> tuple[int, int]:
    """A household, its product and a batch in a coded growing area: (user id, batch id)."""
    from datetime import UTC, date, datetime

    from agrimarket.accounts.actor import Actor, Role
    from agrimarket.tables import Commune, Household, Product, ProductPhoto, User
    from traceability.tables import Batch, BatchEvent, GrowingArea

    now = datetime.now(UTC)
    commune = (await Commune.select(Commune.code).first())["code"]
    household = Household(head_name="Nguyễn Văn An", phone="0900000001", commune=commune, created_at=now)
    await household.save()
    user = User(
        phone="0900000001",
        password_hash="-",  # noqa: S106 - a bench user that never logs in
        full_name="Nguyễn Văn An",
        role="household",
        household=household.id,
        created_at=now,
    )
    await user.save()
    product = Product(
        owner_household=household.id,
        name="Bưởi da xanh",
        category="trai_cay",
        unit="kg",
        price_vnd=45000,
        certifications=["vietgap"],
        created_at=now,
        updated_at=now,
    )
    await product.save()
    area = GrowingArea(
        name="Vườn bưởi Đồng Bài",
        crop="Bưởi",
        area_ha=2.0,
        commune=commune,
        owner_household=household.id,
        official_code="VN-BENCH-0001",
        status="verified",
        created_at=now,
    )
    await area.save()
    batch = Batch(
        product=product.id,
        growing_area=area.id,
        lot_code="LO-BENCH",
        owner_lot_key=f"h:{household.id}/LO-BENCH",
        harvest_date=date(2026, 11, 1),
        pack_date=date(2026, 11, 2),
        quantity=1000,
        unit="kg",
        created_at=now,
    )
    await batch.save()
    # The minimum data set (Circular 02/2024) a stamped batch must carry: a photo and a diary entry.
    photo_keys = {"image_key": "bench/buoi.webp", "thumb_key": "bench/buoi-400.webp", "width": 1, "height": 1}
    await ProductPhoto(product=product.id, created_at=now, **photo_keys).save()
    harvest = datetime(2026, 11, 1, 1, tzinfo=UTC)
    await BatchEvent(batch=batch.id, kind="harvesting", occurred_at=harvest, created_at=now).save()
    actor = Actor(user.id, "0900000001", "Nguyễn Văn An", Role.HOUSEHOLD, "vi", household_id=household.id)
    return actor, batch.id
