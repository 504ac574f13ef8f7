"""A JSON body nested 1,000 levels deep, sent to anonymous and signed-in routes: a 400 in our error
shape, never a RecursionError's 500 and traceback."""

from __future__ import annotations

import logging

import pytest

from agrimarket.web.requests import MAX_JSON_DEPTH, json_depth_exceeds

DEEP_ARRAY = b"[" * 1000 + b"]" * 1000
DEEP_OBJECT = b'{"a":' * 1000 + b"1" + b"}" * 1000
JSON = {"content-type": "application/json"}


def _in_field(field: str, deep: bytes, **others: str) -> bytes:
    fields = "".join(f'"{name}": "{value}", ' for name, value in others.items())
    return ("{" + fields + f'"{field}": ').encode() + deep + b"}"


def _assert_refused(response, caplog) -> None:
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert error["message"].startswith("Dữ liệu JSON lồng nhau quá sâu")
    assert set(error) == {"code", "message", "fields"}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


@pytest.mark.parametrize("deep", [DEEP_ARRAY, DEEP_OBJECT], ids=["arrays", "objects"])
async def test_anonymous_register_with_a_deeply_nested_body(client, caplog, deep):
    body = _in_field("full_name", deep, phone="0912345678", password="mat-khau-123")
    _assert_refused(await client.post("/api/v1/auth/register", content=body, headers=JSON), caplog)
    _assert_refused(await client.post("/api/v1/auth/register", content=deep, headers=JSON), caplog)


async def test_anonymous_pin_check_with_a_deeply_nested_body(client, caplog):
    body = _in_field("pin", DEEP_ARRAY)
    response = await client.post("/api/v1/trace/ABCDEFGHJKMNPQRS/pin", content=body, headers=JSON)
    _assert_refused(response, caplog)


async def test_signed_in_route_with_a_deeply_nested_body(client, accounts, caplog):
    farmer = await accounts.household()
    body = _in_field("name", DEEP_OBJECT, category="rau_cu")
    response = await client.post("/api/v1/products/", content=body, headers=JSON | farmer.headers)
    _assert_refused(response, caplog)
    english = await client.post(
        "/api/v1/products/", content=body, headers=JSON | farmer.headers | {"Accept-Language": "en"}
    )
    assert english.status_code == 400
    assert "nested too deeply" in english.json()["error"]["message"]


async def test_brackets_inside_strings_do_not_count_as_nesting(client):
    body = {"phone": "0912345678", "password": "mat-khau-123", "full_name": "[{" * 600, "commune_code": "x"}
    response = await client.post("/api/v1/auth/register", json=body)
    # Not a nesting: the body is decoded and the usual field checks answer.
    assert response.status_code == 422, response.text
    assert "lồng nhau" not in response.text


def test_depth_just_under_the_limit_is_decoded():
    at_limit = b"[" * MAX_JSON_DEPTH + b"]" * MAX_JSON_DEPTH
    assert not json_depth_exceeds(at_limit)
    assert json_depth_exceeds(b"[" + at_limit + b"]")
    assert not json_depth_exceeds(b'["' + b"[" * 100 + b'\\"' + b'"]')
