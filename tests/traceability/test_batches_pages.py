"""Phone pages of batches: create, the diary's one-tap entries (htmx fragments) and clearing a flag."""

from __future__ import annotations

from datetime import timedelta

from agrimarket import clock
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_areas import make_area
from tests.traceability.test_batches import make_batch


async def test_batch_form_and_one_tap_diary(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, name="Rau muống")
    area = await make_area(client, farmer)
    await web_login(client, farmer.phone)
    form = await client.get("/batches/new")
    assert form.status_code == 200 and "Rau muống" in form.text
    token = csrf(form.text)
    today = clock.today().isoformat()
    data = {
        "product_id": str(product["id"]),
        "growing_area_id": str(area["id"]),
        "lot_code": "RM 1",
        "harvest_date": today,
        "quantity": "50",
        "unit": "bo",
        "_csrf_token": token,
    }
    bad = await client.post("/batches/new", data=data)
    assert bad.status_code == 422 and "Mã lô" in bad.text
    labels = {"brand": "Rau sạch Cát Hải", "standards": "TCCS 03:2026"}
    created = await client.post(
        "/batches/new", data=data | labels | {"lot_code": "RM-1"}, follow_redirects=False
    )
    assert created.status_code in (302, 303), created.text
    url = created.headers["location"]
    page = await client.get(url)
    assert (
        page.status_code == 200 and "Nhật ký sản xuất" in page.text and "chưa có mã vùng trồng" in page.text
    )
    assert "Rau sạch Cát Hải" in page.text and "TCCS 03:2026" in page.text
    # No photo and no diary yet: the page says stamps must wait, and for what.
    assert (
        "Chưa thể in tem" in page.text and "ảnh sản phẩm" in page.text and "công đoạn sản xuất" in page.text
    )
    assert "tiêu chuẩn áp dụng" not in page.text.split("Chưa thể in tem")[1].split("</p>")[0]
    headers = {"x-csrftoken": csrf(page.text), "HX-Request": "true"}
    tapped = await client.post(f"{url}/events", data={"kind": "irrigation"}, headers=headers)
    assert tapped.status_code == 201
    assert tapped.text.lstrip().startswith('<section id="diary"') and 'data-kind="irrigation"' in tapped.text
    sprayed = await client.post(
        f"{url}/events",
        data={
            "kind": "input_use",
            "input_type": "pesticide",
            "product_name": "Regent 800WG",
            "active_ingredient": "Fipronil",
            "dose": "1 g/bình",
            "phi_days": "7",
        },
        headers=headers,
    )
    assert sprayed.status_code == 201
    assert "Regent 800WG" in sprayed.text and "Cần được xác nhận trước khi in tem" in sprayed.text
    missing = await client.post(f"{url}/events", data={"kind": "shipping"}, headers=headers)
    assert missing.status_code == 422 and "Không được để trống" in missing.text
    listing = await client.get("/batches")
    assert "RM-1" in listing.text and "Bị gắn cờ" in listing.text
    epcis = await client.get(f"{url}/epcis.json")
    assert epcis.status_code == 200 and epcis.json()["type"] == "EPCISDocument"


async def test_coop_manager_clears_a_flag_on_the_page(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household()
    await accounts.join(manager, coop_id, member)
    product = await accounts.product(member, name="Na Cát Hải", unit="kg")
    area = await make_area(client, member)
    batch = await make_batch(
        client, member, product["id"], area["id"], harvest_date=clock.today().isoformat(), pack_date=None
    )
    spray_day = clock.today() - timedelta(days=1)
    await client.post(
        f"/api/v1/batches/{batch['id']}/events",
        json={
            "kind": "input_use",
            "occurred_at": f"{spray_day}T07:00:00+07:00",
            "details": {
                "input_type": "pesticide",
                "product_name": "Sherpa 10EC",
                "active_ingredient": "Cypermethrin",
                "dose": "15 ml",
                "phi_days": 7,
            },
        },
        headers=member.headers,
    )
    await web_login(client, manager.phone)
    page = await client.get(f"/batches/{batch['id']}")
    assert "Sherpa 10EC" in page.text and "Lý do xác nhận" in page.text
    reason = "Đã kiểm tra mẫu, dư lượng dưới ngưỡng cho phép"
    cleared = await client.post(
        f"/batches/{batch['id']}/clear",
        data={"reason": reason, "_csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert cleared.status_code in (302, 303)
    again = await client.get(f"/batches/{batch['id']}")
    assert reason in again.text and "Cờ đã được xác nhận" in again.text


async def test_batch_page_fills_brand_standards_and_packing_facility(client, accounts):
    from tests.traceability.test_batches import farm

    farmer, product, area = await farm(client, accounts)
    batch = await make_batch(client, farmer, product["id"], area["id"])
    from tests.factories import CAT_HAI

    facility = await client.post(
        "/api/v1/packing-facilities/",
        json={"name": "Nhà đóng gói Đồng Bài", "commune_code": CAT_HAI, "official_code": "VN-PK-0009"},
        headers=farmer.headers,
    )
    assert facility.status_code == 201, facility.text
    await web_login(client, farmer.phone)
    page = await client.get(f"/batches/{batch['id']}")
    assert "Nhà đóng gói Đồng Bài · VN-PK-0009" in page.text and "tiêu chuẩn áp dụng" in page.text
    form = {
        "_csrf_token": csrf(page.text),
        "brand": "Na Cát Hải",
        "standards": "TCCS 05:2026",
        "packing_facility_id": str(facility.json()["id"]),
    }
    saved = await client.post(f"/batches/{batch['id']}/labels", data=form, follow_redirects=False)
    assert saved.status_code in (302, 303), saved.text
    page = await client.get(f"/batches/{batch['id']}")
    assert "TCCS 05:2026" in page.text and "Cơ sở đóng gói: Nhà đóng gói Đồng Bài · VN-PK-0009" in page.text
    too_long = await client.post(f"/batches/{batch['id']}/labels", data=form | {"brand": "x" * 101})
    assert too_long.status_code == 422 and "Tối đa 100 ký tự" in too_long.text
