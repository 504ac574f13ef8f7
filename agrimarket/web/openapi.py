"""The OpenAPI document tells the truth: the errors each operation answers, the bodies it refuses.

``agrimarket.web.errors`` turns every error into one shape; Litestar alone would document only a
400 of its own shape. ``ErrorResponsesPlugin`` adds, per operation, the statuses that operation can
really answer with, and ``InputSchemaPlugin`` says that a request body (``agrimarket.web.input.Input``)
refuses fields it does not know, so clients (and schemathesis) can rely on the schema.
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

import msgspec
from litestar._openapi.schema_generation.plugins.struct import StructSchemaPlugin
from litestar.enums import RequestEncodingType
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import ParameterKwarg
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import BaseRoute, HTTPRoute

from agrimarket.web.i18n import MACHINE_PATHS
from agrimarket.web.input import MAX_ID, Input

if TYPE_CHECKING:
    from litestar._openapi.schema_generation import SchemaCreator
    from litestar.openapi.spec import Schema
    from litestar.typing import FieldDefinition


class ErrorDetail(msgspec.Struct):
    code: str
    message: str
    # field name -> message, in the caller's language
    fields: dict[str, str]


class ErrorOut(msgspec.Struct):
    error: ErrorDetail


_DESCRIPTIONS = {
    400: "Yêu cầu không hợp lệ / Bad request",
    401: "Chưa đăng nhập / Not logged in",
    403: "Không có quyền / Not allowed",
    404: "Không tìm thấy / Not found",
    409: "Xung đột dữ liệu / Conflict",
    413: "Dữ liệu quá lớn / Too large",
    415: "Định dạng không được hỗ trợ / Unsupported media type",
    422: "Dữ liệu không hợp lệ / Invalid data",
    429: "Thử quá nhiều lần / Too many attempts",
    503: "Tạm thời không phục vụ được, hãy thử lại sau / Unavailable, try again later",
}
# Rate limited (agrimarket.app): too many attempts answer 429.
LOGIN_API_PATH = "/api/v1/auth/login"
_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def error_response(status: int) -> ResponseSpec:
    """The documented error answer for one status."""
    return ResponseSpec(ErrorOut, description=_DESCRIPTIONS[status], generate_examples=False)


def error_statuses(
    path: str, method: str, *, signed_in: bool, has_params: bool, uploads: bool = False
) -> set[int]:
    """The error statuses one API operation can answer with."""
    statuses = {400, 422}
    if uploads:  # a body that is not multipart, or a file of a kind it does not take
        statuses.add(415)
    if signed_in:
        statuses |= {401, 403, 404}
    if has_params:  # a code or id in the path or query that names nothing
        statuses.add(404)
    if method in _WRITES:
        statuses |= {409, 413}
    if method == "POST" and path == LOGIN_API_PATH:
        statuses |= {401, 429}
    return statuses


# Handler arguments Litestar fills from the request itself or from dependencies, not from the query.
_NOT_QUERY = frozenset({"self", "data", "request", "state", "headers", "cookies", "scope", "query", "body"})


def _query_parameters(handler) -> set[str]:
    names = set(handler.parsed_fn_signature.parameters) - set(handler.resolve_dependencies())
    return names - _NOT_QUERY


def _takes_files(handler) -> bool:
    """True for an operation whose body is multipart/form-data (a photo, a spreadsheet)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    kwarg = data.kwarg_definition if data else None
    return getattr(kwarg, "media_type", None) == RequestEncodingType.MULTI_PART


def _declare_row_ids(handler) -> None:
    """An integer path or query parameter is a row id: documented from 1 to ``MAX_ID`` (a larger one
    answers 404 or 422). Through ``schema_extra``: Litestar writes ``le`` as a float."""
    parameters = handler.parsed_fn_signature.parameters
    for name, field in list(parameters.items()):
        if field.kwarg_definition is None and field.annotation in (int, int | None):
            parameters[name] = dataclasses.replace(
                field, kwarg_definition=ParameterKwarg(schema_extra={"minimum": 1, "maximum": MAX_ID})
            )


class ErrorResponsesPlugin(ReceiveRoutePlugin):
    """Documents the error answers of each /api and /feeds operation (see the module docstring)."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(MACHINE_PATHS):
            return
        for handler in route.route_handlers:
            _declare_row_ids(handler)
            signed_in = "actor" in handler.resolve_dependencies()
            for method in handler.http_methods:
                has_params = bool(route.path_parameters) or bool(_query_parameters(handler))
                statuses = error_statuses(
                    route.path,
                    method,
                    signed_in=signed_in,
                    has_params=has_params,
                    uploads=_takes_files(handler),
                )
                documented = {status: error_response(status) for status in sorted(statuses)}
                handler.responses = documented | dict(handler.responses or {})


class InputSchemaPlugin(StructSchemaPlugin):
    """A request body's schema says ``additionalProperties: false``: ``Input`` forbids unknown fields.

    Litestar documents every msgspec Struct as open; this one runs before its own Struct plugin.
    """

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return super().is_plugin_supported_field(field_definition) and field_definition.is_subclass_of(Input)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: SchemaCreator) -> Schema:
        schema = super().to_openapi_schema(field_definition, schema_creator)
        schema.additional_properties = False
        return schema
