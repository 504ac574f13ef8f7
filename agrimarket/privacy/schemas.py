"""Request and response shapes of the personal-data API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from agrimarket.web.input import Input, checked

OptionalPurpose = Literal["training_messages", "public_directory"]


class NoticeAnswer(Input):
    """The current notice read: the optional purposes given (the others refused)."""

    granted: Annotated[list[OptionalPurpose], msgspec.Meta(max_length=10)] = []


class Confirmation(Input):
    """The account's password, or a sign-in code sent to its phone (``POST /api/v1/auth/code``)."""

    password: Annotated[str, checked(max_length=200)] = ""
    code: Annotated[str, checked(pattern="^([0-9]{6})?$")] = ""
