"""Sign-in by a one-time code (issue 21, point 4), the code read from the simulated Zalo outbox:
one use, 5 minutes, 5 wrong tries, 3 codes per phone and per client address in 15 minutes, the
same answer for a phone without an account, and a forgotten password reset."""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import timedelta

from litestar.testing import AsyncTestClient

from agrimarket import clock
from agrimarket.app import create_app
from agrimarket.tables import Message, MessageDelivery, SignInCode
from tests.conftest import ENGINE
from tests.factories import new_phone
from tests.messages.conftest import drain

SENT = "Nếu số điện thoại này có tài khoản, mã đăng nhập"


async def code_from_zalo(channel_sims, phone: str) -> str:
    sent = [m for m in channel_sims["zalo"].state.outbox if m["phone"] == "84" + phone[1:]]
    assert sent, "no code reached the simulated Zalo outbox"
    return sent[-1]["template_data"]["otp"]


async def test_a_code_read_from_zalo_signs_in_once_and_resets_the_password(
    client, accounts, delivery, channel_sims
):
    farmer = await accounts.household()
    asked = await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    assert asked.status_code == 202 and asked.json()["message"].startswith(SENT)
    await drain(delivery)
    code = await code_from_zalo(channel_sims, farmer.phone)
    assert len(code) == 6 and code.isdigit()
    assert code not in (await SignInCode.select().first())["code_hash"]
    message = await Message.select().first()
    assert code not in message["text"] and code not in str(message["params"]), "kept in clear after sending"

    signed_in = await client.post(
        "/api/v1/auth/code/sign-in",
        json={"phone": farmer.phone, "code": code, "new_password": "mat-khau-moi-456"},
    )
    assert signed_in.status_code == 200, signed_in.text
    token = signed_in.json()["token"]
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["phone"] == farmer.phone
    again = await client.post("/api/v1/auth/code/sign-in", json={"phone": farmer.phone, "code": code})
    assert again.status_code == 401 and "đã dùng" in again.json()["error"]["message"]
    assert (await accounts.login(farmer.phone, "mat-khau-moi-456")).token


async def test_a_phone_without_an_account_gets_the_same_answer_and_nothing_is_sent(
    client, delivery, channel_sims
):
    asked = await client.post("/api/v1/auth/code", json={"phone": new_phone()})
    assert asked.status_code == 202 and asked.json()["message"].startswith(SENT)
    assert await MessageDelivery.count() == 0
    wrong = await client.post("/api/v1/auth/code/sign-in", json={"phone": new_phone(), "code": "123456"})
    assert wrong.status_code == 401 and "Mã không đúng" in wrong.json()["error"]["message"]


async def test_a_malformed_phone_is_a_vietnamese_422(client):
    from tests.agrimarket.test_web_pages import csrf

    for path, body in (
        ("/api/v1/auth/code", {"phone": "12345"}),
        ("/api/v1/auth/code", {"phone": "0912３４５６７８"}),  # full-width digits
        ("/api/v1/auth/code/sign-in", {"phone": "0012345678", "code": "123456"}),
    ):
        refused = await client.post(path, json=body)
        assert refused.status_code == 422, (path, body, refused.text)
        error = refused.json()["error"]
        assert "phone" in error["fields"] and "Số điện thoại" in error["fields"]["phone"], error
    form = await client.get("/login/code")
    page = await client.post("/login/code", data={"_csrf_token": csrf(form.text), "phone": "12345"})
    assert page.status_code == 422 and "Số điện thoại di động không đúng" in page.text
    assert await SignInCode.count() == 0


# Bodies that are not what the code endpoints take: each a 4xx, never a 500 (issue 21, point 6).
ODD_BODIES = [
    ("/api/v1/auth/code", {}),
    ("/api/v1/auth/code", {"phone": None}),
    ("/api/v1/auth/code", {"phone": 912345678}),
    ("/api/v1/auth/code", {"phone": "0" * 10_000}),
    ("/api/v1/auth/code", ["0912345678"]),
    ("/api/v1/auth/code/sign-in", {"phone": "0912345678"}),
    ("/api/v1/auth/code/sign-in", {"phone": "0912345678", "code": 123456}),
    ("/api/v1/auth/code/sign-in", {"phone": "0912345678", "code": "１２３４５６"}),
    ("/api/v1/auth/code/sign-in", {"phone": "0912345678", "code": "123456", "new_password": "ngan"}),
    ("/api/v1/auth/code/sign-in", {"phone": "0912345678", "code": "123456", "new_password": 42}),
]


async def test_odd_bodies_are_refused_in_vietnamese_never_a_500(client):
    for path, body in ODD_BODIES:
        answer = await client.post(path, json=body)
        assert 400 <= answer.status_code < 500 and answer.status_code != 401, (body, answer.text)
        message = answer.json()["error"]["message"]
        assert message and message.isascii() is False, (body, message)  # Vietnamese first
    assert await SignInCode.count() == 0


