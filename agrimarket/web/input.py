"""The base of every JSON request body: its text is cleaned as it is decoded.

msgspec calls ``__post_init__`` after decoding a Struct, so every string of every request body
(nested lists, dicts and Structs included) goes through ``agrimarket.text.clean_text`` before any
service sees it. Passwords are the exception: they are compared, never shown, and must stay
exactly as typed. ``tests/agrimarket/test_clean_input.py`` checks every write route's body is one.
"""

from __future__ import annotations

from typing import Any, ClassVar

import msgspec

from agrimarket.text import clean_text

RAW_FIELDS = frozenset({"password", "new_password", "current_password"})


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
