"""Scratch-off PINs: printed on the sheets, stored as a keyed hash, verified once, guesses limited."""

from __future__ import annotations

import dataclasses
import io
import re
import zipfile
from datetime import UTC, datetime

import pypdfium2
from litestar.testing import AsyncTestClient
from PIL import Image, ImageDraw

from agrimarket import clock
from agrimarket.app import create_app
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_stamps_helpers import make_batch, media_bytes
from traceability.settings import TraceabilitySettings
from traceability.stamps import label_drawing, label_layout, pins
from traceability.stamps.scan import client_hash
from traceability.tables import Stamp, StampIssue

BASE = "http://testserver.local"
ORIGIN = {"origin": BASE}


async def issue_with_pin(client, accounts, count=3, label_size="30x40", **batch):
    session, _, batch_id = await make_batch(accounts, **batch)
    response = await client.post(
        f"/api/v1/batches/{batch_id}/stamps",
        json={"count": count, "label_size": label_size, "with_pin": True},
        headers=session.headers,
    )
    assert response.status_code == 201, response.text
    return session, batch_id, response.json()


def printed_pins(pdf: bytes) -> dict[str, str]:
    """Serial -> PIN, as the sheet's text says them (the invisible layer over each label)."""
    document = pypdfium2.PdfDocument(pdf)
    text = " ".join(page.get_textpage().get_text_range() for page in document)
    found = re.findall(r"([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})\s+(\d{6,8})", text)
    return {serial.replace("-", ""): pin for serial, pin in found}


async def sheet_pins(client, issued: dict) -> dict[str, str]:
    return printed_pins(await media_bytes(client, issued["pdf_url"]))


def verify_form(client, serial: str, pin: str, **headers):
    return client.post(f"/t/{serial}", data={"pin": pin}, headers=ORIGIN | headers)


async def test_each_stamp_gets_a_printed_pin_of_which_only_a_keyed_hash_is_kept(client, accounts, settings):
    _, batch_id, issued = await issue_with_pin(client, accounts, count=4)
    assert issued["with_pin"] is True
    rows = await Stamp.select(Stamp.serial, Stamp.pin_hash, Stamp.pin_verified_at).where(
        Stamp.batch == batch_id
    )
    printed = await sheet_pins(client, issued)
    assert set(printed) == {row["serial"] for row in rows}
    key = settings.section(TraceabilitySettings).pin_hash_key
    for row in rows:
        pin = printed[row["serial"]]
        assert len(pin) == settings.section(TraceabilitySettings).pin_digits
        assert row["pin_hash"] == pins.pin_hash(key, row["serial"], pin)  # the hash of what is printed
        assert pin not in str(row) and row["pin_verified_at"] is None
    # The same PIN on another stamp hashes differently: hashes give nothing away by comparison.
    assert pins.pin_hash(key, "A" * 16, "123456") != pins.pin_hash(key, "B" * 16, "123456")
    # Each PNG for label printers carries its stamp's PIN in the box the scratch-off layer covers.
    spec = label_layout.SheetSpec("30x40", "HTTP://X/T/", "x", "y", 2, 0, with_pin=True)
    with zipfile.ZipFile(io.BytesIO(await media_bytes(client, issued["zip_url"]))) as archive:
        for name in archive.namelist():
            serial = name.split("-", 1)[1].removesuffix(".png")
            label = Image.open(io.BytesIO(archive.read(name))).convert("1")
            assert _pin_pixels(label, spec, printed[serial]) == _pin_pixels(label, spec, None)


def _pin_pixels(label: Image.Image, spec: label_layout.SheetSpec, pin: str | None) -> bytes:
    """The box's pixels as printed (pin=None), or as they would be with ``pin`` drawn alone."""
    lay = label_layout.layout(spec.label_size, 2)
    box = label_drawing.pin_box(dataclasses.replace(spec, version=2), lay)
    if pin is None:
        return label.crop(box).tobytes()
    blank = Image.new("1", label.size, 1)
    draw = ImageDraw.Draw(blank)
    draw.rectangle(box, outline=0, width=2)
    label_drawing.draw_pin(blank, box, pin)
    return blank.crop(box).tobytes()


async def test_no_pin_unless_asked_and_the_scan_page_offers_the_form_only_with_one(client, accounts):
    session, batch_id = (await make_batch(accounts))[::2]
    plain = await client.post(
        f"/api/v1/batches/{batch_id}/stamps", json={"count": 1}, headers=session.headers
    )
    assert plain.json()["with_pin"] is False
    row = await Stamp.select(Stamp.serial, Stamp.pin_hash).where(Stamp.issuance == plain.json()["id"]).first()
    assert row["pin_hash"] is None
    assert printed_pins(await media_bytes(client, plain.json()["pdf_url"])) == {}
    page = await client.get(f"/t/{row['serial']}")
    assert "Nhập mã PIN dưới lớp cào" not in page.text
    refused = await verify_form(client, row["serial"], "123456")
    assert refused.status_code == 409 and "không có mã PIN" in refused.text

    _, _, issued = await issue_with_pin(client, accounts, count=1)
    serial = next(iter(await sheet_pins(client, issued)))
    page = await client.get(f"/t/{serial}")
    assert "Nhập mã PIN dưới lớp cào" in page.text and 'name="pin"' in page.text
    assert "set-cookie" not in page.headers  # still no CSRF cookie on the scan page
    english = await client.get(f"/t/{serial}?lang=en")
    assert "Enter the PIN under the scratch-off layer" in english.text


