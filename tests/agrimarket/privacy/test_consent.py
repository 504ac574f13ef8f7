"""Notice and consent (issue 26, point 1): recorded per purpose with the notice version, asked again
on a new version, asked at the first sign-in of an account a cooperative made; withdrawing the
training-messages consent stops those messages at once, and the message preferences agree."""

from __future__ import annotations

from agrimarket import clock
from agrimarket.accounts.passwords import hash_password
from agrimarket.privacy import consent as consent_module
from agrimarket.tables import Consent, Message, User
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.factories import CAT_HAI, PASSWORD, new_phone


async def _training(client, officer, phone: str) -> None:
    recorded = await client.post(
        "/api/v1/trainings",
        json={
            "held_on": clock.today().isoformat(),
            "commune_code": CAT_HAI,
            "topic": "Bán hàng trên sàn",
            "trainer": "Cán bộ xã",
            "phones": [phone],
        },
        headers=officer.headers,
    )
    assert recorded.status_code == 201, recorded.text


async def test_registration_records_each_purpose_with_the_notice_version(client):
    phone = new_phone()
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "phone": phone,
            "password": PASSWORD,
            "full_name": "Nguyễn Văn An",
            "commune_code": CAT_HAI,
            "granted": ["training_messages"],
        },
    )
    assert response.status_code == 201, response.text
    headers = {"Authorization": f"Bearer {response.json()['token']}"}
    state = (await client.get("/api/v1/me/consents", headers=headers)).json()
    assert state["needs_answer"] is False and state["notice_version"] == consent_module.NOTICE_VERSION
    given = {p["code"]: p["granted"] for p in state["purposes"]}
    assert given == {
        "service": True,
        "traceability": True,
        "statistics": True,
        "training_messages": True,
        "public_directory": False,
    }
    assert all(p["legal_basis"] for p in state["purposes"])
    rows = await Consent.select().where(Consent.purpose == "public_directory")
    assert [(r["granted"], r["notice_version"]) for r in rows] == [(False, consent_module.NOTICE_VERSION)]


async def test_a_new_notice_version_asks_again(client, accounts, monkeypatch):
    farmer = await accounts.household()
    await client.put("/api/v1/me/consents", json={"granted": ["training_messages"]}, headers=farmer.headers)
    monkeypatch.setattr(consent_module, "NOTICE_VERSION", "2099-01-01")
    state = (await client.get("/api/v1/me/consents", headers=farmer.headers)).json()
    assert state["needs_answer"] is True
    assert not any(p["granted"] for p in state["purposes"]), "an old version's consent counts for nothing"
    await web_login(client, farmer.phone)
    home = await client.get("/", follow_redirects=False)
    assert home.status_code in (302, 303) and home.headers["location"].startswith("/privacy/consent")
    page = await client.get("/privacy/consent")
    assert "Thực hiện thỏa thuận" in page.text and "In English" in page.text
    answered = await client.post(
        "/privacy/consent",
        data={"_csrf_token": csrf(page.text), "granted": ["public_directory"], "next": "/products"},
        follow_redirects=False,
    )
    assert answered.headers["location"] == "/products"
    state = (await client.get("/api/v1/me/consents", headers=farmer.headers)).json()
    assert state["needs_answer"] is False
    assert {p["code"] for p in state["purposes"] if p["granted"] and not p["required"]} == {
        "public_directory"
    }


async def test_the_first_sign_in_of_an_account_a_cooperative_made_shows_the_notice(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    phone = new_phone()
    await accounts.sign_up(manager, coop_id, "Lê Thị Em", phone=phone)
    # The farmer later sets a password by a sign-in code; here set it directly to sign in on the web.
    await User.update({User.password_hash: await hash_password(PASSWORD)}).where(User.phone == phone)
    page = await client.get("/login")
    signed_in = await client.post(
        "/login",
        data={"phone": phone, "password": PASSWORD, "_csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert signed_in.headers["location"].startswith("/privacy/consent?next=")


async def test_withdrawing_consent_stops_training_messages_at_once_and_preferences_agree(client, accounts):
    farmer = await accounts.household()
    officer = await accounts.staff("officer")
    await client.put("/api/v1/me/consents", json={"granted": ["training_messages"]}, headers=farmer.headers)
    prefs = (await client.get("/api/v1/messages/preferences", headers=farmer.headers)).json()
    assert "training" not in prefs["muted_kinds"]
    await _training(client, officer, farmer.phone)
    assert await Message.count().where(Message.kind == "training") == 1

    # One tap on "My data": withdrawn.
    await web_login(client, farmer.phone)
    page = await client.get("/my-data")
    assert 'action="/privacy/consents/training_messages"' in page.text
    tapped = await client.post(
        "/privacy/consents/training_messages",
        data={"_csrf_token": csrf(page.text), "granted": "0"},
        follow_redirects=False,
    )
    assert tapped.status_code in (302, 303)
    await _training(client, officer, farmer.phone)
    assert await Message.count().where(Message.kind == "training") == 1, "no message after withdrawal"
    prefs = (await client.get("/api/v1/messages/preferences", headers=farmer.headers)).json()
    assert "training" in prefs["muted_kinds"], "the preferences show the withdrawn consent as muted"

    # Unmuting training in the preferences gives the consent again: one switch, not two.
    saved = await client.put(
        "/api/v1/messages/preferences", json={"channel": "zalo", "muted_kinds": []}, headers=farmer.headers
    )
    assert saved.status_code == 200
    state = (await client.get("/api/v1/me/consents", headers=farmer.headers)).json()
    assert next(p for p in state["purposes"] if p["code"] == "training_messages")["granted"] is True


async def test_a_required_purpose_cannot_be_withdrawn_and_unknown_purposes_are_refused(client, accounts):
    farmer = await accounts.household()
    refused = await client.post("/api/v1/me/consents/service/withdraw", headers=farmer.headers)
    assert refused.status_code in (400, 422)
    assert refused.json()["error"]["message"]


async def test_every_page_links_the_notice_from_its_footer(client):
    for path in ("/", "/login", "/register", "/privacy"):
        page = await client.get(path)
        assert '<a href="/privacy">' in page.text, path
    notice = await client.get("/privacy")
    assert notice.text.index("Ai kiểm soát dữ liệu") < notice.text.index("In English")
    assert "91/2025/QH15" in notice.text
