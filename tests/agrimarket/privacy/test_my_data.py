"""My data (issue 26, point 2): everything held about the household from the three apps, as JSON
and CSV, only after a fresh sign-in, rate-limited, and only one's own."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from agrimarket import clock
from agrimarket.accounts.limits import STORE
from agrimarket.accounts.service import actor_for_token
from agrimarket.errors import RateLimited
from agrimarket.privacy import fresh
from agrimarket.privacy.settings import PrivacySettings
from tests.agrimarket.privacy.helpers import rich_household
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.factories import PASSWORD

KINDS = {
    "app_user",
    "household",
    "product",
    "product_photo",
    "bank_account",
    "auth_session",
    "consent",
    "audit_entry",
    "growing_area",
    "batch",
    "batch_event",
    "stamp_issue",
    "marketplace_account",
    "listing",
    "listing_history",
    "marketplace_order",
}


async def test_the_export_holds_every_kind_of_record_the_household_has(client, accounts):
    session, _ = await rich_household(client, accounts)
    other = await accounts.household(name="Hộ Khác Zqxa")
    answer = await client.get("/api/v1/me/data", headers=session.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["household_id"] == session.me["household_id"]
    filled = {s["key"] for s in body["sections"] if s["rows"]}
    assert filled >= KINDS, f"missing: {sorted(KINDS - filled)}"
    text = answer.text
    assert "Zqxa" not in text and other.phone not in text, "another household's data never appears"
    for secret in ("password_hash", "token_hash", "code_hash", "credentials_encrypted"):
        assert secret not in text
    assert session.phone in text and "1500205123456" in text

    as_csv = await client.get("/api/v1/me/data.csv", headers=session.headers)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "row", "field", "value"]
    assert {"household", "phone", session.phone} <= {cell for row in rows for cell in row}
    assert {row[0] for row in rows[1:]} >= KINDS


async def test_a_data_request_needs_a_fresh_sign_in(client, accounts, monkeypatch):
    session = await accounts.household()
    later = clock.now() + timedelta(days=2)  # past PRIVACY_FRESH_MINUTES (a day in the tests)
    monkeypatch.setattr(clock, "now", lambda: later)
    stale = await client.get("/api/v1/me/data", headers=session.headers)
    assert stale.status_code == 403 and stale.json()["error"]["code"] == "fresh_sign_in_required"
    assert "mật khẩu" in stale.json()["error"]["message"]
    wrong = await client.post(
        "/api/v1/me/confirm", json={"password": "sai-mat-khau"}, headers=session.headers
    )
    assert wrong.status_code == 422
    assert (await client.get("/api/v1/me/data", headers=session.headers)).status_code == 403
    right = await client.post("/api/v1/me/confirm", json={"password": PASSWORD}, headers=session.headers)
    assert right.status_code == 204, right.text
    assert (await client.get("/api/v1/me/data", headers=session.headers)).status_code == 200
    asked = await client.post("/api/v1/me/deletion", headers=session.headers)
    assert asked.status_code == 201


async def test_the_page_asks_for_the_password_when_the_sign_in_is_not_fresh(client, accounts, monkeypatch):
    session = await accounts.household()
    await web_login(client, session.phone)
    later = clock.now() + timedelta(days=2)
    monkeypatch.setattr(clock, "now", lambda: later)
    page = await client.get("/my-data")
    assert 'action="/my-data/confirm"' in page.text and "/my-data/export.csv" not in page.text
    download = await client.get("/my-data/export.csv", follow_redirects=False)
    assert download.headers["location"] == "/my-data"
    confirmed = await client.post(
        "/my-data/confirm",
        data={"_csrf_token": csrf(page.text), "password": PASSWORD},
        follow_redirects=False,
    )
    assert confirmed.status_code in (302, 303)
    page = await client.get("/my-data")
    assert "/my-data/export.csv" in page.text and session.phone in page.text


async def test_data_requests_are_rate_limited(client, accounts, settings, app):
    session = await accounts.household()
    tight = settings.with_section(PrivacySettings(environment="test", requests_per_hour=2))
    actor = await _actor(session)
    store = app.stores.get(STORE)
    await store.delete(f"data-request:{actor.user_id}")  # ids restart each test; the store does not
    await fresh.take_request(store, actor, tight)
    await fresh.take_request(store, actor, tight)
    try:
        await fresh.take_request(store, actor, tight)
    except RateLimited as refused:
        assert refused.headers and int(refused.headers["Retry-After"]) > 0
    else:
        raise AssertionError("the third request in the hour must be refused")


async def _actor(session):
    actor = await actor_for_token(session.token, "api")
    assert actor is not None
    return actor
