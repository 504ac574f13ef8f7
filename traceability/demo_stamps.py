"""Demo stamps, scans and a revoked stamp (listed in traceability/piccolo_app.py's DEMO_SEEDERS,
run by agrimarket.demo.seed() after the demo batches exist)."""

from __future__ import annotations

from typing import Any

from agrimarket.demo_data import actor_for
from agrimarket.errors import Conflict
from agrimarket.media.storage import build_storage
from agrimarket.settings import get_settings
from traceability.batches.service import assert_stampable
from traceability.resolver import uri
from traceability.settings import TraceabilitySettings
from traceability.stamps import jobs, revocation, scan, scan_log
from traceability.stamps.schemas import RevokeRequest
from traceability.tables import Batch, Stamp

STAMPS_PER_BATCH = 48  # a bit over one A4 sheet of 30x40 mm labels


async def seed() -> list[str]:
    """Stamps for every stampable demo batch, a few scans and one revoked stamp; returns summary lines."""
    settings = get_settings()
    storage = build_storage(settings)
    batches = await Batch.select(
        Batch.id,
        Batch.lot_code,
        Batch.expiry_date,
        Batch.product.gtin.as_alias("gtin"),
        Batch.product.created_by.as_alias("user"),
    ).order_by(Batch.id)
    issued: list[tuple[dict[str, Any], int]] = []
    skipped: list[str] = []
    actor = None
    for batch in batches:
        try:
            await assert_stampable(batch["id"])
        except Conflict:
            skipped.append(batch["lot_code"])
            continue
        actor = await actor_for(batch["user"])
        size = "30x40" if len(issued) % 2 == 0 else "50x30"
        # A product with a GTIN gets GS1 Digital Link QR codes (the default), the others the short URL.
        issue_id = await jobs.issue(
            actor, batch["id"], STAMPS_PER_BATCH, size, settings, storage, digital_link_qr=None
        )
        issued.append((batch, issue_id))
    if not issued:
        return ["Stamps: no stampable demo batch."]
    first, _ = issued[0]
    stamps = await Stamp.select(Stamp.serial).where(Stamp.batch == first["id"]).order_by(Stamp.seq).limit(2)
    phone = "Mozilla/5.0 (Linux; Android 13) Mobile Safari/537.36"
    for n in range(3):  # three scans from two phones
        await scan.scan(
            stamps[0]["serial"], f"10.0.0.{n % 2}", phone, settings.section(TraceabilitySettings), storage
        )
    await scan_log.BUFFER.flush()
    owner = await actor_for(first["user"])
    await revocation.revoke(
        owner, RevokeRequest(reason="Tem bị bóc khỏi thùng hàng (demo)", serial=stamps[1]["serial"])
    )
    base = settings.public_base_url.rstrip("/")
    lines = [
        f"Stamps: {len(issued) * STAMPS_PER_BATCH} issued for {len(issued)} batch(es), sheets at "
        f"/stamps/issues/{issued[0][1]}",
        f"Scan a stamp: {base}/t/{stamps[0]['serial']} (scanned 3 times); revoked: {base}/t/{stamps[1]['serial']}",
    ]
    linked = next((b for b, _ in issued if b["gtin"]), None)
    if linked:
        serial = await Stamp.select(Stamp.serial).where(Stamp.batch == linked["id"]).first()
        assert serial is not None
        link = uri.stamp_uri(
            base, linked["gtin"], linked["lot_code"], serial["serial"], linked["expiry_date"]
        )
        lines.append(f"A GS1 Digital Link stamp: {link}")
    if skipped:
        lines.append(f"Stamps not issued for flagged batch(es): {', '.join(skipped)}")
    return lines