async def test_a_wrong_a_used_an_expired_code_and_an_unknown_phone_get_one_answer(
    client, accounts, delivery, channel_sims, monkeypatch
):
    """Whatever went wrong, the same 401 and words: they never tell whether the phone has an account."""
    from tests.agrimarket.test_web_pages import csrf

    farmer = await accounts.household()
    await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    await drain(delivery)
    code = await code_from_zalo(channel_sims, farmer.phone)
    other = f"{(int(code) + 1) % 1_000_000:06d}"

    async def answer(phone: str, tried: str) -> tuple[int, dict]:
        got = await client.post("/api/v1/auth/code/sign-in", json={"phone": phone, "code": tried})
        return got.status_code, got.json()

    wrong = await answer(farmer.phone, other)
    unknown = await answer(new_phone(), code)
    assert (await answer(farmer.phone, code))[0] == 200
    used = await answer(farmer.phone, code)
    await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    await drain(delivery)
    fresh = await code_from_zalo(channel_sims, farmer.phone)
    later = clock.now() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    expired = await answer(farmer.phone, fresh)
    assert wrong == unknown == used == expired
    assert wrong[0] == 401 and wrong[1]["error"]["message"].startswith(
        "Mã không đúng, đã dùng hoặc đã hết hạn"
    )
    form = await client.get("/login/code")
    page = await client.post(
        "/login/code/sign-in", data={"_csrf_token": csrf(form.text), "phone": new_phone(), "code": fresh}
    )
    assert page.status_code == 401 and "Mã không đúng, đã dùng hoặc đã hết hạn" in page.text


async def test_five_wrong_tries_spend_the_code(client, accounts, delivery, channel_sims):
    farmer = await accounts.household()
    await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    await drain(delivery)
    code = await code_from_zalo(channel_sims, farmer.phone)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        answer = await client.post("/api/v1/auth/code/sign-in", json={"phone": farmer.phone, "code": wrong})
        assert answer.status_code == 401
    right = await client.post("/api/v1/auth/code/sign-in", json={"phone": farmer.phone, "code": code})
    assert right.status_code == 401


async def test_a_code_expires_after_five_minutes(client, accounts, delivery, channel_sims, monkeypatch):
    farmer = await accounts.household()
    await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    await drain(delivery)
    code = await code_from_zalo(channel_sims, farmer.phone)
    later = clock.now() + timedelta(minutes=5, seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    answer = await client.post("/api/v1/auth/code/sign-in", json={"phone": farmer.phone, "code": code})
    assert answer.status_code == 401


async def test_codes_at_night_are_not_held_and_go_by_sms_without_zalo(
    client, accounts, delivery, channel_sims, monkeypatch
):
    farmer = await accounts.household()
    channel_sims["zalo"].state.zalo.phones_without_zalo.add("84" + farmer.phone[1:])
    night = clock.now().astimezone(clock.VIETNAM).replace(hour=23)
    monkeypatch.setattr(clock, "now", lambda: night)
    await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    await drain(delivery)
    sms = channel_sims["sms"].state.outbox
    assert len(sms) == 1 and "Mã đăng nhập" in sms[0]["Content"]


async def test_three_codes_per_phone_in_fifteen_minutes_counted_across_app_processes(msg_settings, accounts):
    limited = dataclasses.replace(msg_settings, sign_in_codes_per_15_min=3)
    farmer = await accounts.household()
    # On PostgreSQL two apps (two processes' worth) share the counters; embedded SQLite is one process.
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(
                AsyncTestClient(app=create_app(limited), base_url="http://testserver.local")
            )
            for _ in range(2 if ENGINE == "postgres" else 1)
        ]
        answers = [
            (
                await clients[i % len(clients)].post("/api/v1/auth/code", json={"phone": farmer.phone})
            ).status_code
            for i in range(4)
        ]
    assert answers == [202, 202, 202, 429]
    assert await SignInCode.count() == 3


async def test_three_codes_per_client_address_in_fifteen_minutes(msg_settings):
    limited = dataclasses.replace(msg_settings, sign_in_codes_per_15_min=3)
    async with AsyncTestClient(app=create_app(limited), base_url="http://testserver.local") as client:
        answers = [
            (await client.post("/api/v1/auth/code", json={"phone": new_phone()})).status_code
            for _ in range(4)
        ]
        assert answers == [202, 202, 202, 429]
        refused = await client.post("/api/v1/auth/code", json={"phone": new_phone()})
    assert "Retry-After" in refused.headers and "quá nhiều mã" in refused.json()["error"]["message"]


