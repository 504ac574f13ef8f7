"""HEAD answers on every GET route of the app with GET's status and headers and no body (RFC 9110).

Every GET route is asked twice, GET then HEAD, by an anonymous caller and by household A signed in
(bearer token on the API, session cookie on pages), path parameters filled with A's real records
(the world of ``test_authorization_matrix``). A recorder between the client and the app keeps the
bytes the app itself sent: httpx's ASGI transport drops a HEAD's body, so the client cannot tell.
"""

from __future__ import annotations

import httpx
import pytest
from litestar.routes import HTTPRoute

from tests.agrimarket import test_authorization_matrix as matrix
from tests.agrimarket.test_authorization_matrix import BASE, PARAMS, concrete
from tests.agrimarket.test_route_inventory import MATRIX, MOUNTED_APPS
from traceability.stamps.scan_log import BUFFER
from traceability.tables import Stamp

# The matrix's world of real records (built once for this module) and its shared tables.
world, clean_tables = matrix.world, matrix.clean_tables
# Differ from one answer to the next whatever the method: compared by presence only.
VOLATILE = {"date", "set-cookie", "x-request-id"}


class Recorder:
    """An ASGI app in front of ``app`` that keeps the body bytes of the last answer."""

    def __init__(self, app) -> None:
        self.app, self.body = app, b""

    async def __call__(self, scope, receive, send) -> None:
        self.body = b""

        async def keep(message) -> None:
            if message["type"] == "http.response.body":
                self.body += message.get("body", b"")
            await send(message)

        await self.app(scope, receive, keep)


def _get_paths(app) -> list[str]:
    paths = {
        route.path
        for route in app.routes
        if isinstance(route, HTTPRoute) and "GET" in route.route_handler_map
    }
    assert paths == {path for method, path in MATRIX if method == "GET"}  # none left out
    assert not {p for p in paths if p.startswith(tuple(MOUNTED_APPS))}
    return sorted(paths)


async def _url(w, path: str) -> str:
    if path.startswith(("/static/", "/media/", "/schema/{")):
        from agrimarket.tables import ProductPhoto

        photo = await ProductPhoto.select(ProductPhoto.thumb_key).order_by(ProductPhoto.id).first()
        tail = {"/static/": "scan.css", "/media/": photo["thumb_key"], "/schema/": "openapi.yaml"}
        return path.split("{")[0] + next(v for k, v in tail.items() if path.startswith(k))
    return await concrete(w, path, fresh=False)


def _headers(response: httpx.Response) -> dict[str, str]:
    return {k: ("…" if k in VOLATILE else v) for k, v in response.headers.items()}


@pytest.fixture(scope="module")
def recorded(world):
    app = world.client._transport.app
    return Recorder(app), app


@pytest.mark.parametrize("caller", ["anonymous", "household_own"])
async def test_head_mirrors_get_on_every_get_route(world, recorded, caller):
    recorder, app = recorded
    session = world.api[caller]
    api_headers = session.headers if session else {}
    cookies = world.web[caller][0].cookies
    failures: list[str] = []
    checked = 0
    transport = httpx.ASGITransport(app=recorder)
    # Uncompressed: a page whose text moves by a character between the two requests (a deadline's
    # minutes) compresses to another length; test_compression checks compressed HEADs.
    identity = {"accept-encoding": "identity"}
    async with httpx.AsyncClient(
        transport=transport, base_url=BASE, cookies=cookies, headers=identity
    ) as client:
        for path in _get_paths(app):
            url = await _url(world, path)
            headers = api_headers if path.startswith("/api/") else {}
            got = await client.get(url, headers=headers)
            got_body = recorder.body
            head = await client.head(url, headers=headers)
            checked += 1
            if head.status_code != got.status_code:
                failures.append(f"{url}: HEAD {head.status_code}, GET {got.status_code}")
            elif _headers(head) != _headers(got):
                diff = set(_headers(head).items()) ^ set(_headers(got).items())
                failures.append(f"{url}: headers differ {sorted(diff)}")
            if recorder.body:
                failures.append(f"{url}: HEAD sent a body of {len(recorder.body)} bytes")
            if got.status_code == 200 and not got_body:
                failures.append(f"{url}: GET sent no body (the check above proves nothing)")
    assert checked == len(_get_paths(app))
    assert not failures, "\n".join(failures)


async def _scan_count(serial: str) -> int:
    await BUFFER.flush()
    row = await Stamp.select(Stamp.scan_count).where(Stamp.serial == serial).first()
    return row["scan_count"]


async def test_head_of_a_scan_page_is_not_a_scan(world):
    """Link checkers and prefetchers send HEAD: the stamp's scan count must not move."""
    serial = world.a("serial")
    before = await _scan_count(serial)
    resolver = "/01/" + PARAMS["tail"](world, "/01/{tail:path}", False)
    for url in (f"/t/{serial}", f"/T/{serial}", f"/api/v1/trace/{serial}", resolver):
        response = await world.client.head(url, headers={"user-agent": "Mozilla/5.0 (Linux; Android 14)"})
        assert response.status_code in (200, 307), (url, response.status_code)
    assert await _scan_count(serial) == before
    page = await world.client.get(f"/t/{serial}", headers={"user-agent": "Mozilla/5.0 (Linux; Android 14)"})
    assert page.status_code == 200
    assert await _scan_count(serial) == before + 1  # a GET is still counted
