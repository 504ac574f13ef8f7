"""A test whose precondition is missing (a server, a binary, a browser) skips on a developer's
machine, saying what is missing; on CI it fails, so a broken CI image never turns into green skips.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def on_ci() -> bool:
    """CI sets ``CI`` (``.ci/run`` exports CI=true, as GitHub Actions and GitLab do)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing(reason: str) -> NoReturn:
    """Skip locally with ``reason``; fail on CI, where every precondition must be met."""
    if on_ci():
        pytest.fail(f"{reason} (CI must provide it: a skip here would hide the test)", pytrace=False)
    pytest.skip(reason)
