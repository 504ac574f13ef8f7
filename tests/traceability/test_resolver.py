"""The GS1-Conformant resolver: redirects, link types, the linkset, errors, methods and CORS.

Each test names the statement of the resolver standard 1.2 (as listed by GS1's conformance test
suite) it checks.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import jsonschema
from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from tests.traceability.test_stamps_helpers import issue, make_batch
from traceability.resolver.uri import parse
from traceability.settings import TraceabilitySettings
from traceability.tables import Stamp

GTIN13 = "9506000134352"
GTIN14 = "0" + GTIN13
BASE = "http://testserver.local"
BROWSER = {"accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
LINKSET_TYPE = "application/linkset+json"
GS1 = "https://gs1.org/voc/"

# GS1's own linkset schema, vendored with its licence (tests/traceability/gs1_linkset/README.md).
LINKSET_SCHEMA = json.loads((Path(__file__).parent / "gs1_linkset" / "gs1-linkset-schema.json").read_text())
LINKSET_VALIDATOR = jsonschema.Draft7Validator(LINKSET_SCHEMA)
# The resolver description file's required members and their types (GS1 Resolver CE schema).
DESCRIPTION_SCHEMA = {
    "type": "object",
    "required": ["name", "resolverRoot", "supportedPrimaryKeys", "supportedLinkType"],
    "properties": {
        "name": {"type": "string"},
        "resolverRoot": {"type": "string", "pattern": r"^https?://[^/]+$"},
        "supportedPrimaryKeys": {"type": "array", "minItems": 1, "items": {"enum": ["all", "01"]}},
        "supportedLinkType": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["namespace", "prefix"],
                "properties": {"namespace": {"type": "string"}, "prefix": {"pattern": r"^[a-zA-Z_][\w-]*:$"}},
            },
        },
    },
}


async def stamped(client, accounts, gtin=GTIN13, lot="LO-2026.11", **batch):
    session, product, batch_id = await make_batch(accounts, gtin=gtin, lot=lot, **batch)
    assert (await issue(client, session, batch_id, 2)).status_code == 201
    rows = await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).order_by(Stamp.seq)
    return product, [r["serial"] for r in rows]


def dl(serial: str, gtin: str = GTIN13, lot: str = "LO-2026.11") -> str:
    return f"/01/{gtin}/10/{lot}/21/{serial}"


async def get(client, path: str, **headers):
    return await client.get(path, headers=BROWSER | headers, follow_redirects=False)


async def test_a_browser_is_redirected_to_the_stamp_page_in_its_language(client, accounts):
    """SHALL redirect to the default link; Accept-Language picks among its language variants."""
    _, serials = await stamped(client, accounts)
    response = await get(client, dl(serials[0]))
    assert response.status_code == 307
    assert response.headers["location"] == f"{BASE}/t/{serials[0]}"
    english = await get(client, dl(serials[0]), **{"accept-language": "en-GB,en;q=0.9,vi;q=0.5"})
    assert english.headers["location"] == f"{BASE}/t/{serials[0]}?lang=en"
    assert "Harvested" in (await client.get(english.headers["location"])).text
    preferring_vi = await get(client, dl(serials[0]), **{"accept-language": "fr, vi;q=0.8, en;q=0.5"})
    assert preferring_vi.headers["location"] == f"{BASE}/t/{serials[0]}"
    # The serial as typed in lower case, the GTIN as 14 digits: the same stamp.
    again = await get(client, dl(serials[0].lower(), gtin=GTIN14))
    assert again.headers["location"] == f"{BASE}/t/{serials[0]}"
    followed = await client.get(dl(serials[0]))
    assert followed.status_code == 200 and "Bưởi da xanh Cát Hải" in followed.text


async def test_the_gtin_alone_goes_to_the_product_page_in_every_length(client, accounts):
    product, _ = await stamped(client, accounts, gtin="96385074")  # a GTIN-8
    for gtin in ("96385074", "00000096385074", "0000096385074", "000096385074"):
        response = await get(client, f"/01/{gtin}")
        assert response.status_code == 307, gtin
        assert response.headers["location"] == f"{BASE}/p/{product['id']}"
    english = await get(client, "/01/96385074", **{"accept-language": "en"})
    page = await client.get(english.headers["location"])
    assert english.headers["location"].endswith("?lang=en") and "Producer" in page.text
    trailing = await get(client, "/01/96385074/")  # SHOULD tolerate a trailing slash
    assert (trailing.status_code, trailing.headers["location"]) == (307, f"{BASE}/p/{product['id']}")


async def test_query_attributes_are_passed_on(client, accounts):
    """By default, SHALL pass on all key=value pairs of the query string when redirecting."""
    product, serials = await stamped(client, accounts)
    response = await get(client, f"/01/{GTIN13}?foo=bar&17=261231")
    assert response.headers["location"] == f"{BASE}/p/{product['id']}?foo=bar&17=261231"
    english = await get(client, f"{dl(serials[0])}?foo=bar", **{"accept-language": "en"})
    assert english.headers["location"] == f"{BASE}/t/{serials[0]}?lang=en&foo=bar"


async def test_link_types_select_their_link_up_the_tree(client, accounts):
    """SHALL redirect to the requested linkType if available; if not, 404."""
    product, serials = await stamped(client, accounts)
    page = f"{BASE}/p/{product['id']}"
    asked = {
        "gs1:pip": page,
        "https://gs1.org/voc/pip": page,
        "https://ref.gs1.org/voc/pip": page,
        "gs1:certificationInfo": page,
        "gs1:traceability": f"{BASE}/api/v1/trace/{serials[0]}",
        "gs1:defaultLink": f"{BASE}/t/{serials[0]}",
    }
    for link_type, target in asked.items():
        response = await get(client, f"{dl(serials[0])}?linkType={link_type}")
        assert response.status_code == 307, link_type
        assert response.headers["location"] == f"{target}?linkType={link_type}", link_type
    trace = await client.get(f"{BASE}/api/v1/trace/{serials[0]}")
    assert trace.status_code == 200 and trace.json()["serial"] == serials[0]
    for missing in (f"{dl(serials[0])}?linkType=gs1:nosuchlt", f"/01/{GTIN13}?linkType=gs1:traceability"):
        response = await get(client, missing)
        assert response.status_code == 404, missing
        assert "không có liên kết loại" in response.text


async def test_certification_info_only_when_the_product_has_certifications(client, accounts):
    session = await accounts.household()
    await accounts.product(session, name="Rau muống", gtin=GTIN13, certifications=[])
    assert (await get(client, f"/01/{GTIN13}?linkType=gs1:certificationInfo")).status_code == 404
    assert (await get(client, f"/01/{GTIN13}?linkType=gs1:pip")).status_code == 307


async def test_the_linkset_lists_every_level_up_to_the_gtin(client, accounts):
    """SHALL return the linkset for linkType=linkset (and the older "all") or the linkset media
    type, with the links of each level up to the primary key, valid against GS1's schema."""
    product, serials = await stamped(client, accounts)
    uri = dl(serials[0])
    answers = [
        await get(client, f"{uri}?linkType=linkset"),
        await get(client, f"{uri}?linkType=all"),
        await client.get(uri, headers={"accept": LINKSET_TYPE}, follow_redirects=False),
    ]
    for response in answers:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(LINKSET_TYPE)
        assert 'rel="http://www.w3.org/ns/json-ld#context"' in response.headers["link"]
        assert response.json() == answers[0].json()
    body = answers[0].json()
    LINKSET_VALIDATOR.validate(body)
    stamp_level, product_level = body["linkset"]
    assert stamp_level["anchor"] == f"{BASE}/01/{GTIN14}/10/LO-2026.11/21/{serials[0]}"
    assert product_level["anchor"] == f"{BASE}/01/{GTIN14}"
    assert product_level["itemDescription"] == stamp_level["itemDescription"] == "Bưởi da xanh Cát Hải"
    for level, languages in ((stamp_level, {("vi",), ("en",), ("zh",)}), (product_level, {("vi",), ("en",)})):
        (default,) = level[GS1 + "defaultLink"]  # exactly one default per level, href and title
        assert set(default) == {"href", "title"}
        # The scan page also speaks Simplified Chinese (export produce); the product page does not.
        assert {tuple(link["hreflang"]) for link in level[GS1 + "defaultLinkMulti"]} == languages
    assert stamp_level[GS1 + "traceability"][0]["type"] == "application/json"
    pip = product_level[GS1 + "pip"]
    assert {link["href"] for link in pip} == {
        f"{BASE}/p/{product['id']}",
        f"{BASE}/p/{product['id']}?lang=en",
    }
    assert "VietGAP" in product_level[GS1 + "certificationInfo"][0]["title"]
    # A program asking for plain JSON gets the same linkset, labelled as JSON.
    plain = await client.get(f"{uri}?linkType=linkset", headers={"accept": "application/json"})
    assert plain.headers["content-type"].startswith("application/json") and plain.json() == body


