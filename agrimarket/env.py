"""Reading settings from the environment: the one place that parses variables, and ``SettingsError``.

It imports nothing of the three apps, so every app's settings section (``agrimarket.settings``,
``traceability.settings``, ``integrations.settings``) reads its variables the same way without an
arrow back into another app. Every reader refuses a malformed value with a ``SettingsError`` that
names the variable, so a typo stops start-up instead of surfacing as a ``ValueError`` mid-request.
"""

from __future__ import annotations

import os
import re

# Environments that may run with the published development keys and the marketplace simulators.
DEVELOPMENT_ENVIRONMENTS = frozenset({"development", "test"})
RATE_UNITS = ("second", "minute", "hour", "day")
# ASCII digits only: int() and float() also take other scripts' digits ("١٠").
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)")
_FLAGS = {"1": True, "0": False}
_RATE = re.compile(rf"[0-9]+/({'|'.join(RATE_UNITS)})")


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def env_str(name: str, default: str = "") -> str:
    """The variable's value, trimmed; ``default`` when unset (set but empty stays empty)."""
    return os.environ.get(name, default).strip()


def env_int(name: str, default: int) -> int:
    """A whole number (``default`` when unset or empty)."""
    text = env_str(name)
    if not text:
        return default
    if not _INTEGER.fullmatch(text):
        raise SettingsError(f"{name} must be a whole number, not {text!r}")
    return int(text)


def env_float(name: str, default: float) -> float:
    """A number such as 0.5 or 30 (``default`` when unset or empty)."""
    text = env_str(name)
    if not text:
        return default
    if not _NUMBER.fullmatch(text):
        raise SettingsError(f"{name} must be a number such as 0.5 or 30, not {text!r}")
    return float(text)


def env_flag(name: str, default: bool | None) -> bool | None:
    """1 or 0 (``default`` when unset or empty; None lets the caller decide from APP_ENV)."""
    text = env_str(name)
    if not text:
        return default
    if text not in _FLAGS:
        raise SettingsError(f"{name} must be 1 or 0, not {text!r}")
    return _FLAGS[text]


def env_rate(name: str, default: str) -> str:
    """A rate "N/unit" such as 10/minute (``default`` when unset)."""
    text = env_str(name, default)
    check_rate(name, text)
    return text


def check_rate(name: str, value: str) -> None:
    """Refuse a rate that is not "N/unit" (e.g. "10/minute"), naming the setting."""
    if not _RATE.fullmatch(value):
        raise SettingsError(
            f"{name} must look like 10/minute (units: {', '.join(RATE_UNITS)}), not {value!r}"
        )


def parse_rate(value: str) -> tuple[str, int]:
    """(unit, count) of a rate already checked by ``check_rate``."""
    count, _, unit = value.partition("/")
    return unit, int(count)
