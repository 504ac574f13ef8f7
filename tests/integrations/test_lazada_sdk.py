"""Lazada's official SDK (PyPI ``lazop-sdk``, synchronous ``requests``) against our Lazada simulator
served by uvicorn: its signature is accepted and its answers parse, so the simulator speaks Lazada's
protocol and not only our adapter's reading of it."""

from __future__ import annotations

import json

import pytest

from integrations.simulators import lazada
from integrations.simulators.credentials import demo_credentials
from tests.integrations.conftest import LiveSim

SELLER = "200077"


@pytest.fixture
def sdk(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))  # the SDK opens its error log under ~/logs on import
    import lazop_sdk

    return lazop_sdk


@pytest.fixture
def sim():
    served = LiveSim(lazada, lazada.LazadaConfig(seed=41))
    yield served
    served.close()


def test_the_official_sdk_authorizes_lists_and_reads_orders(sdk, sim):
    creds = demo_credentials("lazada", SELLER)
    client = sdk.LazopClient(sim.url, creds["app_key"], creds["app_secret"])

    create = sdk.LazopRequest("/auth/token/create")
    create.add_api_param("code", creds["code"])
    tokens = client.execute(create)
    assert tokens.code == "0", tokens.body
    assert tokens.body["country_user_info"][0]["seller_id"] == SELLER
    token = tokens.body["access_token"]

    seller = client.execute(sdk.LazopRequest("/seller/get", "GET"), token)
    assert (seller.code, seller.type, seller.body["data"]["seller_id"]) == ("0", None, int(SELLER))

    upload = sdk.LazopRequest("/image/upload")
    upload.add_file_param("image", b"\xff\xd8\xff\xe0" + b"\x00" * 64)  # a JPEG's first bytes
    image = client.execute(upload, token)
    assert image.code == "0", image.body
    image_url = image.body["data"]["image"]["url"]

    product = {
        "PrimaryCategory": "10000400",
        "Images": {"Image": [image_url]},
        "Attributes": {"name": "Rau muống Cát Hải", "description": "Rau sạch", "brand": "No Brand"},
        "Skus": {
            "Sku": [{"SellerSku": "agm-1", "quantity": "5", "price": "25000", "package_weight": "1.00"}]
        },
    }
    make = sdk.LazopRequest("/product/create")
    make.add_api_param("payload", json.dumps({"Request": {"Product": product}}, ensure_ascii=False))
    made = client.execute(make, token)
    assert made.code == "0", made.body
    assert made.body["data"]["sku_list"][0]["seller_sku"] == "agm-1"
    # CreateProduct's page: the same SellerSku again is 4105 BIZ_CHECK_SELLER_SKU_DUPLICATE.
    again = client.execute(make, token)
    assert (again.type, again.code) == ("ISP", "4105")

    # DeactivateProduct's page: the body is ``apiRequestBody``, ItemId only; a second call is E0004.
    item_id = made.body["data"]["item_id"]
    off = sdk.LazopRequest("/product/deactivate")
    off.add_api_param("apiRequestBody", json.dumps({"Request": {"Product": {"ItemId": item_id}}}))
    assert client.execute(off, token).code == "0"
    assert client.execute(off, token).code == "E0004"
    read = sdk.LazopRequest("/product/item/get", "GET")
    read.add_api_param("item_id", str(item_id))
    assert client.execute(read, token).body["data"]["status"] == "InActive"

    found = sdk.LazopRequest("/products/get", "GET")
    found.add_api_param("filter", "all")
    found.add_api_param("sku_seller_list", json.dumps(["agm-1"]))
    listed = client.execute(found, token)
    assert [p["item_id"] for p in listed.body["data"]["products"]] == [item_id]

    orders = sdk.LazopRequest("/orders/get", "GET")
    orders.add_api_param("update_after", "2020-01-01T00:00:00+07:00")
    assert client.execute(orders, token).body["data"]["orders"] == []


def test_a_wrong_secret_is_refused_in_lazadas_error_shape(sdk, sim):
    creds = demo_credentials("lazada", SELLER)
    client = sdk.LazopClient(sim.url, creds["app_key"], "not-the-secret")
    create = sdk.LazopRequest("/auth/token/create")
    create.add_api_param("code", creds["code"])
    refused = client.execute(create)
    assert (refused.type, refused.code) == ("ISV", "IncompleteSignature")
    assert refused.message and refused.request_id
