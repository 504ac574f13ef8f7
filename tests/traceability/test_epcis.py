"""EPCIS 2.0 export, checked against the rules of the EPCIS 2.0 JSON/JSON-LD binding by hand.

The GS1 JSON schema is not vendored: the gs1/EPCIS repository carries an IP-policy notice, not a
licence to redistribute its files.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import datetime, timedelta

from epcis_event_hash_generator import hash_generator, json_to_py

from agrimarket import clock
from agrimarket.accounts.actor import Role
from tests.traceability.test_areas import make_area
from tests.traceability.test_batches import add_event, make_batch
from tests.traceability.test_stamps_helpers import issue
from tests.traceability.test_stamps_helpers import make_batch as stamp_batch
from traceability.batches.event_ids import event_hashes
from traceability.tables import Stamp

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/epcis-context.jsonld"
EPCIS_200_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
# Offset rule of the binding's schema: -12:00..+14:00.
OFFSET = re.compile(r"^[+-]((0\d|1[0-3]):[0-5]\d|14:00)$")
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:\S+$")
CBV_STEPS = {"commissioning", "packing", "shipping"}


def check_object_event(event: dict) -> None:
    """Required keys, types and value rules of an EPCIS 2.0 ObjectEvent in JSON-LD."""
    assert event["type"] == "ObjectEvent"
    moment = datetime.fromisoformat(event["eventTime"])
    assert moment.tzinfo is not None and event["eventTime"].endswith(event["eventTimeZoneOffset"])
    assert OFFSET.match(event["eventTimeZoneOffset"])
    assert event["action"] in {"ADD", "OBSERVE", "DELETE"}
    assert "ilmd" not in event or event["action"] == "ADD"  # ILMD only when an object is commissioned
    assert URI.match(event["eventID"])
    assert isinstance(event["epcList"], list)
    assert event["quantityList"], "an ObjectEvent needs epcList items or a quantityList"
    for quantity in event["quantityList"]:
        assert URI.match(quantity["epcClass"])
        assert isinstance(quantity["quantity"], int | float) and quantity["quantity"] > 0
        assert "uom" not in quantity or re.fullmatch(r"[A-Z0-9]{2,3}", quantity["uom"])
    step = event["bizStep"]
    assert URI.match(step)
    if step.startswith("https://ref.gs1.org/cbv/"):
        assert step.removeprefix("https://ref.gs1.org/cbv/BizStep-") in CBV_STEPS
    for place in ("readPoint", "bizLocation"):
        assert set(event[place]) == {"id"} and URI.match(event[place]["id"])
    for key in event:
        # Anything outside the standard's own keys must be a prefixed (namespaced) extension.
        standard = {
            "type", "eventTime", "eventTimeZoneOffset", "eventID", "epcList", "quantityList", "action",
            "bizStep", "disposition", "readPoint", "bizLocation", "ilmd",
        }  # fmt: skip
        assert key in standard or re.match(r"^[a-z]+:[A-Za-z]+$", key), key


async def test_epcis_document_of_a_batch(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, name="Na Cát Hải", unit="kg", gtin="8934567890120")
    area = await make_area(
        client, farmer, official_code="VN-HPCH-0012", code_kind="export", export_market="Trung Quốc"
    )
    today = clock.today()
    batch = await make_batch(
        client,
        farmer,
        product["id"],
        area["id"],
        lot_code="NA-01",
        expiry_date=(today + timedelta(days=10)).isoformat(),
    )
    spray_day = today - timedelta(days=30)
    entries = [
        {"kind": "planting", "occurred_at": "2026-02-01T07:00:00+07:00"},
        {
            "kind": "input_use",
            "occurred_at": f"{spray_day}T06:00:00+07:00",
            "details": {
                "input_type": "pesticide",
                "product_name": "Abamectin 3.6EC",
                "active_ingredient": "Abamectin",
                "dose": "10 ml/bình",
                "phi_days": 7,
            },
        },
        {"kind": "irrigation", "occurred_at": f"{spray_day}T17:00:00+07:00"},
        {"kind": "harvesting", "occurred_at": f"{today - timedelta(days=2)}T05:30:00+07:00"},
        {"kind": "packing", "occurred_at": f"{today - timedelta(days=1)}T09:00:00+07:00"},
        {"kind": "shipping", "details": {"destination": "Chợ đầu mối Long Biên"}},
    ]
    for entry in entries:
        assert (await add_event(client, farmer, batch["id"], **entry)).status_code == 201

    response = await client.get(f"/api/v1/batches/{batch['id']}/epcis", headers=farmer.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/ld+json")
    doc = response.json()
    assert doc["@context"][0] == EPCIS_CONTEXT and doc["@context"][1]["agm"].startswith("https://")
    assert doc["type"] == "EPCISDocument" and doc["schemaVersion"] == "2.0"
    assert datetime.fromisoformat(doc["creationDate"].replace("Z", "+00:00")).tzinfo is not None
    events = doc["epcisBody"]["eventList"]
    assert len(events) == len(entries)
    for event in events:
        check_object_event(event)

    planting, spray, irrigation, harvest, packing, shipping = events
    assert (
        planting["eventTime"] == "2026-02-01T07:00:00+07:00" and planting["eventTimeZoneOffset"] == "+07:00"
    )
    assert planting["action"] == "ADD" and planting["bizStep"] == "https://agrimarket.vn/voc/bizstep/planting"
    assert spray["action"] == "OBSERVE" and spray["bizStep"].endswith("/bizstep/input_use")
    assert spray["agm:activeIngredient"] == "Abamectin" and spray["agm:preHarvestIntervalDays"] == 7
    assert irrigation["bizStep"].endswith("/bizstep/irrigation")
    assert (
        harvest["action"] == "ADD" and harvest["bizStep"] == "https://ref.gs1.org/cbv/BizStep-commissioning"
    )
    assert harvest["ilmd"]["cbvmda:lotNumber"] == "NA-01"
    assert packing["bizStep"] == "https://ref.gs1.org/cbv/BizStep-packing"
    assert shipping["bizStep"] == "https://ref.gs1.org/cbv/BizStep-shipping"
    assert shipping["disposition"] == "https://ref.gs1.org/cbv/Disp-in_transit"
    assert shipping["agm:destinationName"] == "Chợ đầu mối Long Biên"
    lot = "https://id.gs1.org/01/08934567890120/10/NA-01"
    assert {q["epcClass"] for e in events for q in e["quantityList"]} == {lot}
    assert harvest["quantityList"][0] == {"epcClass": lot, "quantity": 120.0, "uom": "KGM"}
    assert harvest["readPoint"]["id"] == f"https://agrimarket.vn/loc/growing-area/{area['id']}"
    assert harvest["agm:growingAreaCode"] == "VN-HPCH-0012"


async def test_epcis_without_gtin_uses_our_lot_urn_and_is_scoped(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, name="Rau muống", unit="bo")
    area = await make_area(client, farmer)
    batch = await make_batch(client, farmer, product["id"], area["id"], lot_code="RM-7", unit="bo")
    await add_event(client, farmer, batch["id"], kind="harvesting")
    doc = (await client.get(f"/api/v1/batches/{batch['id']}/epcis", headers=farmer.headers)).json()
    (event,) = doc["epcisBody"]["eventList"]
    check_object_event(event)
    household = farmer.me["household_id"]
    assert event["quantityList"] == [
        {"epcClass": f"urn:agrimarket:lot:h:{household}/RM-7", "quantity": 120.0}
    ]
    assert "agm:growingAreaCode" not in event
    stranger = await accounts.household()
    assert (
        await client.get(f"/api/v1/batches/{batch['id']}/epcis", headers=stranger.headers)
    ).status_code == 404
    officer = await accounts.staff(Role.OFFICER, area="31")
    assert (
        await client.get(f"/api/v1/batches/{batch['id']}/epcis", headers=officer.headers)
    ).status_code == 200


async def test_stamped_items_are_listed_by_digital_link_and_event_ids_are_gs1_event_hashes(
    client, accounts, caplog
):
    """With a GTIN, epcList names each valid stamp by its serial-level Digital Link; each eventID is
    GS1's event hash: the same in a second export, and what epcis-event-hash-generator computes."""
    session, _, batch_id = await stamp_batch(accounts, gtin="8934567890120", lot="NA-02")
    assert (await issue(client, session, batch_id, 3)).status_code == 201
    assert (await add_event(client, session, batch_id, kind="packing")).status_code == 201
    serials = await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).order_by(Stamp.id)
    await Stamp.update({Stamp.status: "revoked"}).where(Stamp.serial == serials[2]["serial"])
    url = f"/api/v1/batches/{batch_id}/epcis"
    with caplog.at_level(logging.DEBUG):
        first, second = [(await client.get(url, headers=session.headers)).json() for _ in range(2)]
    # The hashing library's chatter (each event's content, at INFO) stays out of our logs.
    assert not [
        r for r in caplog.records if "epcis_event_hash_generator" in r.pathname and r.levelno >= logging.INFO
    ]
    events = first["epcisBody"]["eventList"]
    assert len(events) == 2  # the harvest the batch came with, and the packing
    for event in events:
        check_object_event(event)
        assert event["epcList"] == [
            f"https://id.gs1.org/01/08934567890120/21/{row['serial']}" for row in serials[:2]
        ]
        assert re.fullmatch(r"ni:///sha-256;[0-9a-f]{64}\?ver=CBV2\.0", event["eventID"])
    ids = [event["eventID"] for event in events]
    assert len(set(ids)) == 2
    assert ids == [event["eventID"] for event in second["epcisBody"]["eventList"]]
    # The reference implementation, run on the document as exported (its own context loader).
    exported = json.loads(json.dumps(first).replace(EPCIS_CONTEXT, EPCIS_200_CONTEXT))
    parsed = json_to_py.event_list_from_epcis_document_json(exported)
    assert hash_generator.epcis_hashes_from_events(parsed) == ids
    # The hash follows the event's content: a changed epcList is a different event.
    changed = json.loads(json.dumps(first))
    changed["epcisBody"]["eventList"][1]["epcList"].pop()
    assert event_hashes(changed)[1] != ids[1] and event_hashes(changed)[0] == ids[0]
