"""The farming diary of a batch as an EPCIS 2.0 JSON-LD document (ObjectEvents with CBV steps).

A harvest is the commissioning of the lot (CBV has no harvesting step, see DESIGN.md); planting,
input use and irrigation use bizStep URIs of our own vocabulary, which EPCIS 2.0 allows.
With a GTIN, each event's ``epcList`` names the batch's stamped items by their serial-level GS1
Digital Link (EPCIS 2.0 writes instance-level identifiers as canonical Digital Link URIs);
``eventID`` is GS1's event hash (traceability/batches/event_ids.py), the same in every export.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from agrimarket.accounts.actor import Actor
from agrimarket.clock import to_local
from agrimarket.tables import Product
from traceability.batches.event_ids import with_event_ids
from traceability.batches.service import get_batch
from traceability.resolver.uri import DigitalLink
from traceability.tables import Batch, GrowingArea, Stamp

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
GS1_DOMAIN = "https://id.gs1.org"  # canonical Digital Link URIs in EPCIS data (not our resolver's)
VOCAB = "https://agrimarket.vn/voc/"
CBV = "https://ref.gs1.org/cbv/"
BIZ_STEPS = {
    "planting": VOCAB + "bizstep/planting",
    "input_use": VOCAB + "bizstep/input_use",
    "irrigation": VOCAB + "bizstep/irrigation",
    "harvesting": CBV + "BizStep-commissioning",
    "packing": CBV + "BizStep-packing",
    "shipping": CBV + "BizStep-shipping",
}
DISPOSITIONS = {
    "harvesting": CBV + "Disp-active",
    "packing": CBV + "Disp-active",
    "shipping": CBV + "Disp-in_transit",
}
# Planting starts the crop and harvesting commissions the lot; every other entry observes it.
ADD_KINDS = ("planting", "harvesting")
# UN/CEFACT Rec. 20 codes for the units that have one, with the factor to convert to them.
UOM = {"kg": ("KGM", 1), "yen": ("KGM", 10), "ta": ("KGM", 100), "tan": ("TNE", 1), "lit": ("LTR", 1)}


def lot_class(gtin: str | None, lot_code: str, owner_lot_key: str) -> str:
    """Class-level id of the lot: a GS1 Digital Link URI with a GTIN, else a URN of our own."""
    if gtin:
        return f"https://id.gs1.org/01/{gtin.zfill(14)}/10/{quote(lot_code, safe='')}"
    return "urn:agrimarket:lot:" + quote(owner_lot_key, safe=":/")


def item_links(gtin: str | None, serials: list[str]) -> list[str]:
    """Instance-level ids of the stamped items: ``/01/{gtin}/21/{serial}`` (GTIN + serial is the
    item's key, the lot is not part of it); none without a GTIN."""
    if not gtin:
        return []
    return [GS1_DOMAIN + DigitalLink(gtin.zfill(14), (("21", serial),)).path() for serial in serials]


def location(area_id: int) -> str:
    return f"https://agrimarket.vn/loc/growing-area/{area_id}"


def _quantity(epc_class: str, quantity: float, unit: str) -> dict[str, Any]:
    if unit in UOM:
        code, factor = UOM[unit]
        return {"epcClass": epc_class, "quantity": quantity * factor, "uom": code}
    return {"epcClass": epc_class, "quantity": quantity}  # counted units: bunches, boxes, fruit


def _extension(kind: str, details: dict[str, Any]) -> dict[str, Any]:
    """Diary facts as fields of our vocabulary (prefix agm:)."""
    names = {
        "input_type": "inputType",
        "product_name": "inputProductName",
        "active_ingredient": "activeIngredient",
        "dose": "dose",
        "phi_days": "preHarvestIntervalDays",
        "destination": "destinationName",
        "variety": "variety",
        "water_source": "waterSource",
        "packaging": "packaging",
        "carrier": "carrier",
        "quantity": "reportedQuantity",
        "note": "note",
    }
    return {f"agm:{names[key]}": value for key, value in details.items() if key in names}


def _event(
    event, epc_class: str, epcs: list[str], batch: dict, area_codes: dict[int, str | None]
) -> dict[str, Any]:
    area_id = event.growing_area_id or batch["growing_area"]
    body: dict[str, Any] = {
        "type": "ObjectEvent",
        "eventTime": to_local(event.occurred_at).isoformat(timespec="seconds"),
        "eventTimeZoneOffset": "+07:00",
        "eventID": "",  # the event hash, once the event is complete
        "epcList": epcs,
        "quantityList": [_quantity(epc_class, batch["quantity"], batch["unit"])],
        "action": "ADD" if event.kind in ADD_KINDS else "OBSERVE",
        "bizStep": BIZ_STEPS[event.kind],
        "readPoint": {"id": location(area_id)},
        "bizLocation": {"id": location(area_id)},
    }
    if event.kind in DISPOSITIONS:
        body["disposition"] = DISPOSITIONS[event.kind]
    if event.kind == "harvesting":
        ilmd: dict[str, Any] = {"cbvmda:lotNumber": batch["lot_code"], "cbvmda:countryOfOrigin": "VN"}
        if batch["expiry_date"]:
            ilmd["cbvmda:itemExpirationDate"] = batch["expiry_date"].isoformat()
        body["ilmd"] = ilmd
    if area_codes.get(area_id):
        body["agm:growingAreaCode"] = area_codes[area_id]
    body.update(_extension(event.kind, event.details))
    return body


async def batch_document(actor: Actor, batch_id: int) -> dict[str, Any]:
    """The EPCISDocument of one batch the actor may see (404 otherwise)."""
    read = await get_batch(actor, batch_id)
    batch = await Batch.select().where(Batch.id == batch_id).first()
    assert batch is not None
    gtin = await Product.select(Product.gtin).where(Product.id == read.product_id).first()
    assert gtin is not None
    area_ids = {read.growing_area_id, *(e.growing_area_id for e in read.events if e.growing_area_id)}
    codes = {
        row["id"]: row["official_code"]
        for row in await GrowingArea.select(GrowingArea.id, GrowingArea.official_code).where(
            GrowingArea.id.is_in(list(area_ids))
        )
    }
    epc_class = lot_class(gtin["gtin"], batch["lot_code"], batch["owner_lot_key"])
    # Every stamp still valid (a revoked one names no item in the lot any more).
    stamps = await (
        Stamp.select(Stamp.serial)
        .where((Stamp.batch == batch_id) & (Stamp.status != "revoked"))
        .order_by(Stamp.id)
        .output(as_list=True)
    )
    epcs = item_links(gtin["gtin"], stamps)
    return with_event_ids(
        {
            "@context": [EPCIS_CONTEXT, {"agm": VOCAB, "cbvmda": "urn:epcglobal:cbv:mda:"}],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z"),
            "epcisBody": {"eventList": [_event(e, epc_class, epcs, batch, codes) for e in read.events]},
        }
    )
