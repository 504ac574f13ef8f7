"""The one place where the application is assembled."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from functools import partial
from pathlib import Path

from litestar import Litestar, Request, Router
from litestar.config.compression import CompressionConfig
from litestar.contrib.jinja import JinjaTemplateEngine
from litestar.di import Provide
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from agrimarket.accounts.api import AuthController, me
from agrimarket.accounts.claims_api import AccountClaimController
from agrimarket.accounts.code_pages import CodeSignInPages
from agrimarket.accounts.locks import AccountLockController
from agrimarket.accounts.pages import AccountPages
from agrimarket.areas.api import AreasController
from agrimarket.audit.routes import AuditController, AuditPages
from agrimarket.cooperatives.api import CooperativeController, InvitationController
from agrimarket.cooperatives.member_pages import MemberPages
from agrimarket.cooperatives.pages import CooperativePages
from agrimarket.cooperatives.register_pages import CooperativeRegisterPages
from agrimarket.db import close_pool as close_db_pool
from agrimarket.db import engine_for
from agrimarket.db import open_pool as open_db_pool
from agrimarket.events import EventBus
from agrimarket.events import install as install_bus
from agrimarket.feeds.routes import FEED_ROUTES
from agrimarket.health import healthz, readyz
from agrimarket.households.api import HouseholdImportController
from agrimarket.households.directory_api import HouseholdDirectoryController
from agrimarket.households.directory_pages import HouseholdDirectoryPages
from agrimarket.households.pages import HouseholdImportPages
from agrimarket.indicators import summary as indicator_summary
from agrimarket.indicators.routes import INDICATOR_HANDLERS
from agrimarket.media.storage import S3Storage, Storage, StorageUnavailable, build_storage
from agrimarket.messages import subscribers as message_subscribers
from agrimarket.messages.api import MessageController, PushSubscriptionController, admin_messages
from agrimarket.messages.delivery import DeliveryWorker
from agrimarket.messages.pages import AdminMessagePages, MessagePages
from agrimarket.messages.settings import MessageSettings
from agrimarket.payments.api import BankAccountController, banks
from agrimarket.payments.pages import BankAccountPages, vietqr_image
from agrimarket.ports import QueryPorts
from agrimarket.ports import install as install_ports
from agrimarket.privacy.access_api import my_data_access
from agrimarket.privacy.api import PrivacyController
from agrimarket.privacy.pages import MyDataPages, NoticePages
from agrimarket.privacy.retention import RetentionJob
from agrimarket.products.api import ProductController, catalog
from agrimarket.products.pages import ProductPages, PublicProductPages
from agrimarket.settings import Settings, get_settings
from agrimarket.startup import DatabaseStartup
from agrimarket.tables import Product
from agrimarket.training.api import TrainingController
from agrimarket.training.pages import TrainingPages
from agrimarket.web.csrf import csrf_middleware
from agrimarket.web.errors import EXCEPTION_HANDLERS
from agrimarket.web.head import answer_head
from agrimarket.web.logs import access_log_middleware, logging_config
from agrimarket.web.openapi import ErrorResponsesPlugin, InputSchemaPlugin
from agrimarket.web.proxies import proxy_headers_middleware
from agrimarket.web.requests import AppRequest
from agrimarket.web.security import security_headers
from agrimarket.web.service_worker import service_worker
from agrimarket.web.static_files import static_router
from agrimarket.web.stores import build_stores
from agrimarket.web.templating import configure_templates
from integrations import plugin as integrations_plugin
from integrations.plugin import IntegrationsPlugin
from traceability import plugin as traceability_plugin
from traceability.plugin import TraceabilityPlugin

PACKAGE = Path(__file__).parent
log = logging.getLogger(__name__)
# Signing in by a code counts with the password log-ins: guessing codes is guessing passwords.
LOGIN_PATHS = frozenset({"/login", "/api/v1/auth/login", "/login/code/sign-in", "/api/v1/auth/code/sign-in"})


async def _is_login_attempt(request: Request) -> bool:
    scope = request.scope
    return scope["method"] == "POST" and scope.get("root_path", "") + scope["path"] in LOGIN_PATHS


def connect_apps() -> tuple[EventBus, QueryPorts]:
    """The ports between the three apps, filled by each app's plugin and made the process's: the
    event subscribers (``agrimarket.events``) and the query providers (``agrimarket.ports``).

    ``create_app`` calls it; so does a script that runs the services without an app (a bench).
    Built afresh each time, so several apps built in one process never register anything twice.
    """
    bus, ports = EventBus(), QueryPorts()
    message_subscribers.connect(bus)
    indicator_summary.connect(bus)
    traceability_plugin.connect(bus, ports)
    integrations_plugin.connect(bus, ports)
    install_bus(bus)
    install_ports(ports)
    return bus, ports


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or get_settings()
    _, ports = connect_apps()
    # The pool opened and checked below is the tables' engine, refused unless it is settings.database_url.
    engine = engine_for(settings, Product._meta.db)
    storage = build_storage(settings)
    unit, count = settings.login_limit

    async def prepare_storage() -> None:
        if isinstance(storage, S3Storage):
            try:
                await storage.ensure_bucket()
            except StorageUnavailable:
                # Serve anyway (pages only need photo URLs); /readyz says "storage" until it is back.
                log.warning("media storage unreachable at start-up; uploads answer 503 until it is back")

    async def open_pool() -> None:
        await open_db_pool(engine, settings.db_pool_size)

    async def close_pool() -> None:
        if settings.db_pool_size:  # a pool of another event loop (a test, a seed script) is left alone
            await close_db_pool(engine)

    # Messages go out through the channels integrations provides (Zalo ZNS, SMS, Web Push).
    messages = settings.section(MessageSettings)
    gateway = ports.message_gateway(settings)
    delivery = DeliveryWorker(messages, gateway, settings.public_base_url)
    delivery_tasks: list[asyncio.Task] = []

    async def start_delivery() -> None:
        if messages.run_in_process and not delivery_tasks:
            delivery_tasks.append(asyncio.create_task(delivery.run()))

    async def stop_delivery() -> None:
        delivery.stop()
        for task in delivery_tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)
        delivery_tasks.clear()
        await gateway.aclose()

    # Personal data past its period is deleted or blanked once at start, then every day or so.
    retention = RetentionJob(settings, storage)

    # Start-up work that needs the database runs until it succeeds, in the background when the
    # database is down at start: the process starts anyway (plugins add their steps).
    database_startup = DatabaseStartup([open_pool])

    # Only the account routes (log-in, register, log-out) carry the login rate limit, so no other
    # request pays for the check; within them it counts log-in attempts only.
    login_limit = RateLimitConfig(
        rate_limit=(unit, count),  # type: ignore[arg-type]
        check_throttle_handler=_is_login_attempt,
        store="login_rate_limit",
    )
    route_handlers: list = [
        healthz,
        readyz,
        Router(
            path="/",
            route_handlers=[AuthController, AccountPages, CodeSignInPages],
            middleware=[login_limit.middleware],
        ),
        me,
        AccountLockController,
        AreasController,
        ProductController,
        catalog,
        CooperativeController,
        InvitationController,
        AccountClaimController,
        HouseholdImportController,
        HouseholdDirectoryController,
        HouseholdDirectoryPages,
        my_data_access,
        TrainingController,
        TrainingPages,
        MessageController,
        PushSubscriptionController,
        admin_messages,
        MessagePages,
        AdminMessagePages,
        HouseholdImportPages,
        ProductPages,
        PublicProductPages,
        CooperativePages,
        MemberPages,
        CooperativeRegisterPages,
        BankAccountController,
        BankAccountPages,
        banks,
        vietqr_image,
        *FEED_ROUTES,
        AuditController,
        AuditPages,
        PrivacyController,
        NoticePages,
        MyDataPages,
        *INDICATOR_HANDLERS,
        static_router(),
        service_worker,
    ]
    if settings.media_storage == "local":
        settings.media_dir.mkdir(parents=True, exist_ok=True)
        route_handlers.append(
            create_static_files_router(
                path="/media", directories=[settings.media_dir], include_in_schema=False
            )
        )

    # HEAD answers wherever GET does (RFC 9110): see agrimarket.web.head.
    app = Litestar(
        route_handlers=route_handlers,
        dependencies={
            "settings": Provide(lambda: settings, use_cache=True, sync_to_thread=False),
            "storage": Provide(lambda: storage, use_cache=True, sync_to_thread=False),
            "database_startup": Provide(lambda: database_startup, use_cache=True, sync_to_thread=False),
            "push_public_key": Provide(gateway.push_public_key, use_cache=True, sync_to_thread=False),
        },
        signature_types=[Settings, Storage, DatabaseStartup],
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=[security_headers(settings)],
        # Pages, CSS and JS travel compressed (brotli, else gzip): a household's first load on 3G.
        compression_config=CompressionConfig(backend="brotli", brotli_gzip_fallback=True),
        # Rate-limit counters: shared by every process on PostgreSQL (see agrimarket.web.stores).
        stores=build_stores(settings),
        logging_config=logging_config(settings),
        # The client address first: every later layer (access log, rate limits) reads it.
        middleware=[
            *proxy_headers_middleware(settings),
            *access_log_middleware(settings),
            csrf_middleware(settings),
        ],
        template_config=TemplateConfig(
            directory=PACKAGE / "templates",
            engine=JinjaTemplateEngine,
            engine_callback=partial(configure_templates, reload=settings.environment == "development"),
        ),
        openapi_config=OpenAPIConfig(
            title="agrimarket API", version="1", path="/schema", render_plugins=[SwaggerRenderPlugin()]
        ),
        plugins=[
            TraceabilityPlugin(settings),
            IntegrationsPlugin(settings, database_startup),
            ErrorResponsesPlugin(),
            InputSchemaPlugin(),
        ],
        on_startup=[database_startup.start, prepare_storage, start_delivery, retention.start],
        on_shutdown=[database_startup.stop, stop_delivery, retention.stop, close_pool],
        request_max_body_size=1_000_000,
        request_class=AppRequest,  # JSON bodies nested too deep are a 400, not a RecursionError
    )
    return answer_head(app)
