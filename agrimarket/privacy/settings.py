"""The personal-data settings: a section of the core's settings, ``settings.section(PrivacySettings)``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from agrimarket.env import SettingsError, env_int


@dataclass(frozen=True)
class PrivacySettings:
    environment: str
    # A data request (export, deletion) needs a sign-in, or the password or a code re-entered,
    # this recently: a phone left unlocked does not hand over the household's data.
    fresh_minutes: int = field(default_factory=lambda: env_int("PRIVACY_FRESH_MINUTES", 10))
    # Data requests and confirmations per account per hour (each export reads every table).
    requests_per_hour: int = field(default_factory=lambda: env_int("PRIVACY_REQUESTS_PER_HOUR", 10))

    @classmethod
    def from_env(cls, environment: str) -> Self:
        return cls(environment=environment)

    def __post_init__(self) -> None:
        if self.fresh_minutes < 1:
            raise SettingsError("PRIVACY_FRESH_MINUTES must be at least 1")
        if self.requests_per_hour < 1:
            raise SettingsError("PRIVACY_REQUESTS_PER_HOUR must be at least 1")
