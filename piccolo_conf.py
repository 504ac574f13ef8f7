"""Piccolo configuration: the engine comes from DATABASE_URL (see agrimarket.settings)."""

from piccolo.conf.apps import AppRegistry

from agrimarket.db import build_engine
from agrimarket.settings import get_settings

DB = build_engine(get_settings())

APP_REGISTRY = AppRegistry(
    apps=["agrimarket.piccolo_app", "traceability.piccolo_app", "integrations.piccolo_app"]
)
