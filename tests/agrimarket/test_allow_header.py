"""OPTIONS and 405 answers name every method a path has (RFC 9110 §10.2.1), over every route of the app.

A path's methods are often split over several handlers (a controller's ``@get`` and ``@put``);
Litestar 2's own OPTIONS answer named only the first (``agrimarket.web.head`` writes the header).
"""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute

SAMPLE = {"int": "1", "str": "x", "path": "x", "date": "2026-01-01"}
PROBES = ("DELETE", "PATCH", "PUT", "POST", "GET")


def _url(path: str) -> str:
    return re.sub(r"\{\w+:(\w+)\}", lambda match: SAMPLE[match.group(1)], path)


def _served(app) -> dict[str, set[str]]:
    served: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            methods = {method for handler in route.route_handlers for method in handler.http_methods}
            served.setdefault(route.path, set()).update(methods)
    return served


def _allow(response) -> set[str]:
    return {method.strip() for method in response.headers.get("allow", "").split(",") if method.strip()}


async def test_options_and_405_list_every_method_of_every_path(client, app):
    served = _served(app)
    assert len(served) > 100  # every route of the app, pages and API
    wrong = []
    for path, methods in sorted(served.items()):
        expected = methods | {"OPTIONS"} | ({"HEAD"} if "GET" in methods else set())
        options = await client.options(_url(path))
        if options.status_code != 204 or _allow(options) != expected:
            wrong.append(f"OPTIONS {path}: {options.status_code} {sorted(_allow(options))}")
        unserved = next((method for method in PROBES if method not in methods), None)
        if unserved:
            refused = await client.request(unserved, _url(path))
            if refused.status_code != 405 or _allow(refused) != expected:
                wrong.append(f"{unserved} {path}: {refused.status_code} {sorted(_allow(refused))}")
    assert not wrong, "\n".join(wrong)


async def test_allow_names_every_documented_method(client):
    """What schemathesis' allow_header_conformance asks: Allow agrees with the OpenAPI document."""
    document = (await client.get("/schema/openapi.json")).json()
    for path, item in document["paths"].items():
        documented = {
            method.upper() for method in item if method in {"get", "put", "post", "patch", "delete"}
        }
        url = re.sub(r"\{\w+\}", "1", path)
        allow = _allow(await client.options(url))
        assert documented <= allow and allow - documented <= {"HEAD", "OPTIONS"}, (path, allow)


async def test_head_on_a_path_without_get_is_405_naming_its_methods(client):
    refused = await client.head("/api/v1/auth/login")
    assert refused.status_code == 405 and _allow(refused) == {"POST", "OPTIONS"}
