"""The marketplace simulators are development parts (issue 19, point 6).

Mounted in production, anyone could push fake orders and takedowns through them into farmers'
stock and listings; and a marketplace left without a URL would sync to its stand-in and show "live".
"""

from __future__ import annotations

import logging
import re

import pytest
from litestar.routes import HTTPRoute
from litestar.testing import AsyncTestClient

from agrimarket.app import create_app
from agrimarket.settings import Settings, SettingsError
from integrations.adapters.registry import MARKETPLACES
from integrations.plugin import IntegrationsPlugin
from integrations.settings import URL_VARIABLES, IntegrationsSettings
from tests.agrimarket.test_settings import PRODUCTION as PRODUCTION_SECRETS

BASE = "http://testserver.local"
# The production secrets of tests/agrimarket/test_settings.py, with real marketplace URLs instead
# of the explicit simulators.
PRODUCTION = {
    **{name: value for name, value in PRODUCTION_SECRETS.items() if name != "INTEGRATIONS_SIMULATORS"},
    "INTEGRATIONS_WORKER": "off",
    # Every registered marketplace's INTEGRATIONS_<CODE>_URL (a new marketplace adds nothing here).
    **{variable: f"https://partner.{code}.example.vn" for code, variable in URL_VARIABLES.items()},
}
MOUNTED = {f"/sim/{code}" for code in MARKETPLACES} | {"/sim/zalo", "/sim/sms", "/sim/webpush"}


@pytest.fixture
def production(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("INTEGRATIONS_SIMULATORS", raising=False)
    return monkeypatch


def simulator_routes(app) -> list[tuple[str, str]]:
    """(method, concrete path) of every route of every simulator the app mounts."""
    sims = app.plugins.get(IntegrationsPlugin).simulator_apps
    return sorted(
        (method, mount + re.sub(r"\{[^}]+\}", "1", route.path))
        for mount, sim in sims.items()
        for route in sim.routes
        if isinstance(route, HTTPRoute)
        for method in route.route_handler_map
        if method not in ("HEAD", "OPTIONS")
    )


async def test_production_serves_no_simulator_path(app, production):
    # The development (test) app's own list: the simulators' whole surface, fake orders included.
    routes = simulator_routes(app)
    mounted = {route.path for route in app.routes if not isinstance(route, HTTPRoute)}
    assert mounted == MOUNTED
    assert ("POST", "/sim/postmart/orders/1") in routes
    assert any(method == "POST" and path.endswith("/takedown") for method, path in routes)

    async with AsyncTestClient(app=app, base_url=BASE) as client:
        development = {(m, p): (await client.request(m, p)).status_code for m, p in routes}
    # Control: in development the simulators answer these paths (shop pages, auth refusals…).
    assert sum(status != 404 for status in development.values()) > len(routes) // 2

    production_app = create_app(Settings())
    assert production_app.plugins.get(IntegrationsPlugin).simulator_apps == {}
    assert not [route.path for route in production_app.routes if route.path.startswith("/sim")]
    async with AsyncTestClient(app=production_app, base_url=BASE) as client:
        answers = {
            (method, path): (await client.request(method, path)).status_code for method, path in routes
        }
    assert answers == dict.fromkeys(routes, 404)


async def test_the_production_adapters_call_the_configured_marketplaces(production):
    urls = create_app(Settings()).plugins.get(IntegrationsPlugin).adapters.urls
    assert urls == {code: f"https://partner.{code}.example.vn" for code in MARKETPLACES}


@pytest.mark.parametrize("variable", sorted(URL_VARIABLES.values()))
def test_a_marketplace_without_a_url_stops_production_start_up_naming_the_variable(production, variable):
    production.delenv(variable)
    with pytest.raises(SettingsError, match=f"{variable} must be set"):
        create_app(Settings())


def test_development_falls_back_to_the_mounted_simulators(monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    for variable in URL_VARIABLES.values():
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.delenv("INTEGRATIONS_SIMULATORS", raising=False)
    settings = Settings()
    assert settings.section(IntegrationsSettings).mount_simulators
    assert (
        settings.section(IntegrationsSettings).marketplace_url("voso", settings.public_base_url)
        == f"{BASE}/sim/voso"
    )


def test_a_malformed_simulators_switch_is_refused_by_name(monkeypatch):
    monkeypatch.setenv("INTEGRATIONS_SIMULATORS", "yes")
    with pytest.raises(SettingsError, match="INTEGRATIONS_SIMULATORS must be 1 or 0"):
        create_app(Settings())


async def test_explicitly_enabled_simulators_are_mounted_with_a_warning(production, caplog):
    production.setenv("INTEGRATIONS_SIMULATORS", "1")
    with caplog.at_level(logging.WARNING, logger="integrations.plugin"):
        app = create_app(Settings())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("INTEGRATIONS_SIMULATORS=1 with APP_ENV=production" in message for message in warnings)
    async with AsyncTestClient(app=app, base_url=BASE) as client:
        shop = await client.get("/sim/postmart/shop/htx-cat-hai")
    assert shop.status_code == 200


def test_the_test_environment_mounts_them_without_a_warning(settings, caplog):
    with caplog.at_level(logging.WARNING, logger="integrations.plugin"):
        app = create_app(settings)
    assert set(app.plugins.get(IntegrationsPlugin).simulator_apps) == MOUNTED
    assert not [r for r in caplog.records if "INTEGRATIONS_SIMULATORS" in r.getMessage()]
