"""Invisible characters (NUL, zero-width, bidi overrides) never reach a stored record, a page or a feed.

Every JSON write route's body is an ``agrimarket.web.input.Input`` (checked route by route, field
by field), every HTML form goes through ``form_values``, and the services' ``clean_*`` use the
same ``agrimarket.text.clean_text``.
"""

from __future__ import annotations

import re
import unicodedata
from xml.etree import ElementTree as ET

import msgspec
import pytest
from litestar.datastructures import FormMultiDict, UploadFile
from litestar.routes import HTTPRoute

from agrimarket.feeds import service as feeds
from agrimarket.households.sheets import _clean_cell
from agrimarket.tables import Household, Product
from agrimarket.text import INVISIBLE as INVISIBLE_CLASS
from agrimarket.text import clean_line, clean_text
from agrimarket.web.forms import form_values
from agrimarket.web.input import RAW_FIELDS, VISIBLE, Input
from tests.agrimarket.test_web_pages import csrf, web_login
from tests.traceability.test_scan import stamped

HOSTILE = "A\x00\u200b\u202e\ufeff\u2060\x1b"  # NUL, zero-width space, RTL override, BOM, word joiner, ESC
INVISIBLE = {"Cc", "Cf", "Cs"}


def visible(text: str) -> bool:
    return not any(unicodedata.category(ch) in INVISIBLE and ch not in "\t\n" for ch in text)


def test_clean_text_keeps_vietnamese_and_removes_the_invisible():
    decomposed = unicodedata.normalize("NFD", "Bưởi Năm Roi")  # as some phone keyboards send it
    assert clean_text(f"\u200b{decomposed}\x00") == "Bưởi Năm Roi"
    assert clean_text("Dòng 1\r\nDòng\u00a02\u2028") == "Dòng 1\nDòng\u00a02\n"
    for blank in ("\u200b", "\x00\ufeff", "\u3164", " \u200d ", "\u0301"):
        assert clean_text(blank) == "" and clean_line(blank) == ""


def test_the_invisible_class_is_unicodes_control_and_format_characters():
    """agrimarket.text.INVISIBLE (one regex, for speed) against unicodedata, code point by code point."""
    blank_letters = set("\u115f\u1160\u2800\u3164\uffa0")
    wrong = []
    for code in range(0x110000):
        ch = chr(code)
        category = unicodedata.category(ch)
        if category == "Cn":
            continue  # unassigned in this Python's Unicode: either answer is fine
        expected = (category in INVISIBLE and ch not in "\t\n") or ch in blank_letters
        if bool(INVISIBLE_CLASS.match(ch)) != expected:
            wrong.append(f"U+{code:04X} {category}")
    assert not wrong, wrong[:20]


def _sample(info: msgspec.inspect.Type) -> object:
    """A value of the field's type, hostile where it is text, fitting its length limits."""
    if isinstance(info, msgspec.inspect.Metadata):  # a Meta carrying documentation only
        return _sample(info.type)
    if isinstance(info, msgspec.inspect.UnionType):
        return _sample(next(t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)))
    if isinstance(info, msgspec.inspect.StrType):
        text = (HOSTILE * 3)[: info.max_length or None]
        return text.ljust(info.min_length or 0, "B")
    if isinstance(info, msgspec.inspect.ListType):
        return [_sample(info.item_type)]
    if isinstance(info, msgspec.inspect.DictType):
        return {HOSTILE: _sample(info.value_type)}
    if isinstance(info, msgspec.inspect.LiteralType):
        return info.values[0]
    if isinstance(info, msgspec.inspect.StructType):  # a nested body (push subscription keys)
        return {f.encode_name: _sample(f.type) for f in info.fields}
    return {
        msgspec.inspect.IntType: 1,
        msgspec.inspect.FloatType: 1.5,
        msgspec.inspect.BoolType: True,
        msgspec.inspect.DateType: "2026-01-01",
        msgspec.inspect.DateTimeType: "2026-01-01T07:00:00+07:00",
        msgspec.inspect.AnyType: HOSTILE,
    }[type(info)]


def _enumerated(info: msgspec.inspect.Type) -> bool:
    """Whether the field takes only fixed values (a Literal, or a list of them; documented or optional)."""
    if isinstance(info, msgspec.inspect.Metadata):
        return _enumerated(info.type)
    if isinstance(info, msgspec.inspect.UnionType):
        return all(_enumerated(t) for t in info.types if not isinstance(t, msgspec.inspect.NoneType))
    if isinstance(info, msgspec.inspect.ListType | msgspec.inspect.SetType | msgspec.inspect.FrozenSetType):
        return _enumerated(info.item_type)
    return isinstance(info, msgspec.inspect.LiteralType)


def _texts(value: object):
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _texts(key)
            yield from _texts(item)
    elif isinstance(value, msgspec.Struct):
        for item in msgspec.structs.asdict(value).values():  # its values; field names are ours
            yield from _texts(item)


def json_bodies(app) -> dict[str, type]:
    """Every write route's JSON body type, by 'METHOD path'."""
    bodies = {}
    for route in app.routes:
        if not isinstance(route, HTTPRoute):
            continue
        for handler in route.route_handlers:
            data = handler.parsed_fn_signature.parameters.get("data")
            if data is not None and handler.http_methods & {"POST", "PUT", "PATCH"}:
                bodies[f"{sorted(handler.http_methods)[0]} {route.path}"] = data.annotation
    return bodies


