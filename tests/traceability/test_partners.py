""" "One step back, one step forward": a batch's suppliers and recipients, over the API, on the batch
page and on the trace (page and JSON)."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from agrimarket.tables import AuditEntry
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_areas import make_area
from tests.traceability.test_batches import make_batch as post_batch_ok
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.stamps.scan import SHOWN
from traceability.tables import BatchPartner, Stamp

BATCHES = "/api/v1/batches/"


async def add(client, session, batch_id: int, **partner):
    body = {"on_date": "2026-11-02"} | partner
    return await client.post(f"{BATCHES}{batch_id}/partners", json=body, headers=session.headers)


async def test_cooperative_names_member_households_as_suppliers(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    member = await accounts.household(name="Lê Thị Hoa")
    outsider = await accounts.household(name="Vũ Văn Nam")
    await accounts.join(manager, coop_id, member)
    product = await accounts.product(manager, name="Na Cát Hải", unit="kg")
    area = await make_area(client, manager)
    batch = await post_batch_ok(client, manager, product["id"], area["id"])
    ok = await add(
        client,
        manager,
        batch["id"],
        direction="supplier",
        kind="member_household",
        household_id=member.me["household_id"],
    )
    assert ok.status_code == 201, ok.text
    [supplier] = ok.json()
    assert supplier["name"] == "Lê Thị Hoa" and supplier["address"] == "Đặc khu Cát Hải"
    assert supplier["kind_label"] == "Hộ thành viên" and supplier["household_id"] == member.me["household_id"]
    refused = await add(
        client,
        manager,
        batch["id"],
        direction="supplier",
        kind="member_household",
        household_id=outsider.me["household_id"],
    )
    assert refused.status_code == 422 and "thành viên" in refused.json()["error"]["message"]
    bad_kind = await add(
        client, manager, batch["id"], direction="recipient", kind="member_household", name="X"
    )
    assert bad_kind.status_code == 422 and "kind" in bad_kind.json()["error"]["fields"]
    nameless = await add(client, manager, batch["id"], direction="recipient", kind="buyer")
    assert nameless.status_code == 422 and "name" in nameless.json()["error"]["fields"]
    # Officers read, never write; a stranger does not see the batch at all.
    officer = await accounts.staff(Role.OFFICER, "31")
    assert (await client.get(f"{BATCHES}{batch['id']}/partners", headers=officer.headers)).status_code == 200
    assert (
        await add(client, officer, batch["id"], direction="recipient", kind="buyer", name="A")
    ).status_code == 403
    assert (
        await add(client, outsider, batch["id"], direction="recipient", kind="buyer", name="A")
    ).status_code == 404
    actions = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.entity_id == batch["id"])
        .output(as_list=True)
    )
    assert "supplier_added" in actions


async def test_trace_shows_one_step_back_and_forward(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    back = await add(
        client,
        session,
        batch_id,
        direction="supplier",
        kind="input_dealer",
        name="Đại lý phân bón Hòa Bình",
        code="0201234567",
        on_date="2026-03-01",
    )
    assert back.status_code == 201, back.text
    forward = await add(
        client,
        session,
        batch_id,
        direction="recipient",
        kind="distributor",
        name="Công ty TNHH Nông sản Xanh",
        code="0109876543",
        address="Hà Nội",
    )
    assert forward.status_code == 201, forward.text
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).first())["serial"]
    body = (await client.get(f"/api/v1/trace/{serial}")).json()
    [supplier] = body["one_step_back"]
    assert supplier == {
        "kind": "input_dealer",
        "kind_label": "Đại lý vật tư",
        "name": "Đại lý phân bón Hòa Bình",
        "code": "0201234567",
        "address": "",
        "date": "2026-03-01",
    }
    [recipient] = body["one_step_forward"]
    assert recipient["name"] == "Công ty TNHH Nông sản Xanh" and recipient["kind_label"] == "Nhà phân phối"
    english = (await client.get(f"/api/v1/trace/{serial}", headers={"accept-language": "en"})).json()
    assert english["one_step_forward"][0]["kind_label"] == "Distributor"
    html = (await client.get(f"/t/{serial}")).text
    for text in (
        "Một bước trước, một bước sau",
        "Đại lý phân bón Hòa Bình",
        "0109876543",
        "Nhà phân phối",
        "02/11/2026",
    ):
        assert text in html, text
    # Removing a recipient: the API answers 204 and the next facts (after the cache) leave it out.
    partner_id = (
        await BatchPartner.select(BatchPartner.id).where(BatchPartner.kind == "distributor").first()
    )["id"]
    gone = await client.delete(f"{BATCHES}{batch_id}/partners/{partner_id}", headers=session.headers)
    assert gone.status_code == 204
    assert (
        await client.delete(f"{BATCHES}{batch_id}/partners/{partner_id}", headers=session.headers)
    ).status_code == 404
    SHOWN.clear()
    assert (await client.get(f"/api/v1/trace/{serial}")).json()["one_step_forward"] == []
    assert "Chưa ghi nhận" in (await client.get(f"/t/{serial}")).text


async def test_batch_page_adds_and_removes_partners(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    await web_login(client, session.phone)
    page = await client.get(f"/batches/{batch_id}")
    assert page.status_code == 200 and "Một bước trước, một bước sau" in page.text
    token = csrf(page.text)
    form = {
        "_csrf_token": token,
        "direction": "recipient",
        "kind": "packer",
        "name": "Cơ sở đóng gói Tân Phú",
        "on_date": "2026-11-03",
    }
    added = await client.post(f"/batches/{batch_id}/partners", data=form, follow_redirects=False)
    assert added.status_code in (302, 303), added.text
    page = await client.get(f"/batches/{batch_id}")
    assert "Cơ sở đóng gói Tân Phú" in page.text and "03/11/2026" in page.text
    bad = await client.post(f"/batches/{batch_id}/partners", data=form | {"on_date": "hôm qua"})
    assert bad.status_code == 422 and "Ngày không hợp lệ" in bad.text
    partner_id = (await BatchPartner.select(BatchPartner.id).first())["id"]
    removed = await client.post(
        f"/batches/{batch_id}/partners/{partner_id}/delete",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert removed.status_code in (302, 303)
    assert await BatchPartner.count() == 0
