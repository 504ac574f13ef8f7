"""The app's Settings and Storage outside dependency injection.

For lifespan hooks, which get no dependencies, and for the busiest public pages: Litestar resolves
a handler's independent dependencies together in a task group, and on a page that is one indexed
query and a template that costs a sixth of the request.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.di import Provide

from agrimarket.media.storage import Storage
from agrimarket.settings import Settings


def app_services(app: Litestar) -> tuple[Settings, Storage]:
    """The Settings and Storage the app's ``settings`` and ``storage`` dependencies provide."""
    return _provided(app, "settings"), _provided(app, "storage")


def _provided(app: Litestar, name: str) -> Any:
    provider = app.dependencies[name]
    assert isinstance(provider, Provide)  # create_app() registers both as Provide
    return provider.dependency()
