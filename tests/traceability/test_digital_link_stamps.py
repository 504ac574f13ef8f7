"""Stamps whose QR carries a GS1 Digital Link: every QR on a printed sheet decodes and parses back
(by the standard's grammar) to the product's GTIN, the lot, its own serial and the expiry; the links
open the same scan page that logs the scan and takes the PIN; label sizes too small are refused."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
import qrcode.util as qr_util
from litestar.testing import AsyncTestClient
from qrcode.constants import ERROR_CORRECT_M
from qrcode.exceptions import DataOverflowError

from agrimarket.app import create_app
from agrimarket.errors import Conflict
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_export_labels import export_batch
from tests.traceability.test_pins import BASE as BASE_URL
from tests.traceability.test_pins import sheet_pins, verify_form
from tests.traceability.test_scan import stamped
from tests.traceability.test_stamps_helpers import BASE, issue, make_batch, media_bytes, pdf_codes, zip_codes
from traceability.resolver.dl_grammar import parse_uri
from traceability.settings import TraceabilitySettings
from traceability.stamps import digital_link, label_layout, qr, qr_codewords
from traceability.stamps.scan_log import BUFFER
from traceability.tables import Batch, Scan, Stamp, StampIssue

GTIN = "09506000134352"  # GS1's published example GTIN (the fictitious Dal Giardino risotto rice)
EXPIRY = date(2027, 5, 31)
DL_PREFIX = f"HTTP://TESTSERVER.LOCAL/01/{GTIN}/10/LO-01/21/"


async def serials_of(issue_id: int) -> set[str]:
    return {r["serial"] for r in await Stamp.select(Stamp.serial).where(Stamp.issuance == issue_id)}


@pytest.mark.parametrize("label_size", ["30x40", "50x30", "70x40-en"])
async def test_every_qr_on_the_sheet_parses_back_to_gtin_lot_serial_and_expiry(client, accounts, label_size):
    if label_size.startswith("70x40"):
        session, batch_id, _ = await export_batch(accounts)
        await Batch.update({Batch.expiry_date: EXPIRY}).where(Batch.id == batch_id)
        product = (await Batch.select(Batch.product).where(Batch.id == batch_id).first())["product"]
        await client.patch(f"/api/v1/products/{product}", json={"gtin": GTIN[1:]}, headers=session.headers)
    else:
        session, _, batch_id = await make_batch(accounts, gtin=GTIN[1:], expiry=EXPIRY)  # typed as GTIN-13
    response = await issue(client, session, batch_id, 30, label_size)
    assert response.status_code == 201, response.text
    issued = response.json()
    assert issued["digital_link"] is True  # the default for a product with a GTIN
    codes = pdf_codes(await media_bytes(client, issued["pdf_url"]))
    assert len(codes) == 30
    parsed = [parse_uri(code, today=date(2026, 12, 7)) for code in codes]
    assert {(p.gtin, p.lot, p.expiry) for p in parsed} == {(GTIN, "LO-01", EXPIRY)}
    assert {p.serial for p in parsed} == await serials_of(issued["id"])
    assert all(code == f"{DL_PREFIX}{p.serial}?17=270531" for code, p in zip(codes, parsed, strict=True))
    pngs = zip_codes(await media_bytes(client, issued["zip_url"]), every=7)
    assert all(parse_uri(text).serial in name for name, text in pngs.items())


async def test_without_gtin_the_short_url_stays_and_without_expiry_no_query(client, accounts):
    session, _, plain = await make_batch(accounts)
    short = (await issue(client, session, plain, 3)).json()
    assert short["digital_link"] is False
    assert all(c.startswith(BASE) for c in pdf_codes(await media_bytes(client, short["pdf_url"])))
    refused = await client.post(
        f"/api/v1/batches/{plain}/stamps",
        json={"count": 3, "label_size": "30x40", "digital_link": True},
        headers=session.headers,
    )
    assert refused.status_code == 409 and "chưa có mã GTIN" in refused.json()["error"]["message"]
    _, _, linked = await make_batch(accounts, session, gtin=GTIN, lot="lo.2026_b")
    issued = (await issue(client, session, linked, 3)).json()
    codes = pdf_codes(await media_bytes(client, issued["pdf_url"]))
    assert all(
        "?" not in c and parse_uri(c).lot == "lo.2026_b" and parse_uri(c).expiry is None for c in codes
    )
    # Untick the box: short URLs for the same GTIN product.
    unticked = await client.post(
        f"/api/v1/batches/{linked}/stamps",
        json={"count": 2, "label_size": "30x40", "digital_link": False},
        headers=session.headers,
    )
    assert unticked.json()["digital_link"] is False


async def test_digital_link_redirects_to_the_scan_page_that_logs_and_takes_the_pin(client, accounts):
    session, _, batch_id = await make_batch(accounts, gtin=GTIN, expiry=EXPIRY)
    response = await client.post(
        f"/api/v1/batches/{batch_id}/stamps",
        json={"count": 2, "label_size": "30x40", "with_pin": True},
        headers=session.headers,
    )
    issued = response.json()
    code = pdf_codes(await media_bytes(client, issued["pdf_url"]))[0]
    link = parse_uri(code)
    path = code.removeprefix("HTTP://TESTSERVER.LOCAL")
    for method in (client.get, client.head):
        moved = await method(path, follow_redirects=False)
        assert moved.status_code == 307
        assert moved.headers["location"].endswith(f"/t/{link.serial}?17=270531")
    page = await client.get(path)  # followed, as a phone does
    assert page.status_code == 200 and "Nhập mã PIN dưới lớp cào" in page.text
    await BUFFER.flush()
    stamp = await Stamp.select(Stamp.id).where(Stamp.serial == link.serial).first()
    assert await Scan.count().where(Scan.stamp == stamp["id"]) == 1  # the redirect itself logs nothing
    pin = (await sheet_pins(client, issued))[link.serial]
    verified = await verify_form(client, link.serial, pin)
    assert verified.status_code == 200 and "lần xác thực đầu tiên" in verified.text


async def test_a_label_too_small_for_the_link_is_refused_with_a_reason():
    # A long base path in lower case (byte mode) needs a version 30×40 mm cannot print at 0.4 mm.
    base = "https://truyxuat.example.vn/" + "nong-san-cat-hai/" * 5
    prefix = digital_link.qr_base(base) + f"/01/{GTIN}/10/lo-2026-nacathai-01/21/"
    content = digital_link.QrContent(prefix, "?17=270531", qr.mixed_segments(prefix, "?17=270531"))
    version, _ = content.version_and_mask()
    assert label_layout.largest_version("30x40") < version <= label_layout.largest_version("50x30")
    with pytest.raises(Conflict) as refused:
        digital_link.assert_fits("30x40", content)
    assert "Khổ tem 30 × 40 mm quá nhỏ" in refused.value.message_vi and "0.4 mm" in refused.value.message_vi
    digital_link.assert_fits("50x30", content)
    assert label_layout.module_mm("50x30", version) >= label_layout.MIN_MODULE_MM


def test_mixed_mode_fast_path_matches_the_library_and_is_smaller_than_one_segment():
    prefix = digital_link.qr_base("https://truyxuat.example.vn") + f"/01/{GTIN}/10/LO-01/21/"
    segments = qr.mixed_segments(prefix, "?17=270531")
    version, mask = qr.fixed_qr(prefix, "?17=270531", segments)
    assert version < qr.fixed_qr(prefix, "?17=270531")[0]  # one byte-mode segment needs a larger symbol
    for serial in ("0123456789ABCDEF", "ZZZZZZZZZZZZZZZZ", "7K3M9QXT2BFAWN4D"):
        url = f"{prefix}{serial}?17=270531"
        matrix, side = qr.qr_matrix(url, version, mask, segments)
        reference = qr.qr_modules(url, version, mask, segments)
        q = qr.QUIET
        assert all(
            (matrix[(r + q) * side + c + q] == 0) == dark
            for r, row in enumerate(reference)
            for c, dark in enumerate(row)
        )


async def test_lot_codes_of_gtin_products_are_held_to_gs1_20_characters(client, accounts):
    session, product, batch_id = await make_batch(accounts, gtin=GTIN, lot="LOT-" + "X" * 21)  # made before
    refused = await issue(client, session, batch_id, 2)
    assert refused.status_code == 409
    assert "Không in được tem GS1 Digital Link" in refused.json()["error"]["message"]
    assert not await StampIssue.exists().where(StampIssue.batch == batch_id)
    area = (await Batch.select(Batch.growing_area).where(Batch.id == batch_id).first())["growing_area"]
    made = await client.post(
        "/api/v1/batches",
        json={
            "product_id": product["id"],
            "growing_area_id": area,
            "lot_code": "L" * 21,
            "harvest_date": "2026-11-01",
            "quantity": 10,
            "unit": "kg",
        },
        headers=session.headers,
    )
    assert made.status_code == 422 and "tối đa 20 ký tự" in made.json()["error"]["fields"]["lot_code"]


async def test_the_issue_form_offers_the_digital_link_ticked_only_with_a_gtin(client, accounts):
    session, _, plain = await make_batch(accounts)
    _, _, linked = await make_batch(accounts, session, gtin=GTIN, lot="LO-02")
    await web_login(client, session.phone)
    assert 'name="digital_link"' not in (await client.get(f"/batches/{plain}/stamps/new")).text
    form = (await client.get(f"/batches/{linked}/stamps/new")).text
    assert 'name="digital_link" value="on" checked' in form and "GS1 Digital Link" in form
    unticked = await client.post(
        f"/batches/{linked}/stamps/new",
        data={"count": "2", "label_size": "30x40", "digital_link_offered": "1", "_csrf_token": csrf(form)},
    )
    assert unticked.status_code == 200
    rows = await StampIssue.select(StampIssue.digital_link).where(StampIssue.batch == linked)
    assert [r["digital_link"] for r in rows] == [False]
    ticked = await client.post(
        f"/batches/{linked}/stamps/new",
        data={
            "count": "2",
            "label_size": "30x40",
            "digital_link_offered": "1",
            "digital_link": "on",
            "_csrf_token": csrf(form),
        },
    )
    assert ticked.status_code == 200
    rows = (
        await StampIssue.select(StampIssue.digital_link)
        .where(StampIssue.batch == linked)
        .order_by(StampIssue.id)
    )
    assert [r["digital_link"] for r in rows] == [False, True]
    page = (await client.get(f"/batches/{linked}")).text
    assert page.count("· GS1 Digital Link") == 1  # the batch page tells the two issuances apart


def _reference(version: int, text: str, minimum: int) -> tuple[list, bytes] | None:
    chunks = list(qr_util.optimal_data_chunks(text.encode(), minimum=minimum))
    try:
        return chunks, bytes(qr_util.create_data(version, ERROR_CORRECT_M, chunks))
    except DataOverflowError:
        return None


def test_fast_codewords_equal_qrcodes_own_for_every_version_a_label_prints():
    # Up to 12, the largest any label size prints at 0.4 mm modules; 20 and 40 for the block layouts.
    for version in (*range(1, 13), 20, 40):
        for n, serial in enumerate(("7K3M9QXT2BFAWN4D", "0123456789ABCDEF")):
            text = f"HTTPS://X.VN/01/{GTIN}/10/lo-a/21/{serial}?17=270531" * (1 + version // 2)
            low, high = 1, len(text)  # the longest start of the text this version holds
            while low < high:
                middle = (low + high + 1) // 2
                low, high = (middle, high) if _reference(version, text[:middle], 3 + n) else (low, middle - 1)
            found = _reference(version, text[:low], 3 + n)
            assert found is not None
            chunks, reference = found
            ours = qr_codewords.codewords(version, ERROR_CORRECT_M, [(c.mode, c.data) for c in chunks])
            assert ours == reference, (version, low)


async def test_a_buyers_digital_link_scan_counts_once_against_the_scan_limit(client, accounts, settings):
    """The resolver's lookup is counted and prepays the scan page it redirects to, once, for that
    client and serial; any other view of the scan page is counted as before."""
    _, _, _, (first, second, *_) = await stamped(client, accounts, gtin=GTIN, expiry=EXPIRY)
    low = dataclasses.replace(settings.section(TraceabilitySettings), scan_rate_limit="5/minute")
    async with AsyncTestClient(app=create_app(settings.with_section(low)), base_url=BASE_URL) as limited:

        def resolve(serial: str, follow: bool):
            return limited.get(f"/01/{GTIN}/10/LO-01/21/{serial}?17=270531", follow_redirects=follow)

        statuses = [(await resolve(first, True)).status_code for _ in range(2)]  # 2 buyer scans: 2 counts
        statuses.append((await resolve(first, False)).status_code)  # 3, and one prepaid view of first
        statuses.append((await limited.get(f"/t/{second}")).status_code)  # 4: not the serial prepaid
        statuses += [(await limited.get(f"/t/{first}")).status_code for _ in range(3)]  # free, 5, over
        statuses.append((await resolve(first, True)).status_code)
        assert statuses == [200, 200, 307, 200, 200, 200, 429, 429]
