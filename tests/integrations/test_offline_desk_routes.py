"""The order page's forms as the phone's offline queue sends them (issue 22, point 3), over real HTTP
against the Voso simulator: an ``Idempotency-Key`` per tap applies it once, the answer lands on the
action's state (which the queue follows to the marketplace's answer), and the key with another body
is refused. The browser side is tests/browser/test_offline_desk.py."""

from __future__ import annotations

import re

from integrations.tables import OrderAction
from tests.agrimarket.test_web_pages import csrf
from tests.integrations.test_order_pages import ordered, settle


async def test_a_queued_tap_is_applied_once_and_lands_on_its_action(
    client, accounts, worker, sims, int_settings
):
    _farmer, order, _ref = await ordered(client, accounts, worker, sims, int_settings)
    page = (await client.get(f"/orders/{order}")).text
    form_key = re.search(rf'action="/orders/{order}/confirm">.*?name="key" value="([^"]+)"', page, re.S)
    body = {"_csrf_token": csrf(page), "key": form_key.group(1)}
    headers = {"Idempotency-Key": "phone-tap-0001", "HX-Request": "true"}

    first = await client.post(f"/orders/{order}/confirm", data=body, headers=headers)
    assert first.status_code == 200, first.text
    assert str(first.url).endswith(f"/orders/{order}/actions/{first.json()['id']}")
    assert (first.json()["kind"], first.json()["status"]) == ("confirm", "queued")

    again = await client.post(f"/orders/{order}/confirm", data=body, headers=headers)  # the answer was lost
    assert again.history[0].headers["idempotent-replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert await OrderAction.count().where(OrderAction.order == order) == 1

    other = await client.post(f"/orders/{order}/confirm", data=body | {"key": "another"}, headers=headers)
    assert other.status_code == 422 and "Mã chống gửi trùng" in other.text

    await settle(worker)
    followed = await client.get(f"/orders/{order}/actions/{first.json()['id']}")
    assert followed.json()["status"] == "done"
    assert (await client.get(f"/orders/{order}/actions/999999")).status_code == 404
