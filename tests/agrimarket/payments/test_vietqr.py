"""A seller's bank account and the VietQR code on the public product page.

The code is checked the way a banking app reads it: decoded from the PNG with zxing-cpp, split into
EMVCo fields by a parser written here (not the library's), and its CRC recomputed.
"""

from __future__ import annotations

import io

import zxingcpp
from PIL import Image

from agrimarket.tables import BankAccount
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.factories import Role

VIETCOMBANK = "970436"
ACCOUNT = {"bank_bin": VIETCOMBANK, "account_number": "0011 0023 45678", "account_name": "Nguyễn Văn Đức"}


def emv_fields(text: str) -> dict[str, str]:
    """EMVCo TLV: two-digit id, two-digit length, value."""
    fields, at = {}, 0
    while at < len(text):
        tag, size = text[at : at + 2], int(text[at + 2 : at + 4])
        fields[tag] = text[at + 4 : at + 4 + size]
        at += 4 + size
    return fields


def crc16_ccitt_false(data: bytes) -> str:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


async def decoded_code(client, product_id: int) -> tuple[str, dict[str, str]]:
    response = await client.get(f"/p/{product_id}/vietqr.png")
    assert response.status_code == 200 and response.headers["content-type"] == "image/png"
    (result,) = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    return result.text, emv_fields(result.text)


async def test_household_saves_its_account_cleaned_and_reads_it_back(client, accounts):
    farmer = await accounts.household()
    saved = await client.put("/api/v1/bank-account/", json=ACCOUNT, headers=farmer.headers)
    assert saved.status_code == 200, saved.text
    body = saved.json()
    assert "Ngoại Thương" in body.pop("bank_name")
    assert body == {
        "bank_bin": VIETCOMBANK,
        "bank_short_name": "Vietcombank",
        "account_number": "0011002345678",  # spaces typed from the card are dropped
        "account_name": "NGUYEN VAN DUC",
    }
    # Saving again replaces it: one account per owner.
    again = ACCOUNT | {"account_number": "9704229201"}
    assert (await client.put("/api/v1/bank-account/", json=again, headers=farmer.headers)).status_code == 200
    assert (await client.get("/api/v1/bank-account/", headers=farmer.headers)).json()[
        "account_number"
    ] == "9704229201"
    assert await BankAccount.count() == 1


async def test_bad_account_details_are_a_422_per_field_and_nothing_is_saved(client, accounts):
    farmer = await accounts.household()
    bad = {"bank_bin": "123456", "account_number": "12", "account_name": "123 !!"}
    response = await client.put("/api/v1/bank-account/", json=bad, headers=farmer.headers)
    assert response.status_code == 422
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"bank_bin", "account_number", "account_name"}
    assert "ngân hàng" in fields["bank_bin"]
    assert await BankAccount.count() == 0
    nothing = await client.get("/api/v1/bank-account/", headers=farmer.headers)
    assert nothing.status_code == 200 and nothing.json() is None


async def test_only_households_and_cooperatives_have_accounts(client, accounts):
    officer = await accounts.staff(Role.OFFICER)
    response = await client.put("/api/v1/bank-account/", json=ACCOUNT, headers=officer.headers)
    assert (
        response.status_code == 403 and "hộ sản xuất hoặc hợp tác xã" in response.json()["error"]["message"]
    )
    assert (await client.put("/api/v1/bank-account/", json=ACCOUNT)).status_code == 401


async def test_product_page_shows_a_vietqr_code_that_pays_the_price(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, price_vnd=45000)
    page = await client.get(f"/p/{product['id']}")
    assert "VietQR" not in page.text  # no account yet: no code
    assert (await client.get(f"/p/{product['id']}/vietqr.png")).status_code == 404

    await client.put("/api/v1/bank-account/", json=ACCOUNT, headers=farmer.headers)
    page = await client.get(f"/p/{product['id']}")
    assert f'src="/p/{product["id"]}/vietqr.png"' in page.text and "NGUYEN VAN DUC" in page.text
    text, fields = await decoded_code(client, product["id"])
    assert fields["00"] == "01" and fields["01"] == "12"  # dynamic: the amount is in the code
    provider = emv_fields(fields["38"])
    assert provider["00"] == "A000000727"  # NAPAS
    assert emv_fields(provider["01"]) == {"00": VIETCOMBANK, "01": "0011002345678"}
    assert provider["02"] == "QRIBFTTA"  # transfer to an account number
    assert (fields["53"], fields["54"], fields["58"]) == ("704", "45000", "VN")
    assert emv_fields(fields["62"])["08"] == f"AGRIMARKET SP{product['id']}"
    assert fields["63"] == crc16_ccitt_false(text[:-4].encode())

    # A new price gives a new code (and a new ETag); an unchanged one answers 304.
    etag = (await client.get(f"/p/{product['id']}/vietqr.png")).headers["etag"]
    assert (
        await client.get(f"/p/{product['id']}/vietqr.png", headers={"if-none-match": etag})
    ).status_code == 304
    await client.patch(f"/api/v1/products/{product['id']}", json={"price_vnd": 52000}, headers=farmer.headers)
    assert (await decoded_code(client, product["id"]))[1]["54"] == "52000"
    assert (await client.get(f"/p/{product['id']}/vietqr.png")).headers["etag"] != etag


async def test_cooperative_product_pays_the_cooperative(client, accounts):
    manager, _ = await accounts.coop_manager()
    coop_account = ACCOUNT | {"account_number": "1903 5555 0000 11", "account_name": "HTX Nông nghiệp 1"}
    saved = await client.put("/api/v1/bank-account/", json=coop_account, headers=manager.headers)
    assert saved.json()["account_name"] == "HTX NONG NGHIEP 1"
    product = await accounts.product(manager)
    provider = emv_fields((await decoded_code(client, product["id"]))[1]["38"])
    assert emv_fields(provider["01"])["01"] == "19035555000011"


async def test_bank_account_form_on_the_phone_page(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    page = await client.get("/bank-account/")
    assert page.status_code == 200 and "Tài khoản nhận tiền" in page.text and "Vietcombank" in page.text
    form = {"bank_bin": VIETCOMBANK, "account_number": "abc", "account_name": "Lê Thị Hồng"}
    refused = await client.post("/bank-account/", data=form | {"_csrf_token": csrf(page.text)})
    assert refused.status_code == 422 and "Số tài khoản gồm" in refused.text
    assert 'value="Lê Thị Hồng"' in refused.text  # what was typed is kept
    form["account_number"] = "0123456789"
    saved = await client.post("/bank-account/", data=form | {"_csrf_token": csrf(refused.text)})
    assert saved.status_code == 200 and "Đã lưu tài khoản nhận tiền" in saved.text
    assert 'value="LE THI HONG"' in saved.text
    assert (await client.post("/bank-account/", data=form)).status_code == 403  # no CSRF token


async def test_bank_list_is_napas_bins(client):
    banks = {bank["bin"]: bank["short_name"] for bank in (await client.get("/api/v1/banks")).json()}
    assert banks[VIETCOMBANK] == "Vietcombank" and banks["970405"] == "Agribank"
    assert all(len(code) == 6 and code.isdigit() for code in banks)
