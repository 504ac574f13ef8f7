"""Small helpers for HTML form handlers."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from agrimarket.errors import DomainError
from agrimarket.text import clean_text
from agrimarket.web.errors import with_retry_after
from agrimarket.web.i18n import request_lang
from agrimarket.web.input import RAW_FIELDS


def safe_next(target: str | None, default: str = "/") -> str:
    """Only same-site paths: an open redirect after login would help phishing."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default


def form_error(request: Request, template: str, exc: DomainError, context: dict[str, Any]) -> Template:
    """Re-render a form with the values kept and every bad field marked."""
    lang = request_lang(request)
    return Template(
        template,
        context={**context, "message": exc.message(lang), "errors": exc.fields(lang)},
        status_code=exc.status_code,
        headers=with_retry_after(exc.status_code, exc.headers),  # a 429 says when to try again
    )


def form_values(form: Any, lists: tuple[str, ...] = ()) -> dict[str, Any]:
    """Form fields as strings, the ``lists`` fields (checkbox groups) as lists; files left out.

    Every value but a password is cleaned of invisible characters (``agrimarket.text.clean_text``).
    """
    values: dict[str, Any] = {}
    for key in form:
        items = [v for v in form.getall(key) if isinstance(v, str)]
        if key not in RAW_FIELDS:
            items = [clean_text(v) for v in items]
        if items:
            values[key] = items if key in lists else items[-1]
    return values
