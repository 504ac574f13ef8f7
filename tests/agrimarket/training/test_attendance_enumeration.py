"""A recorder sends phones of households outside their reach to learn which are registered: the
answer for a registered phone and for one nobody registered is the same."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from tests.agrimarket.training.test_training import URL, session_body, xlsx_list
from tests.factories import new_phone
from tests.traceability.test_areas import other_province_commune


def _without_phone(rows: list[dict]) -> list[dict]:
    return [{k: v for k, v in row.items() if k != "phone"} for row in rows]


async def test_a_coop_manager_cannot_tell_registered_phones_from_unknown_ones(client, accounts):
    manager, _ = await accounts.coop_manager()
    registered = (await accounts.household(name="Đỗ Văn Ngoài")).phone
    unknown = new_phone()
    made = await client.post(URL, json=session_body(phones=[registered, unknown]), headers=manager.headers)
    assert made.status_code == 201, made.text
    rejected = made.json()["rejected"]
    assert [r["phone"] for r in rejected] == [registered, unknown]
    first, second = _without_phone(rejected)
    assert first == second == {"row": None, "reason": "Không có hộ nào trong phạm vi của bạn với số này."}
    # The same from an uploaded attendance sheet (rows 2 and 3).
    sheet = xlsx_list([registered, unknown])
    uploaded = await client.post(
        f"{URL}{made.json()['id']}/attendance",
        files={"file": ("diem-danh.xlsx", sheet)},
        headers=manager.headers,
    )
    assert uploaded.status_code == 200, uploaded.text
    reasons = {r["reason"] for r in uploaded.json()["rejected"]}
    assert reasons == {"Không có hộ nào trong phạm vi của bạn với số này."}
    assert [r["row"] for r in uploaded.json()["rejected"]] == [2, 3]


async def test_an_officer_elsewhere_gets_the_same_answer_for_both(client, accounts):
    registered = (await accounts.household()).phone  # in Hải Phòng
    hanoi = await accounts.staff(Role.OFFICER, "01")
    body = session_body(commune_code=await other_province_commune(client), phones=[registered, new_phone()])
    made = await client.post(URL, json=body, headers=hanoi.headers)
    assert made.status_code == 201, made.text
    first, second = _without_phone(made.json()["rejected"])
    assert first == second
