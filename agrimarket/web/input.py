"""The base of every JSON request body: its text is cleaned as it is decoded.

msgspec calls ``__post_init__`` after decoding a Struct, so every string of every request body
(nested lists, dicts and Structs included) goes through ``agrimarket.text.clean_text`` before any
service sees it. Passwords are the exception: they are compared, never shown, and must stay
exactly as typed. ``tests/agrimarket/test_clean_input.py`` checks every write route's body is one.

The rules a service checks on a body's fields are declared here too (``checked``, ``Id``,
``required_text``), so the OpenAPI document states what is accepted (issue 19).
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

import msgspec
from litestar.params import KwargDefinition

from agrimarket.text import clean_text

RAW_FIELDS = frozenset({"password", "new_password", "current_password"})
# The ids of every table are Piccolo's Serial: PostgreSQL's SERIAL, a 32-bit integer (SQLite's rowid
# takes more, but a row id must mean the same on both engines). A larger number names no row: it
# answers 404 on SQLite and 422 on PostgreSQL (agrimarket.web.errors.out_of_range_error).
MAX_ID = 2**31 - 1
# Some character ``clean_text`` keeps and that shows: not a space, an invisible character or a lone
# combining mark (the Basic Multilingual Plane; tests/agrimarket/test_clean_input.py checks it against
# clean_text). A required text field is refused when it has none, whatever its length.
VISIBLE = (
    r"[^\x00-\x20\x7f-\xa0\xad\u0300-\u036f\u0600-\u0605\u061c\u06dd\u070f\u0890-\u0891\u08e2"
    r"\u115f-\u1160\u1680\u180e\u1ab0-\u1aff\u1dc0-\u1dff\u2000-\u200f\u2028-\u202f\u205f-\u2064"
    r"\u2066-\u206f\u20d0-\u20ff\u2800\u3000\u3164\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\uffa0\ufff9-\ufffb]"
)


class _Declared(KwargDefinition):
    """Hashed by identity: Python hashes ``Annotated`` metadata inside ``X | None``, and a schema
    extra is a dict."""

    def __hash__(self) -> int:
        return id(self)


_BOUNDS = {"ge": "minimum", "gt": "exclusive_minimum", "le": "maximum", "lt": "exclusive_maximum"}


def checked(**constraints: Any) -> KwargDefinition:
    """A rule the service checks itself, declared in the OpenAPI document only.

    ``Annotated[int, checked(ge=1, le=MAX_PRICE_VND)]``: msgspec ignores it, so the service still
    reports every bad field at once, each with its own Vietnamese (and English) message, while the
    schema tells clients what is accepted (``Meta`` would refuse at decoding with a generic message).
    Use the service's own constants, so the two cannot drift apart.
    """
    if "enum" in constraints:  # the keys, when given a table of labels
        constraints["enum"] = list(constraints["enum"])
    # Litestar drops a bound of 0 (falsy) from the document: state it directly.
    zeros = {name: 0 for key, name in _BOUNDS.items() if constraints.get(key) == 0}
    if zeros:
        constraints = {key: value for key, value in constraints.items() if key not in _BOUNDS or value != 0}
        constraints["schema_extra"] = constraints.get("schema_extra", {}) | zeros
    return _Declared(**constraints)


# A row id. Declared only, through ``schema_extra`` (Litestar writes a ``le`` bound as a float): a
# row id out of range answers 404 or 422 already.
Id = Annotated[int, checked(schema_extra={"minimum": 1, "maximum": MAX_ID})]


def required_text(max_length: int) -> KwargDefinition:
    """A text field the service requires (something visible) and limits to ``max_length``."""
    return checked(min_length=1, max_length=max_length, pattern=VISIBLE)


def cleaned(value: Any) -> Any:
    """``value`` with every string inside it cleaned (Structs clean themselves when decoded)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list):
        return [cleaned(item) for item in value]
    if isinstance(value, dict):
        return {cleaned(k): cleaned(v) for k, v in value.items()}
    return value


class CleanText(msgspec.Struct):
    """A decoded shape whose free text is cleaned (foreign payloads, e.g. webhook events, which may
    carry fields we do not know)."""

    raw_fields: ClassVar[frozenset[str]] = RAW_FIELDS

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            if name in self.raw_fields:
                continue
            value = getattr(self, name)
            if isinstance(value, str | list | dict):
                msgspec.structs.force_setattr(self, name, cleaned(value))


class Input(CleanText, forbid_unknown_fields=True):
    """A request body: unknown fields refused, free text cleaned."""