async def test_the_pages_send_a_code_and_sign_in_with_it(client, accounts, delivery, channel_sims):
    from tests.agrimarket.test_web_pages import csrf

    farmer = await accounts.household()
    login = await client.get("/login")
    assert 'href="/login/code"' in login.text
    form = await client.get("/login/code")
    sent = await client.post("/login/code", data={"_csrf_token": csrf(form.text), "phone": farmer.phone})
    assert sent.status_code == 200 and "Mã 6 chữ số" in sent.text and SENT in sent.text
    await drain(delivery)
    code = await code_from_zalo(channel_sims, farmer.phone)
    wrong = await client.post(
        "/login/code/sign-in", data={"_csrf_token": csrf(sent.text), "phone": farmer.phone, "code": "99999x"}
    )
    assert wrong.status_code == 422 and "6 chữ số" in wrong.text
    signed_in = await client.post(
        "/login/code/sign-in",
        data={
            "_csrf_token": csrf(sent.text),
            "phone": farmer.phone,
            "code": code,
            "new_password": "mat-khau-moi-789",
        },
        follow_redirects=False,
    )
    assert signed_in.status_code in (302, 303), signed_in.text
    assert (await client.get("/messages")).status_code == 200  # the session cookie works
    assert (await accounts.login(farmer.phone, "mat-khau-moi-789")).token


async def test_a_manager_sends_a_member_signed_up_for_it_a_code_that_gives_it_a_password(
    client, accounts, delivery, channel_sims
):
    manager, coop_id = await accounts.coop_manager()
    phone = new_phone()
    household_id = await accounts.sign_up(manager, coop_id, phone=phone)
    sent = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members/{household_id}/sign-in-code", headers=manager.headers
    )
    assert sent.status_code == 202, sent.text
    assert phone in sent.json()["message"]
    await drain(delivery)
    code = await code_from_zalo(channel_sims, phone)
    signed_in = await client.post(
        "/api/v1/auth/code/sign-in", json={"phone": phone, "code": code, "new_password": "mat-khau-cua-ho"}
    )
    assert signed_in.status_code == 200, signed_in.text
    assert (await accounts.login(phone, "mat-khau-cua-ho")).token
    other = await accounts.household()
    refused = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members/{other.me['household_id']}/sign-in-code",
        headers=manager.headers,
    )
    assert refused.status_code == 404


async def test_an_admin_locks_an_account_which_then_signs_in_neither_way(client, accounts):
    farmer = await accounts.household()
    admin = await accounts.staff("admin")
    refused = await client.post(f"/api/v1/admin/users/{farmer.me['id']}/lock", headers=farmer.headers)
    assert refused.status_code == 403
    locked = await client.post(f"/api/v1/admin/users/{farmer.me['id']}/lock", headers=admin.headers)
    assert locked.status_code == 200 and locked.json() == {"user_id": farmer.me["id"], "locked": True}
    assert (await client.get("/api/v1/me", headers=farmer.headers)).status_code == 401
    password = await client.post(
        "/api/v1/auth/login", json={"phone": farmer.phone, "password": "mat-khau-123"}
    )
    assert password.status_code == 401
    asked = await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    assert asked.status_code == 202 and await SignInCode.count() == 0  # the same answer, no code
    unlocked = await client.post(f"/api/v1/admin/users/{farmer.me['id']}/unlock", headers=admin.headers)
    assert unlocked.json()["locked"] is False
    assert (await accounts.login(farmer.phone)).token


async def test_with_every_gateway_down_the_code_is_queued_and_goes_out_when_one_is_back(
    client, accounts, delivery, channel_sims
):
    farmer = await accounts.household()
    for sim in (channel_sims["zalo"], channel_sims["sms"]):
        sim.state.config.faults.error_rate = 1.0
    asked = await client.post("/api/v1/auth/code", json={"phone": farmer.phone})
    assert asked.status_code == 202 and asked.json()["message"].startswith(SENT)
    for _ in range(3):
        await delivery.run_one()
        await MessageDelivery.update({MessageDelivery.next_attempt_at: 0}).where(MessageDelivery.id > 0)
    row = await MessageDelivery.select().first()
    assert row["status"] == "queued" and row["attempts"] == 3 and "503" in row["last_error"]
    channel_sims["zalo"].state.config.faults.error_rate = 0.0
    await drain(delivery)
    assert await code_from_zalo(channel_sims, farmer.phone)
    assert (await MessageDelivery.select().first())["status"] == "sent"


async def test_with_every_gateway_down_the_page_says_the_code_is_on_its_way(
    client, accounts, delivery, channel_sims
):
    from tests.agrimarket.test_web_pages import csrf

    farmer = await accounts.household()
    for sim in (channel_sims["zalo"], channel_sims["sms"]):
        sim.state.config.faults.error_rate = 1.0
    form = await client.get("/login/code")
    page = await client.post("/login/code", data={"_csrf_token": csrf(form.text), "phone": farmer.phone})
    assert page.status_code == 200 and SENT in page.text and 'id="code"' in page.text
    await delivery.run_one()
    row = await MessageDelivery.select().first()
    assert row["status"] == "queued" and row["attempts"] == 1 and "503" in row["last_error"]