def test_every_json_body_cleans_every_text_field(app):
    bodies = json_bodies(app)
    assert len(bodies) > 20  # the walk found the API's write routes
    checked = 0
    for route, body in bodies.items():
        if body == dict[str, UploadFile]:
            continue  # multipart uploads: files, read by the sheet and image readers
        assert isinstance(body, type) and issubclass(body, Input), f"{route}: {body} is not an Input"
        info = msgspec.inspect.type_info(body)
        payload = {f.encode_name: _sample(f.type) for f in info.fields}
        decoded = msgspec.json.decode(msgspec.json.encode(payload), type=body)
        for field in info.fields:
            values = list(_texts(getattr(decoded, field.name)))
            if _enumerated(field.type):
                continue  # one of a few fixed words: anything else is refused, not cleaned
            if field.name in RAW_FIELDS:
                assert values == list(_texts(payload[field.encode_name])), f"{route}.{field.name} changed"
                continue
            for text in values:
                assert visible(text) and "A" in text, f"{route}.{field.name}: {text!r}"
                checked += 1
    assert checked > 60  # every text field of every body was looked at


def test_form_values_clean_everything_but_passwords():
    form = FormMultiDict([("name", HOSTILE + "Cá"), ("password", HOSTILE), ("tags", "x\x00"), ("tags", "y")])
    values = form_values(form, lists=("tags",))
    assert values == {"name": "ACá", "password": HOSTILE, "tags": ["x", "y"]}


@pytest.fixture(autouse=True)
def fresh_feed_cache():
    feeds._cache.clear()


async def test_product_name_with_nul_and_zero_width_is_stored_clean_everywhere(client, accounts):
    session, product, _, serials = await stamped(client, accounts)
    # The attack: a NUL, a zero-width space and a right-to-left override in the name, NFD marks.
    name = "Bưởi\x00 da\u200b xanh\u202e " + unicodedata.normalize("NFD", "Cát Hải")
    patched = await client.patch(
        f"/api/v1/products/{product['id']}",
        json={"name": name, "description": "Ngọt\x00\r\nmọng nước\u200b"},
        headers=session.headers,
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["name"] == "Bưởi da xanh Cát Hải"
    stored = (
        await Product.select(Product.name, Product.description).where(Product.id == product["id"]).first()
    )
    assert stored == {"name": "Bưởi da xanh Cát Hải", "description": "Ngọt\nmọng nước"}
    for url in (f"/p/{product['id']}", f"/t/{serials[0]}", f"/api/v1/trace/{serials[0]}"):
        page = await client.get(url)
        assert page.status_code == 200 and "Bưởi da xanh Cát Hải" in page.text, url
        assert visible(page.text.replace("\r", "")), url
    rss = await client.get(f"/feeds/h{session.me['household_id']}/products.xml")
    titles = [e.text for e in ET.fromstring(rss.content).iter("title")]  # noqa: S314 - our own answer
    assert "Bưởi da xanh Cát Hải" in titles


async def test_a_name_of_only_invisible_characters_is_missing(client, accounts):
    farmer = await accounts.household()
    for blank in ("\u200b", "\x00", "\u200b\u200c\ufeff", "\u3164"):
        response = await accounts.post_product(farmer, name=blank)
        assert response.status_code == 422, (blank, response.text)
        assert "name" in response.json()["error"]["fields"]
    register = await client.post(
        "/api/v1/auth/register",
        json={
            "phone": "0912000777",
            "password": "nongsan2026",
            "full_name": "\u200b\u200b",
            "commune_code": "11914",
        },
    )
    assert register.status_code == 422 and "full_name" in register.json()["error"]["fields"]
    assert await Household.count().where(Household.phone == "0912000777") == 0


async def test_web_form_strips_invisible_characters(client, accounts):
    farmer = await accounts.household()
    await web_login(client, farmer.phone)
    page = await client.get("/products/new")
    data = {
        "name": "\u200b",
        "category": "rau_cu",
        "unit": "bo",
        "price_vnd": "15000",
        "stock": "3",
        "_csrf_token": csrf(page.text),
    }
    refused = await client.post("/products/new", data=data)
    assert refused.status_code == 422 and "Không được để trống" in refused.text
    created = await client.post("/products/new", data=data | {"name": "Rau\x00 muống\u200b"})
    assert created.status_code < 400, created.text
    names = await Product.select(Product.name).output(as_list=True)
    assert names == ["Rau muống"]


def test_household_import_cleans_like_every_other_input():
    """The spreadsheet path shares the helper: a zero-width name cell is an empty name."""
    assert _clean_cell("\u200bNguyễn\x00 Văn\u00a0An ") == "Nguyễn Văn An"
    assert _clean_cell("\u200b") == ""


def test_marketplace_order_events_are_cleaned_too():
    """Webhook payloads are foreign (unknown fields allowed), but their text is cleaned alike."""
    from integrations.orders.events import OrderEvent

    event = msgspec.convert(
        {
            "order_id": "SP\x00-1\u200b",
            "status": "placed",
            "placed_at": 1.0,
            "items": [{"external_id": "\ufeff9", "quantity": 1}],
            "x": 1,
        },
        OrderEvent,
    )
    assert (event.order_id, event.items[0].external_id) == ("SP-1", "9")


def test_the_documented_visible_pattern_is_what_clean_text_keeps():
    """A required text field's schema pattern (agrimarket.web.input.VISIBLE) finds a character
    exactly when clean_text would keep something of it, over the Basic Multilingual Plane."""
    visible = re.compile(VISIBLE)
    wrong = [
        hex(code)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF and bool(visible.search(chr(code))) != (clean_text(chr(code)) != "")
    ]
    assert not wrong, wrong