async def test_first_right_pin_is_recorded_and_later_ones_say_when(client, accounts):
    _, _, issued = await issue_with_pin(client, accounts, count=2)
    (serial, pin), (other, _) = sorted((await sheet_pins(client, issued)).items())
    first = await verify_form(client, serial, pin)
    assert first.status_code == 200, first.text
    assert "lần xác thực đầu tiên" in first.text and "tem chính hãng" in first.text
    row = await Stamp.select(Stamp.pin_verified_at).where(Stamp.serial == serial).first()
    recorded = row["pin_verified_at"]
    assert recorded is not None and abs((_utc(recorded) - datetime.now(UTC)).total_seconds()) < 60
    again = await verify_form(client, serial.lower(), f" {pin[:3]} {pin[3:]} ")  # as people type it
    assert again.status_code == 200
    local = _utc(recorded).astimezone(clock.VIETNAM)
    assert f"Mã này đã được xác thực lần đầu lúc {local:%H:%M ngày %d/%m/%Y}" in again.text
    assert (await Stamp.select(Stamp.pin_verified_at).where(Stamp.serial == serial).first())[
        "pin_verified_at"
    ] == recorded
    # The other stamp is untouched; a typo in the PIN is a clear message, not a counted guess.
    assert (await Stamp.select(Stamp.pin_verified_at).where(Stamp.serial == other).first())[
        "pin_verified_at"
    ] is None
    typo = await verify_form(client, other, "12ab")
    assert typo.status_code == 422 and "6–8 chữ số" in typo.text and 'name="pin"' in typo.text
    english = await client.post(f"/t/{serial}?lang=en", data={"pin": pin}, headers=ORIGIN)
    assert "was first verified at" in english.text and "(Vietnam time)" in english.text


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def test_wrong_pins_are_limited_per_stamp_and_per_client(client, accounts, settings):
    _, _, issued = await issue_with_pin(client, accounts, count=2)
    (serial, pin), (other, other_pin) = sorted((await sheet_pins(client, issued)).items())
    wrong = "000000" if pin != "000000" else "111111"
    low = dataclasses.replace(settings.section(TraceabilitySettings), pin_attempts=3)
    app = create_app(settings.with_section(low))
    async with AsyncTestClient(app=app, base_url=BASE) as limited:
        answers = [await verify_form(limited, serial, wrong) for _ in range(3)]
        assert [a.status_code for a in answers] == [422, 422, 422]
        assert "Mã PIN không đúng" in answers[0].text and "còn 2 lần thử" in answers[0].text
        blocked = await verify_form(limited, serial, pin)  # even the right PIN waits now
        assert blocked.status_code == 429 and "quá nhiều lần" in blocked.text
        assert 0 < int(blocked.headers["retry-after"]) <= 15 * 60
        # The same client is blocked on other stamps too (per client), a right PIN included...
        assert (await verify_form(limited, other, other_pin)).status_code == 429
        assert (await Stamp.select(Stamp.pin_verified_at).where(Stamp.serial == serial).first())[
            "pin_verified_at"
        ] is None
        # ...and for another client the guessed stamp stays blocked (per stamp), the other one not.
        store = app.stores.get(pins.STORE)
        await store.delete(
            f"client:{client_hash(settings.section(TraceabilitySettings).scan_hash_key, 'testclient')}"
        )
        assert (await verify_form(limited, serial, pin)).status_code == 429
        assert (await verify_form(limited, other, other_pin)).status_code == 200


async def test_right_pins_do_not_use_up_the_attempts(client, accounts, settings):
    _, _, issued = await issue_with_pin(client, accounts, count=1)
    ((serial, pin),) = (await sheet_pins(client, issued)).items()
    low = dataclasses.replace(settings.section(TraceabilitySettings), pin_attempts=2)
    app = create_app(settings.with_section(low))
    async with AsyncTestClient(app=app, base_url=BASE) as limited:
        statuses = [(await verify_form(limited, serial, pin)).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 200]


async def test_the_form_refuses_posts_from_other_sites_and_unknown_stamps(client, accounts):
    _, _, issued = await issue_with_pin(client, accounts, count=1)
    ((serial, pin),) = (await sheet_pins(client, issued)).items()
    for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}, {"origin": "null"}):
        response = await client.post(f"/t/{serial}", data={"pin": pin}, headers=headers)
        assert response.status_code == 403, headers
    assert (await Stamp.select(Stamp.pin_verified_at).where(Stamp.serial == serial).first())[
        "pin_verified_at"
    ] is None
    same_site = await client.post(
        f"/T/{serial}", data={"pin": pin}, headers={"sec-fetch-site": "same-origin"}
    )
    assert same_site.status_code == 200
    unknown = await verify_form(client, "0000000000000000", "123456")
    assert unknown.status_code == 404 and "không có trong hệ thống" in unknown.text


