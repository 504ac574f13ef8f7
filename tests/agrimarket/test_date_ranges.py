"""Hostile dates in the core: training sessions and declared listings are bounded (agrimarket.dates)."""

from __future__ import annotations

from datetime import date

from agrimarket.accounts.actor import Role
from agrimarket.dates import shifted
from tests.agrimarket.training.test_training import URL as TRAININGS
from tests.agrimarket.training.test_training import session_body
from tests.factories import HAI_PHONG

DECLARED = "/api/v1/declared-listings/"


def fields(response) -> dict:
    assert response.status_code == 422, response.text
    return response.json()["error"]["fields"]


async def test_training_before_2000_is_refused(client, accounts):
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    old = await client.post(TRAININGS, json=session_body(held_on="0001-01-01"), headers=officer.headers)
    assert "held_on" in fields(old)
    assert (await client.post(TRAININGS, json=session_body(), headers=officer.headers)).status_code == 201


async def test_declared_listing_dates_are_bounded(client, accounts):
    farmer = await accounts.household()
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    body = {
        "household_id": farmer.me["household_id"],
        "marketplace": "shopee",
        "shop_url": "https://shopee.vn/ca-song-cat-hai",
        "from_date": "2026-01-05",
    }
    far = await client.post(DECLARED, json=body | {"from_date": "9999-12-31"}, headers=officer.headers)
    assert "from_date" in fields(far)
    endless = await client.post(DECLARED, json=body | {"to_date": "9999-12-31"}, headers=officer.headers)
    assert "to_date" in fields(endless)
    created = await client.post(DECLARED, json=body, headers=officer.headers)
    assert created.status_code == 201, created.text
    # Ending it later is bounded the same way: at most ten years after its start.
    url = f"{DECLARED}{created.json()['id']}"
    late = shifted(date(2026, 1, 5), years=10, days=1).isoformat()
    assert "to_date" in fields(await client.patch(url, json={"to_date": late}, headers=officer.headers))
    assert (
        await client.patch(url, json={"to_date": "2035-01-05"}, headers=officer.headers)
    ).status_code == 200


async def test_indicator_dates_at_the_calendars_ends_never_fail(client, accounts):
    officer = await accounts.staff(Role.OFFICER, HAI_PHONG)
    for params in (
        {"date": "9999-12-31"},
        {"date": "0001-01-01"},
        {"from": "0001-01-01"},
        {"from": "9999-12-31"},
    ):
        for url in ("/api/v1/indicators/", "/api/v1/indicators/export.csv", "/indicators/"):
            answer = await client.get(url, params=params, headers=officer.headers)
            assert answer.status_code < 500, (url, params, answer.text[:300])