async def test_the_linkset_of_every_level_is_valid_against_gs1s_schema(client, accounts):
    """GTIN, variant, lot and serial (with and without its lot, with and without a PIN): each
    level's linkset passes GS1's linkset schema, and a redirect from it names that linkset."""
    _, serials = await stamped(client, accounts)
    session, _, batch_id = await make_batch(accounts, gtin="96385074", lot="LO-PIN")
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    pinned = (await Stamp.select(Stamp.serial).where(Stamp.batch == batch_id).first())["serial"]
    await Stamp.update({Stamp.pin_hash: "0" * 64}).where(Stamp.serial == pinned)  # as if printed with a PIN
    levels = {
        f"/01/{GTIN13}": 1,
        f"/01/{GTIN13}/10/LO-2026.11": 1,  # a lot walks up to its GTIN
        f"/01/{GTIN13}/22/V2/10/LO-2026.11": 1,
        dl(serials[0]): 2,
        f"/01/{GTIN13}/21/{serials[1]}": 2,
        f"/01/96385074/10/LO-PIN/21/{pinned}": 2,
    }
    for path, depth in levels.items():
        response = await get(client, f"{path}?linkType=linkset")
        assert response.status_code == 200, path
        body = response.json()
        errors = [error.message for error in LINKSET_VALIDATOR.iter_errors(body)]
        assert errors == [] and len(body["linkset"]) == depth, (path, errors)
        canonical = parse(path).path()  # the URI as asked, in its canonical form
        redirect = await get(client, path)
        assert redirect.status_code == 307
        assert redirect.headers["link"].startswith(f'<{BASE}{canonical}?linkType=linkset>; rel="linkset"')
    pin_links = (await get(client, f"/01/96385074/10/LO-PIN/21/{pinned}?linkType=linkset")).json()
    assert GS1 + "verificationService" in pin_links["linkset"][0]
    # The schema does reject a level without its description (what the serial level lacked).
    lacking = {"linkset": [{k: v for k, v in body["linkset"][0].items() if k != "itemDescription"}]}
    assert not LINKSET_VALIDATOR.is_valid(lacking)


