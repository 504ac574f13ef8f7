"""Registration, login, tokens and the phone rules over the API."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from tests.factories import CAT_HAI, PASSWORD, new_phone


async def test_register_normalises_phone_and_returns_token(client):
    local = new_phone()
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "phone": "+84 " + local[1:4] + " " + local[4:],
            "password": PASSWORD,
            "full_name": "  Nguyễn   Thị Hoa ",
            "commune_code": CAT_HAI,
        },
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["user"]["phone"] == local
    assert body["user"]["full_name"] == "Nguyễn Thị Hoa"
    assert body["user"]["role"] == "household"
    assert body["user"]["household_id"] is not None
    me = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.json()["id"] == body["user"]["id"]


async def test_register_rejects_bad_input_in_vietnamese_and_writes_nothing(client):
    from agrimarket.tables import Household, User

    cases = [
        ({"phone": "012345"}, "phone", "Số điện thoại"),
        ({"password": "short"}, "password", "Mật khẩu"),
        ({"commune_code": "99999"}, "commune_code", "xã/phường"),
        ({"full_name": "   "}, "full_name", "họ và tên"),
        ({"role": "officer"}, "role", "Chỉ đăng ký"),
    ]
    for override, field, words in cases:
        payload = {
            "phone": new_phone(),
            "password": PASSWORD,
            "full_name": "An",
            "commune_code": CAT_HAI,
        } | override
        response = await client.post("/api/v1/auth/register", json=payload)
        assert response.status_code == 422, (override, response.text)
        error = response.json()["error"]
        assert error["code"] == "invalid"
        assert field in error["fields"]
        assert words.lower() in error["message"].lower()
    assert await User.count() == 0
    assert await Household.count() == 0


async def test_english_messages_when_asked(client):
    response = await client.post(
        "/api/v1/auth/register",
        json={"phone": "12", "password": PASSWORD, "full_name": "An", "commune_code": CAT_HAI},
        headers={"Accept-Language": "en-GB,en;q=0.9"},
    )
    assert response.status_code == 422
    assert "Vietnamese mobile" in response.json()["error"]["message"]


async def test_duplicate_phone_is_a_conflict(client, accounts):
    first = await accounts.household()
    response = await client.post(
        "/api/v1/auth/register",
        json={"phone": first.phone, "password": PASSWORD, "full_name": "Khác", "commune_code": CAT_HAI},
    )
    assert response.status_code == 409
    assert "đã có tài khoản" in response.json()["error"]["message"]


async def test_wrong_phone_and_wrong_password_answer_alike(client, accounts):
    user = await accounts.household()
    wrong_password = await client.post(
        "/api/v1/auth/login", json={"phone": user.phone, "password": "sai-mat-khau"}
    )
    unknown_phone = await client.post("/api/v1/auth/login", json={"phone": new_phone(), "password": PASSWORD})
    assert wrong_password.status_code == unknown_phone.status_code == 401
    assert wrong_password.json() == unknown_phone.json()


async def test_password_is_stored_as_argon2_hash(accounts):
    from agrimarket.tables import User

    user = await accounts.household()
    stored = await User.select(User.password_hash).where(User.phone == user.phone).first()
    assert stored["password_hash"].startswith("$argon2id$")
    assert PASSWORD not in stored["password_hash"]


async def test_password_is_stored_with_the_real_parameters(real_password_hashing, client, accounts):
    """The suite hashes cheaply (tests/conftest.py); here the product's own Argon2id parameters."""
    from argon2 import PasswordHasher
    from argon2.profiles import RFC_9106_LOW_MEMORY

    from agrimarket.tables import User

    user = await accounts.household()
    stored = (await User.select(User.password_hash).where(User.phone == user.phone).first())["password_hash"]
    assert stored.startswith(
        f"$argon2id$v=19$m={RFC_9106_LOW_MEMORY.memory_cost},t={RFC_9106_LOW_MEMORY.time_cost},"
        f"p={RFC_9106_LOW_MEMORY.parallelism}$"
    )
    assert not PasswordHasher().check_needs_rehash(stored)
    assert (await accounts.login(user.phone)).me["id"] == user.me["id"]
    wrong = await client.post("/api/v1/auth/login", json={"phone": user.phone, "password": "sai-mat-khau"})
    assert wrong.status_code == 401


async def test_logout_revokes_the_token(client, accounts):
    user = await accounts.household()
    assert (await client.post("/api/v1/auth/logout", headers=user.headers)).status_code == 204
    response = await client.get("/api/v1/me", headers=user.headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


async def test_cookie_does_not_authenticate_the_api(client, accounts):
    user = await accounts.household()
    client.cookies.set("agm_session", user.token)
    assert (await client.get("/api/v1/me")).status_code == 401


async def test_officer_is_created_by_cli_service_only(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "31")
    assert officer.me["role"] == "officer"
    assert officer.me["scope_province"] == "31"


async def test_register_with_vpost_code_and_address(client):
    from agrimarket.tables import Household

    payload = {"phone": new_phone(), "password": PASSWORD, "full_name": "Đỗ Văn Tám", "commune_code": CAT_HAI}
    too_long = await client.post("/api/v1/auth/register", json=payload | {"address": "x" * 301})
    assert too_long.status_code == 422 and "address" in too_long.json()["error"]["fields"]
    bad_code = await client.post("/api/v1/auth/register", json=payload | {"vpost_code": "a b"})
    assert bad_code.status_code == 422 and "vpost_code" in bad_code.json()["error"]["fields"]
    ok = await client.post(
        "/api/v1/auth/register", json=payload | {"vpost_code": " vn-11914-07 ", "address": "Thôn  Hoàng Châu"}
    )
    assert ok.status_code == 201, ok.text
    row = await Household.select(Household.vpost_code, Household.address).first()
    assert row == {"vpost_code": "VN-11914-07", "address": "Thôn Hoàng Châu"}
