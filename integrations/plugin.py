"""Wires the integrations app (marketplace adapters, sync worker, simulators) into Litestar."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path

from litestar import asgi
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.plugins import InitPluginProtocol
from litestar.types import Receive, Scope, Send

from agrimarket.events import EventBus, HouseholdErased, MembershipEnded, ProductChanged
from agrimarket.media.storage import build_storage
from agrimarket.ports import QueryPorts
from agrimarket.ports import current as query_ports
from agrimarket.settings import Settings
from agrimarket.startup import DatabaseStartup
from integrations import privacy_port
from integrations.adapters.registry import MARKETPLACES, Adapters
from integrations.channel_tokens import DatabaseTokens
from integrations.channels.registry import Channels
from integrations.channels.settings import ChannelSettings
from integrations.listings import service as listings
from integrations.listings import views as listing_views
from integrations.listings.account_pages import MarketplaceAccountPages
from integrations.listings.api import ROUTES
from integrations.listings.authorize_pages import MarketplaceAuthorizePages
from integrations.listings.extra_fields import MarketplaceFields
from integrations.listings.pages import ListingPages
from integrations.listings.service import ensure_marketplaces
from integrations.listings.tokens import AccountTokenStore
from integrations.orders.api import OrdersController
from integrations.orders.order_pages import OrderDeskPages
from integrations.orders.pages import OrderPages
from integrations.orders.retention import forget_delivery_data
from integrations.settings import IntegrationsSettings
from integrations.simulators import buyers
from integrations.simulators import sms as sms_sim
from integrations.simulators import webpush as webpush_sim
from integrations.simulators import zalo as zalo_sim
from integrations.simulators.registry import SIMULATORS
from integrations.simulators.state import SimConfig
from integrations.stock.pages import StockSharePages
from integrations.sync import ratelimit
from integrations.sync.pages import SyncJobPages
from integrations.sync.ratelimit import Pacer
from integrations.sync.worker import Worker
from integrations.webhooks.api import webhook
from integrations.webhooks.service import WebhookClock
from integrations.webhooks.zalo_api import ZALO_EVENTS_PATH, zalo_events

log = logging.getLogger(__name__)


def build_adapters(settings: Settings) -> Adapters:
    section = settings.section(IntegrationsSettings)
    urls = {code: section.marketplace_url(code, settings.public_base_url) for code in MARKETPLACES}
    return Adapters(
        urls,
        section.http_timeout_seconds,
        tokens=AccountTokenStore(section.credentials_key),
        # Shopee takes photo uploads, not URLs: read them from our own storage.
        read_photo=build_storage(settings).get,
        pace=Pacer().before_call,
    )


def build_channels(settings: Settings) -> Channels:
    """The message channels (``agrimarket.messages.channel.MessageGateway``), the Zalo OA's tokens
    and each gateway's send schedule shared through the database."""
    return Channels(
        settings.section(ChannelSettings),
        settings.public_base_url,
        DatabaseTokens(settings.section(IntegrationsSettings).credentials_key),
        # Each gateway's per-second limit, paced like the marketplaces' calls (one shared schedule).
        pace=ratelimit.acquire,
    )


def channel_simulator_configs(settings: Settings) -> dict[str, tuple]:
    """Mount path -> (simulator module, its config) of the message channels, from our settings."""
    section, base = settings.section(ChannelSettings), settings.public_base_url
    return {
        "/sim/zalo": (
            zalo_sim,
            zalo_sim.ZaloConfig(
                public_url=f"{base}/sim/zalo",
                app_id=section.zalo_app_id,
                app_secret=section.zalo_app_secret,
                first_refresh_token=section.zalo_refresh_token,
                receipt_url=f"{base}{ZALO_EVENTS_PATH}",
                oa_secret_key=section.zalo_oa_secret_key,
                rate_limit_per_s=section.zalo_rate_per_s,
            ),
        ),
        "/sim/sms": (
            sms_sim,
            sms_sim.SmsConfig(
                public_url=f"{base}/sim/sms",
                api_key=section.esms_api_key,
                secret_key=section.esms_secret_key,
                brandnames={section.esms_brandname},
                rate_limit_per_s=section.esms_rate_per_s,
            ),
        ),
        "/sim/webpush": (webpush_sim, SimConfig(public_url=f"{base}/sim/webpush")),
    }


def connect(bus: EventBus, ports: QueryPorts) -> None:
    """Integrations' side of the ports between the apps (``agrimarket.app.connect_apps``): listings
    follow product changes and ended memberships; the core's pages learn where to buy and what the
    product cards show of listings; old finished orders forget their delivery data (retention)."""
    bus.subscribe(ProductChanged, listings.on_product_changed)
    bus.subscribe(MembershipEnded, listings.on_membership_ended)
    ports.where_to_buy = listing_views.live_links
    ports.listing_cards = listing_views.card_context
    ports.listings_in_rows = listing_views.listings_in
    ports.message_gateway = build_channels
    ports.marketplace_names = {code: name for code, (name, _rate) in MARKETPLACES.items()}
    ports.data_parts.append(privacy_port.PART)
    bus.subscribe(HouseholdErased, privacy_port.on_household_erased)
    ports.retention_steps = (*ports.retention_steps, forget_delivery_data)