async def test_bad_syntax_is_a_400_never_a_200(client, accounts):
    """SHALL validate the URI syntax and report errors with 400; SHALL NOT use 200 for an error."""
    _, serials = await stamped(client, accounts)
    bad = {
        f"/01/9506000134353/10/LO-2026.11/21/{serials[0]}": "kiểm tra",
        f"/01/{GTIN13}/21/{serials[0]}/10/LO-2026.11": "thứ tự",
        f"{dl(serials[0])}/foo": "cặp",
        f"/01/{GTIN13}/99/x": "không phải là mã AI",
        "/01/12345": "chữ số",
    }
    for path, words in bad.items():
        page = await get(client, path)
        assert page.status_code == 400 and words in page.text, path
        assert page.headers["access-control-allow-origin"] == "*"
        api = await client.get(path, headers={"accept": "application/json", "accept-language": "en"})
        assert api.status_code == 400 and api.json()["error"]["code"] == "bad_digital_link", path
        assert "GTIN" in api.json()["error"]["message"] or "qualifier" in api.json()["error"]["message"]


async def test_unknown_identifiers_are_404_but_unknown_lots_walk_up(client, accounts):
    """An identifier we do not know is a 404; an unknown lot walks up the tree to the GTIN."""
    product, serials = await stamped(client, accounts)
    await stamped(client, accounts, gtin="96385074", lot="LO-KHAC")
    unknown = [
        "/01/00000000000000",  # a valid GTIN nobody here uses
        dl(serials[0], lot="LO-KHAC"),  # the stamp is not of that lot
        dl("0000000000000000"),  # no such stamp
        dl(serials[0], gtin="96385074"),  # the stamp is not of that product
        f"/01/{GTIN13}/21/NOT-A-SERIAL",
    ]
    for path in unknown:
        response = await get(client, path)
        assert response.status_code == 404, path
    assert "không có trong hệ thống" in (await get(client, unknown[2])).text
    for walking_up in (f"/01/{GTIN13}/10/KL8G", f"/01/{GTIN13}/22/V2/10/KL8G"):
        response = await get(client, walking_up)
        assert response.status_code == 307 and response.headers["location"] == f"{BASE}/p/{product['id']}"
    # Without a lot, the serial alone is enough.
    response = await get(client, f"/01/{GTIN13}/21/{serials[1]}")
    assert response.headers["location"] == f"{BASE}/t/{serials[1]}"


