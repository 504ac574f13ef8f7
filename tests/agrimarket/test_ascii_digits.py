"""Only 0-9 are digits: full-width (０-９) and Arabic-Indic (٠-٩) digits, which Python's int(),
str.isdigit() and \\d all accept, never make a phone, GTIN, tax code, PIN or number."""

from __future__ import annotations

from datetime import timedelta

from agrimarket import clock
from agrimarket.tables import Household, User
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.factories import CAT_HAI, PASSWORD, tax_code
from tests.traceability.test_batches import add_spray, farm, make_batch
from tests.traceability.test_scan import stamped

FULL = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def register_body(phone: str) -> dict:
    return {"phone": phone, "password": PASSWORD, "full_name": "Nguyễn Văn An", "commune_code": CAT_HAI}


async def test_lookalike_phone_cannot_register_a_second_household(client, accounts):
    genuine = await client.post("/api/v1/auth/register", json=register_body("0912000101"))
    assert genuine.status_code == 201, genuine.text
    # The attack of the issue, and the same with Arabic-Indic digits and a 9-digit spreadsheet form.
    for phone in ("0912０００１０１", "0912000101".translate(ARABIC), "912000101".translate(FULL)):
        refused = await client.post("/api/v1/auth/register", json=register_body(phone))
        assert refused.status_code == 422, (phone, refused.text)
        assert "Số điện thoại di động không đúng" in refused.json()["error"]["fields"]["phone"]
        login = await client.post("/api/v1/auth/login", json={"phone": phone, "password": PASSWORD})
        assert login.status_code == 401
    assert await Household.count() == 1 and await User.count() == 1
    # A manager adding a member by a lookalike phone gets the same answer.
    manager, coop_id = await accounts.coop_manager()
    member = await client.post(
        f"/api/v1/cooperatives/{coop_id}/members",
        json={"phone": "0912０００２０２", "head_name": "Lê Thị Hoa", "commune_code": CAT_HAI},
        headers=manager.headers,
    )
    assert member.status_code == 422 and "phone" in member.json()["error"]["fields"]


async def test_gtin_and_tax_code_take_ascii_digits_only(client, accounts):
    farmer = await accounts.household()
    for gtin in ("9506000134352".translate(FULL), "9506000134352".translate(ARABIC)):
        refused = await accounts.post_product(farmer, gtin=gtin)
        assert refused.status_code == 422 and "gtin" in refused.json()["error"]["fields"], gtin
    manager = await accounts.register("coop_manager")
    coop = {"name": "HTX Rau sạch", "tax_code": tax_code(5).translate(ARABIC), "commune_code": CAT_HAI}
    refused = await client.post("/api/v1/cooperatives/", json=coop, headers=manager.headers)
    assert refused.status_code == 422 and "tax_code" in refused.json()["error"]["fields"]


async def test_training_attendee_with_lookalike_phone_is_rejected(client, accounts):
    from agrimarket.accounts.actor import Role
    from tests.agrimarket.training.test_training import URL, session_body

    farmer = await accounts.household()
    officer = await accounts.staff(Role.OFFICER)
    body = session_body(phones=[farmer.phone.translate(FULL)])
    made = await client.post(URL, json=body, headers=officer.headers)
    assert made.status_code == 201, made.text
    assert made.json()["attendees"] == 0 and len(made.json()["rejected"]) == 1


async def test_forms_read_numbers_in_ascii_digits_only(client, accounts):
    farmer = await accounts.household()
    product = await accounts.product(farmer, stock=5)
    await web_login(client, farmer.phone)
    headers = {"x-csrftoken": csrf((await client.get("/products")).text), "HX-Request": "true"}
    url = f"/products/{product['id']}"
    price = await client.post(f"{url}/price", data={"price_vnd": "１８５００"}, headers=headers)
    assert price.status_code == 422 and "Giá phải là số" in price.text
    await client.post(f"{url}/stock", data={"delta": "٥"}, headers=headers)  # read as no change
    stock = (await client.get(f"/api/v1/products/{product['id']}", headers=farmer.headers)).json()
    assert (stock["stock"], stock["price_vnd"]) == (5, product["price_vnd"])


async def test_stamp_count_and_diary_refuse_other_digits(client, accounts):
    session, _, batch_id, _ = await stamped(client, accounts)
    await web_login(client, session.phone)
    form = await client.get(f"/batches/{batch_id}/stamps/new")
    made = await client.post(
        f"/batches/{batch_id}/stamps/new",
        data={"count": "１０", "label_size": "30x40", "_csrf_token": csrf(form.text)},
    )
    assert made.status_code == 400 and "Số tem phải là số" in made.text

    farmer, product, area = await farm(client, accounts)
    batch = await make_batch(client, farmer, product["id"], area["id"])
    sprayed = clock.today() - timedelta(days=3)
    spray = await add_spray(client, farmer, batch["id"], sprayed, "٧")
    assert spray.status_code == 422 and "details.phi_days" in spray.json()["error"]["fields"]


def test_csv_export_treats_other_digits_as_text():
    from agrimarket.exports import excel_safe

    assert excel_safe("-12") == "-12"
    assert excel_safe("-١٢") == "'-١٢"  # not a number to Excel: escaped like any formula start


def test_no_unicode_digit_checks_left_in_the_code():
    """\\d and str.isdigit() take any script's digits: the apps use [0-9] and agrimarket.text."""
    import re
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for app in ("agrimarket", "traceability", "integrations"):
        for path in (root / app).rglob("*.py"):
            relative = path.relative_to(root).as_posix()
            if (
                "piccolo_migrations" in relative
                or "/simulators/" in relative
                or relative == "agrimarket/text.py"
            ):
                continue  # simulators stand for foreign systems; text.py defines ascii_digits
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if re.search(r"\\d|\.isdigit\(\)|\.isdecimal\(\)|\.isnumeric\(\)", code):
                    offenders.append(f"{relative}:{number}: {line.strip()}")
    assert not offenders, "\n".join(offenders)
