"""Route handlers of stamps, print sheets, the public scan page and trace API (registered by the plugin)."""

from __future__ import annotations

from litestar import Litestar

from agrimarket.web.services import app_services
from traceability.settings import TraceabilitySettings
from traceability.stamps import render
from traceability.stamps.api import StampController, check_pin, trace
from traceability.stamps.jobs import Renderer
from traceability.stamps.pages import IssuePages, ScanPages, scan_stylesheet
from traceability.stamps.scan_log import BUFFER, Flusher

ROUTES: list = [StampController, trace, check_pin, IssuePages, ScanPages, scan_stylesheet]

_renderer = Renderer()
_flusher = Flusher(BUFFER)


async def _start(app: Litestar) -> None:
    settings, storage = app_services(app)  # lifespan hooks get no dependencies
    await _renderer.start(settings, storage)
    await _flusher.start(settings.section(TraceabilitySettings))


async def _stop() -> None:
    await _flusher.stop()
    await _renderer.stop()
    render.shutdown_pool()


# Lifespan hooks (Litestar passes the app to hooks that take an argument).
ON_STARTUP: list = [_start]
ON_SHUTDOWN: list = [_stop]