async def test_the_json_api_equivalent(client, accounts):
    _, _, issued = await issue_with_pin(client, accounts, count=1)
    ((serial, pin),) = (await sheet_pins(client, issued)).items()
    wrong = await client.post(
        f"/api/v1/trace/{serial}/pin", json={"pin": "0" * 8 if pin != "0" * 8 else "1" * 8}
    )
    assert wrong.status_code == 422 and wrong.json()["error"]["code"] == "wrong_pin"
    right = await client.post(
        f"/api/v1/trace/{serial}/pin", json={"pin": pin}, headers={"accept-language": "en"}
    )
    assert right.status_code == 200, right.text
    body = right.json()
    assert (
        body["serial"] == serial
        and body["first_verification"] is True
        and "first verification" in body["message"]
    )
    again = (await client.post(f"/api/v1/trace/{serial}/pin", json={"pin": pin})).json()
    assert again["first_verification"] is False and again["first_verified_at"] == body["first_verified_at"]
    assert (await client.post("/api/v1/trace/0000000000000000/pin", json={"pin": pin})).status_code == 404


async def test_the_issue_form_has_the_pin_checkbox(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    await web_login(client, session.phone)
    form = await client.get(f"/batches/{batch_id}/stamps/new")
    assert 'name="with_pin"' in form.text
    created = await client.post(
        f"/batches/{batch_id}/stamps/new",
        data={"count": "2", "label_size": "50x30", "with_pin": "on", "_csrf_token": csrf(form.text)},
    )
    assert created.status_code == 200, created.text
    issue_row = await StampIssue.select().where(StampIssue.batch == batch_id).first()
    assert issue_row["with_pin"] is True and issue_row["status"] == "done"
    hashes = await Stamp.select(Stamp.pin_hash).where(Stamp.issuance == issue_row["id"])
    assert all(row["pin_hash"] for row in hashes)
    assert "có mã PIN cào" in (await client.get(f"/batches/{batch_id}")).text


async def test_hashes_are_written_in_chunks(client, accounts, monkeypatch):
    _, batch_id, issued = await issue_with_pin(client, accounts, count=5)
    monkeypatch.setattr(pins, "HASHES_PER_UPDATE", 2)
    rows = await Stamp.select(Stamp.seq, Stamp.serial).where(Stamp.batch == batch_id).order_by(Stamp.seq)
    await pins.store_hashes(issued["id"], [(row["seq"], f"{row['seq']:064d}") for row in rows])
    stored = await Stamp.select(Stamp.seq, Stamp.pin_hash).where(Stamp.batch == batch_id).order_by(Stamp.seq)
    assert [row["pin_hash"] for row in stored] == [f"{seq:064d}" for seq in range(1, 6)]


async def test_the_resolver_links_to_the_pin_form_of_stamps_that_have_one(client, accounts):
    _, _, issued = await issue_with_pin(client, accounts, count=1, gtin="9506000134352", lot="LO-9")
    ((serial, _),) = (await sheet_pins(client, issued)).items()
    uri = f"/01/09506000134352/10/LO-9/21/{serial}?linkType=gs1:verificationService"
    response = await client.get(uri, follow_redirects=False, headers={"accept-language": "en"})
    assert response.status_code == 307
    assert response.headers["location"] == f"{BASE}/t/{serial}?lang=en&linkType=gs1:verificationService#pin"
    page = await client.get(response.headers["location"].split("#")[0])
    assert 'id="pin"' in page.text
    linkset = (await client.get(uri.replace("gs1:verificationService", "linkset"))).json()
    assert "https://gs1.org/voc/verificationService" in linkset["linkset"][0]
    session, _, batch_id = await make_batch(accounts, gtin="96385074", lot="LO-1")
    plain = await client.post(
        f"/api/v1/batches/{batch_id}/stamps", json={"count": 1}, headers=session.headers
    )
    other = (await Stamp.select(Stamp.serial).where(Stamp.issuance == plain.json()["id"]).first())["serial"]
    without = await client.get(f"/01/96385074/10/LO-1/21/{other}?linkType=gs1:verificationService")
    assert without.status_code == 404


async def test_a_revoked_stamp_with_a_right_pin_is_not_called_genuine(client, accounts):
    session, _, issued = await issue_with_pin(client, accounts, count=1)
    ((serial, pin),) = (await sheet_pins(client, issued)).items()
    revoked = await client.post(
        "/api/v1/stamps/revoke", json={"serial": serial, "reason": "Lô bị thu hồi"}, headers=session.headers
    )
    assert revoked.status_code == 200, revoked.text
    answer = await verify_form(client, serial, pin)
    assert answer.status_code == 200 and "đã bị thu hồi: Lô bị thu hồi" in answer.text
    assert "chính hãng" not in answer.text
