"""Wires the traceability app into the Litestar application."""

from __future__ import annotations

from litestar.config.app import AppConfig
from litestar.plugins import InitPluginProtocol

from agrimarket.events import EventBus, HouseholdErased
from agrimarket.ports import QueryPorts
from agrimarket.settings import Settings
from traceability import privacy_port
from traceability.batches import routes as batch_routes
from traceability.batches.traces import latest_traces
from traceability.messages_port import message_subject
from traceability.resolver import routes as resolver_routes
from traceability.settings import TraceabilitySettings
from traceability.stamps import routes as stamp_routes
from traceability.stamps.retention import forget_scan_addresses


def connect(bus: EventBus, ports: QueryPorts) -> None:
    """Traceability's side of the ports between the apps (``agrimarket.app.connect_apps``): the
    product feed's traces, who a message about a batch or an area goes to, its part of a
    household's "My data" and of closing its account, and the retention job's step for scans."""
    ports.latest_traces = latest_traces
    ports.message_subject = message_subject
    ports.data_parts.append(privacy_port.PART)
    bus.subscribe(HouseholdErased, privacy_port.on_household_erased)
    ports.retention_steps = (*ports.retention_steps, forget_scan_addresses)


class TraceabilityPlugin(InitPluginProtocol):
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        settings.section(TraceabilitySettings)  # read and checked now: a wrong value stops create_app()

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend(
            [*batch_routes.ROUTES, *stamp_routes.ROUTES, *resolver_routes.ROUTES]
        )
        app_config.on_startup.extend(stamp_routes.ON_STARTUP)
        app_config.on_shutdown.extend(stamp_routes.ON_SHUTDOWN)
        return app_config
