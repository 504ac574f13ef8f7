"""One language negotiation (agrimarket.web.i18n.choose_lang) behind every caller's own rules."""

from __future__ import annotations

from litestar import Request

from agrimarket.web.i18n import accepted_languages, request_lang
from traceability.stamps.public import page_lang


def _request(path: str = "/", query: bytes = b"", accept_language: str = "", cookie: str = "") -> Request:
    headers = [(b"accept-language", accept_language.encode()), (b"cookie", cookie.encode())]
    scope = {"type": "http", "method": "GET", "path": path, "query_string": query, "headers": headers}
    return Request(scope)  # type: ignore[arg-type]


def test_accept_language_is_ranked_by_q_then_order():
    assert accepted_languages("en-US,vi;q=0.5") == ["en", "vi"]
    assert accepted_languages("vi;q=0.4, zh-CN;q=0.9, *;q=0.8, fr;q=0") == ["zh", "vi"]
    assert accepted_languages("") == []


def test_api_answers_follow_accept_language_only():
    assert request_lang(_request("/api/v1/x", accept_language="en-GB,en;q=0.9")) == "en"
    assert (
        request_lang(_request("/api/v1/x", accept_language="fr,en")) == "vi"
    )  # the first wanted is not offered
    assert request_lang(_request("/api/v1/x", query=b"lang=en", cookie="lang=en")) == "vi"


def test_web_pages_follow_the_link_then_the_switch_never_the_header():
    assert request_lang(_request("/products", query=b"lang=en")) == "en"
    assert request_lang(_request("/products", cookie="lang=en")) == "en"
    assert request_lang(_request("/products", query=b"lang=vi", cookie="lang=en")) == "vi"
    assert request_lang(_request("/products", query=b"lang=zh", accept_language="en")) == "vi"


def test_the_scan_page_also_offers_chinese():
    assert page_lang(_request("/t/X", accept_language="zh-CN,zh;q=0.9"), None) == "zh"
    assert page_lang(_request("/t/X", accept_language="en-US"), None) == "en"
    assert page_lang(_request("/t/X", accept_language="en", cookie="lang=zh"), None) == "zh"
    assert page_lang(_request("/t/X", accept_language="zh", cookie="lang=en"), "vi") == "vi"
    assert page_lang(_request("/t/X", accept_language="de"), "fr") == "vi"
