"""GTIN rules of the product form and API: GTIN-8/12/13/14 in ASCII digits, the check digit
verified, stored as 14 digits, each problem told in Vietnamese first."""

from __future__ import annotations

import pytest

from agrimarket.errors import Invalid
from agrimarket.products.fields import clean_product, gtin_problem
from agrimarket.tables import Product
from tests.agrimarket.test_web_pages import csrf, web_login

VALID = {
    "96385074": "00000096385074",  # GTIN-8
    "036000291452": "00036000291452",  # GTIN-12 (UPC-A)
    "9506000134352": "09506000134352",  # GTIN-13: GS1's published example
    "2000000000015": "02000000000015",  # GTIN-13 of GS1's restricted-circulation range (the demo's)
    "10614141000415": "10614141000415",  # GTIN-14 with an indicator digit
}


def test_valid_gtins_of_every_length_are_stored_as_14_digits():
    for typed, stored in VALID.items():
        assert gtin_problem(typed) is None
        assert clean_product({"gtin": typed}, partial=True)["gtin"] == stored


@pytest.mark.parametrize(
    ("gtin", "words"),
    [
        ("9506000134353", "phải là 2"),  # last digit off by one: the right check digit is named
        ("96385075", "phải là 4"),
        ("95060001343", "có 11"),
        ("950600013435211", "có 15"),
        (
            "9506000134352".translate(str.maketrans("0123456789", "０１２３４５６７８９")),
            "chỉ gồm chữ số 0–9",
        ),
        ("9506000134352".translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")), "chỉ gồm chữ số 0–9"),
        ("9506-000134352", "chỉ gồm chữ số 0–9"),
    ],
)
def test_bad_gtins_are_refused_with_a_vietnamese_reason(gtin, words):
    with pytest.raises(Invalid) as refused:
        clean_product({"gtin": gtin}, partial=True)
    vi, en = refused.value.field_messages["gtin"]
    assert words in vi and "GTIN" in en


async def test_the_product_form_explains_893_and_gs1_vietnam_and_stores_gtin_14(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    form = (await client.get("/products/new")).text
    assert 'name="gtin"' in form and "893" in form and "GS1 Việt Nam" in form
    body = {"name": "Na Cát Hải", "category": "trai_cay", "unit": "kg", "price_vnd": "60000"}
    wrong = await client.post(
        "/products/new", data=body | {"gtin": "9506000134353", "_csrf_token": csrf(form)}
    )
    assert "Số kiểm tra (chữ số cuối) của mã GTIN phải là 2" in wrong.text
    assert await Product.count() == 0
    made = await client.post(
        "/products/new", data=body | {"gtin": "9506000134352", "_csrf_token": csrf(form)}
    )
    assert made.status_code == 200
    assert await Product.select(Product.gtin).output(as_list=True) == ["09506000134352"]
