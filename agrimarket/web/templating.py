"""Jinja globals shared by every page: translation pairs, money, catalog labels."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from jinja2 import pass_context
from litestar.contrib.jinja import JinjaTemplateEngine

from agrimarket import clock
from agrimarket.products import catalog
from agrimarket.web.i18n import format_vnd, request_lang
from agrimarket.web.static_files import static_url


def _request_lang(request) -> str:
    # A page asks for its language a dozen times (each tr() and lang()): work it out once per request.
    scope = request.scope
    found = scope.get("agrimarket.lang")
    if found is None:
        found = scope["agrimarket.lang"] = request_lang(request)
    return found


@pass_context
def tr(context, vi: str, en: str) -> str:
    """Inline translation pair: Vietnamese first, English when the page is in English."""
    request = context.get("request")
    return en if request is not None and _request_lang(request) == "en" else vi


@pass_context
def lang(context) -> str:
    request = context.get("request")
    return _request_lang(request) if request is not None else "vi"


@pass_context
def label(context, table_name: str, key: str) -> str:
    return catalog.label(getattr(catalog, table_name), key, lang(context))


@pass_context
def choices(context, table_name: str) -> list[tuple[str, str]]:
    return catalog.choices(getattr(catalog, table_name), lang(context))


def local_time(moment: datetime) -> str:
    """A stored instant as Vietnam's clock shows it."""
    return clock.to_local(moment).strftime("%d/%m/%Y %H:%M")


def configure_templates(engine: JinjaTemplateEngine, reload: bool = True) -> None:
    engine.engine.globals.update(
        tr=tr,
        lang=lang,
        label=label,
        choices=choices,
        vnd=format_vnd,
        local_time=local_time,
        static=partial(static_url, reload=reload),
    )
    engine.engine.autoescape = True
    # Outside development templates change only with a deploy (a restart): no stat() per render.
    engine.engine.auto_reload = reload