def _mount(path: str, app):
    @asgi(path, is_mount=True, copy_scope=True, opt={"exclude_from_csrf": True}, include_in_schema=False)
    async def mounted(scope: Scope, receive: Receive, send: Send) -> None:
        await app(scope, receive, send)

    return mounted


class IntegrationsPlugin(InitPluginProtocol):
    def __init__(self, settings: Settings, database_startup: DatabaseStartup) -> None:
        self.settings = settings
        self.integrations = settings.section(IntegrationsSettings)
        self.database_startup = database_startup
        self.adapters = build_adapters(settings)
        self.webhook_clock = WebhookClock()  # what webhook signatures are timed against
        self.worker: Worker | None = None
        self._task: asyncio.Task | None = None
        self._sims: list = []  # the mounted simulators' states (their demo buyers run from start())
        self.simulator_apps: dict[str, object] = {}  # mount path -> simulator app, none in production
        self._buyers: list[asyncio.Task] = []
        self._buyers_stop = asyncio.Event()

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        # The product form's marketplace questions come through this app's adapters (their caches).
        query_ports().marketplace_fields = MarketplaceFields(self.adapters, self.integrations.credentials_key)
        app_config.route_handlers.extend(
            [
                *ROUTES,
                webhook,
                zalo_events,
                OrdersController,
                ListingPages,
                MarketplaceAccountPages,
                MarketplaceAuthorizePages,
                OrderPages,
                OrderDeskPages,
                StockSharePages,
                SyncJobPages,
            ]
        )
        app_config.dependencies["adapters"] = Provide(
            lambda: self.adapters, use_cache=True, sync_to_thread=False
        )
        app_config.dependencies["webhook_clock"] = Provide(
            lambda: self.webhook_clock, use_cache=True, sync_to_thread=False
        )
        app_config.signature_types = [*app_config.signature_types, Adapters, WebhookClock]
        if self.integrations.simulators_in_production:
            log.warning(
                "INTEGRATIONS_SIMULATORS=1 with APP_ENV=%s: the marketplace simulators are mounted under "
                "/sim/, and anyone can push fake orders and takedowns through them",
                self.integrations.environment,
            )
        if self.integrations.mount_simulators:
            base = self.settings.public_base_url
            state_dir = Path(self.integrations.sim_state_dir or self.settings.media_dir.parent)
            for code, module in SIMULATORS.items():
                config = module.CONFIG(
                    public_url=f"{base}/sim/{code}",
                    webhook_url=f"{base}/api/v1/webhooks/{code}",
                    webhook_secret=self.integrations.webhook_secret_for(code),
                    state_file=str(state_dir / f"sim-{code}.json"),
                    redirect_url=f"{base}/marketplace-accounts/{code}/authorized",
                )
                sim_app = module.create_app(config)
                self._sims.append(sim_app.state.sim)
                self.simulator_apps[f"/sim/{code}"] = sim_app
                app_config.route_handlers.append(_mount(f"/sim/{code}", sim_app))
        if self.settings.section(ChannelSettings).mount_simulators:
            for path, (module, config) in channel_simulator_configs(self.settings).items():
                sim_app = module.create_app(config)
                self.simulator_apps[path] = sim_app
                app_config.route_handlers.append(_mount(path, sim_app))
        # Seeded once the database answers, not in on_startup: the app starts while it is down.
        self.database_startup.add(ensure_marketplaces)
        app_config.on_startup.append(self.start)
        app_config.on_shutdown.append(self.stop)
        return app_config

    async def start(self) -> None:
        # The worker needs no database to start: its loop waits out an outage.
        interval = self.integrations.sim_order_interval
        if interval > 0 and not self._buyers:
            # Mounted apps get no lifespan of their own: their demo buyers start with ours.
            self._buyers_stop = asyncio.Event()
            self._buyers = [
                asyncio.create_task(buyers.generate(sim, interval, self._buyers_stop)) for sim in self._sims
            ]
        if self.integrations.run_in_process and self._task is None:
            self.worker = Worker(self.integrations, self.adapters, build_storage(self.settings))
            self._task = asyncio.create_task(self.worker.run())

    async def stop(self) -> None:
        self._buyers_stop.set()
        for task in self._buyers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 5)
        self._buyers = []
        if self.worker and self._task:
            self.worker.stop()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 10)
            self.worker, self._task = None, None
        await self.adapters.aclose()
