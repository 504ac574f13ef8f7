"""Assisted sign-up and its claim (issue 17 §1): the manager never knows a password, the farmer
who registers later claims the account, and an officer confirms it with the claimant's code."""

from __future__ import annotations

from agrimarket.accounts.actor import Role
from agrimarket.tables import User
from tests.agrimarket.households.test_import import finished, upload, xlsx
from tests.factories import CAT_HAI, PASSWORD, new_phone

COOPS = "/api/v1/cooperatives"


async def test_assisted_sign_up_has_no_password_and_the_farmer_claims_it_through_an_officer(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    phone = new_phone()
    # The manager cannot choose a password for the household (the field no longer exists).
    with_password = await client.post(
        f"{COOPS}/{coop_id}/members",
        json={"phone": phone, "head_name": "Lê Thị Em", "password": "manager-knows-it"},
        headers=manager.headers,
    )
    assert with_password.status_code == 422
    await accounts.sign_up(manager, coop_id, phone=phone)
    account = await User.select().where(User.phone == phone).first()
    assert account["password_hash"] == "" and account["assisted_by"] == manager.me["id"]
    for guess in ("", "not-a-real-password", "manager-knows-it"):
        login = await client.post("/api/v1/auth/login", json={"phone": phone, "password": guess})
        assert login.status_code in (401, 422), guess

    registered = await client.post(
        "/api/v1/auth/register",
        json={"phone": phone, "password": PASSWORD, "full_name": "Lê Thị Em", "commune_code": CAT_HAI},
    )
    assert registered.status_code == 202, registered.text
    claim_id, code = registered.json()["claim_id"], registered.json()["code"]
    assert code in registered.json()["message"]
    login = {"phone": phone, "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 401
    confirm = f"/api/v1/account-claims/{claim_id}/confirm"
    hanoi = await accounts.staff(Role.OFFICER, "01")
    assert (await client.post(confirm, json={"code": code}, headers=hanoi.headers)).status_code == 404
    assert (await client.post(confirm, json={"code": code}, headers=manager.headers)).status_code == 403
    officer = await accounts.staff(Role.OFFICER, CAT_HAI)  # the commune's officer
    claims = (await client.get("/api/v1/account-claims/", headers=officer.headers)).json()
    assert [c["id"] for c in claims] == [claim_id] and claims[0]["assisted_by"] == manager.me["full_name"]
    assert code not in str(claims)  # the officer learns the code from the phone's owner only
    other_code = "000000" if code != "000000" else "111111"
    wrong = await client.post(confirm, json={"code": other_code}, headers=officer.headers)
    assert wrong.status_code == 422 and "code" in wrong.json()["error"]["fields"]
    assert (await client.post(confirm, json={"code": code}, headers=officer.headers)).status_code == 204
    farmer = await accounts.login(phone)  # the farmer's chosen password now works
    mine = (await client.get("/api/v1/me/cooperative", headers=farmer.headers)).json()
    assert mine["cooperative"]["id"] == coop_id  # and it sees (and may leave) the cooperative
    # A second registration for the phone is a plain 409 now: the account has its password.
    again = await client.post(
        "/api/v1/auth/register",
        json={
            "phone": phone,
            "password": "mat-khau-khac",
            "full_name": "Kẻ mạo danh",
            "commune_code": CAT_HAI,
        },
    )
    assert again.status_code == 409


async def test_a_rejected_claim_leaves_the_account_without_a_password(client, accounts):
    manager, coop_id = await accounts.coop_manager()
    phone = new_phone()
    await accounts.sign_up(manager, coop_id, phone=phone)
    body = {"phone": phone, "password": PASSWORD, "full_name": "Kẻ mạo danh", "commune_code": CAT_HAI}
    claim = (await client.post("/api/v1/auth/register", json=body)).json()
    officer = await accounts.staff(Role.OFFICER, "31")
    claim_url = f"/api/v1/account-claims/{claim['claim_id']}"
    assert (await client.post(f"{claim_url}/reject", headers=officer.headers)).status_code == 204
    confirm = await client.post(f"{claim_url}/confirm", json={"code": claim["code"]}, headers=officer.headers)
    assert confirm.status_code == 409
    assert (
        await client.post("/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
    ).status_code == 401
    assert (await User.select(User.password_hash).where(User.phone == phone).first())["password_hash"] == ""


async def test_a_strangers_claim_cannot_be_confirmed_by_calling_the_real_farmer(client, accounts):
    """Someone registers first with a farmer's signed-up phone: the officer calls the phone, the real
    farmer has no code to read out, and five wrong codes reject the stranger's claim."""
    manager, coop_id = await accounts.coop_manager()
    phone = new_phone()
    await accounts.sign_up(manager, coop_id, phone=phone)
    body = {"phone": phone, "password": "mat-khau-ke-gian", "full_name": "Kẻ Gian", "commune_code": CAT_HAI}
    stranger = (await client.post("/api/v1/auth/register", json=body)).json()
    officer = await accounts.staff(Role.OFFICER, "31")
    confirm = f"/api/v1/account-claims/{stranger['claim_id']}/confirm"
    guesses = [f"{n:06d}" for n in range(10) if f"{n:06d}" != stranger["code"]][:5]
    answers = [
        (await client.post(confirm, json={"code": guess}, headers=officer.headers)).status_code
        for guess in guesses
    ]
    assert answers == [422] * 5
    too_late = await client.post(confirm, json={"code": stranger["code"]}, headers=officer.headers)
    assert too_late.status_code == 409
    assert (await User.select(User.password_hash).where(User.phone == phone).first())["password_hash"] == ""


async def test_a_household_an_officer_imported_is_claimed_the_same_way(client, accounts):
    officer = await accounts.staff(Role.OFFICER, "31")
    phone = new_phone()
    rows = [["Hộ Trong Danh Sách", phone, "", CAT_HAI, "", "", ""]]
    job = await finished(client, officer, (await upload(client, officer, "ho.xlsx", xlsx(rows))).json()["id"])
    assert job["imported"] == 1
    body = {"phone": phone, "password": PASSWORD, "full_name": "Hộ Trong Danh Sách", "commune_code": CAT_HAI}
    claim = await client.post("/api/v1/auth/register", json=body)
    assert claim.status_code == 202, claim.text  # not 409: the listed household claims its record
    confirm = f"/api/v1/account-claims/{claim.json()['claim_id']}/confirm"
    assert (
        await client.post(confirm, json={"code": claim.json()["code"]}, headers=officer.headers)
    ).status_code == 204
    farmer = await accounts.login(phone)
    assert farmer.me["household_id"] is not None and farmer.me["role"] == "household"