async def test_no_gtin_on_the_product_means_no_digital_link(client, accounts):
    session, _, batch_id = await make_batch(accounts)
    assert (await issue(client, session, batch_id, 1)).status_code == 201
    serial = (await Stamp.select(Stamp.serial).first())["serial"]
    assert (await get(client, dl(serial))).status_code == 404


async def test_head_options_cors_and_the_link_header(client, accounts):
    """SHALL support GET, HEAD and OPTIONS, and CORS; SHOULD link to the linkset when redirecting."""
    _, serials = await stamped(client, accounts)
    uri = dl(serials[0])
    got = await get(client, uri)
    assert got.headers["access-control-allow-origin"] == "*"
    assert {"Link", "Location"} <= {
        h.strip() for h in got.headers["access-control-expose-headers"].split(",")
    }
    anchor = f"{BASE}/01/{GTIN14}/10/LO-2026.11/21/{serials[0]}"
    assert got.headers["link"] == f'<{anchor}?linkType=linkset>; rel="linkset"; type="{LINKSET_TYPE}"'
    assert "Accept-Language" in got.headers["vary"]
    head = await client.head(uri, headers=BROWSER, follow_redirects=False)
    assert head.status_code == 307 and head.content == b""
    assert (head.headers["location"], head.headers["link"]) == (got.headers["location"], got.headers["link"])
    head_linkset = await client.head(f"{uri}?linkType=linkset")
    assert head_linkset.status_code == 200 and head_linkset.content == b""
    options = await client.options(
        uri, headers={"origin": "https://scanner.example", "access-control-request-method": "GET"}
    )
    assert options.status_code == 204
    assert options.headers["access-control-allow-origin"] == "*"
    assert options.headers["link"] == got.headers["link"]  # the OPTIONS answer names the linkset too
    assert set(options.headers["access-control-allow-methods"].replace(" ", "").split(",")) == {
        "GET",
        "HEAD",
        "OPTIONS",
    }
    assert "csrftoken" not in got.headers.get("set-cookie", "")


async def test_the_resolver_description_file(client):
    """SHALL provide a resolver description file at /.well-known/gs1resolver."""
    response = await client.get("/.well-known/gs1resolver")
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    assert response.headers["access-control-allow-origin"] == "*"
    body = response.json()
    jsonschema.validate(body, DESCRIPTION_SCHEMA)
    assert body["resolverRoot"] == BASE and body["supportedPrimaryKeys"] == ["01"]
    assert body["supportedLinkType"] == [{"namespace": GS1, "prefix": "gs1:"}]


async def test_the_resolver_shares_the_scan_rate_limit(client, accounts, settings):
    _, serials = await stamped(client, accounts)
    low = dataclasses.replace(settings.section(TraceabilitySettings), scan_rate_limit="2/minute")
    app = create_app(settings.with_section(low))
    async with AsyncTestClient(app=app, base_url=BASE) as limited:
        statuses = [(await get(limited, dl(serials[0]))).status_code for _ in range(3)]
        assert statuses == [307, 307, 429]
        assert (await limited.options(dl(serials[0]))).status_code == 204  # no lookup, no count
