"""How long personal data is kept (issue 26): a section of the core's settings,
``settings.section(RetentionSettings)``, and what one retention run hands each app's step.

The periods are documented in the README ("Processing log and retention"); every app's step reads
the one it applies, so the core owns the numbers and each app owns its tables.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta
from typing import Self

from agrimarket.env import SettingsError, env_float, env_int, env_str
from agrimarket.media.storage import Storage
from agrimarket.settings import Settings

MAX_DAYS = 3650


@dataclass(frozen=True)
class RetentionSettings:
    environment: str
    # "inprocess" runs the job in every app process (harmless: each step is idempotent and batched);
    # "off" leaves it to a cron running `python -m agrimarket.privacy.run`. Empty: in-process
    # except in tests, which run it themselves with the injected clock.
    job: str = field(default_factory=lambda: env_str("RETENTION_JOB"))
    interval_hours: float = field(default_factory=lambda: env_float("RETENTION_INTERVAL_HOURS", 24))
    # Days each kind of personal data is kept (see the README's table for why each).
    scan_address_days: int = field(default_factory=lambda: env_int("RETENTION_SCAN_ADDRESS_DAYS", 90))
    sign_in_days: int = field(default_factory=lambda: env_int("RETENTION_SIGN_IN_DAYS", 90))
    sign_in_code_days: int = field(default_factory=lambda: env_int("RETENTION_SIGN_IN_CODE_DAYS", 1))
    message_body_days: int = field(default_factory=lambda: env_int("RETENTION_MESSAGE_BODY_DAYS", 365))
    delivery_data_days: int = field(default_factory=lambda: env_int("RETENTION_DELIVERY_DATA_DAYS", 180))

    @classmethod
    def from_env(cls, environment: str) -> Self:
        return cls(environment=environment)

    def __post_init__(self) -> None:
        if self.job not in {"", "inprocess", "off"}:
            raise SettingsError("RETENTION_JOB must be 'inprocess' or 'off'")
        if not 0 < self.interval_hours <= 24 * 7:
            raise SettingsError("RETENTION_INTERVAL_HOURS must be more than 0 and at most 168")
        for period in fields(self):
            value = getattr(self, period.name)
            if period.name.endswith("_days") and not 1 <= value <= MAX_DAYS:
                name = "RETENTION_" + period.name.upper()
                raise SettingsError(f"{name} must be between 1 and {MAX_DAYS} days")

    @property
    def run_in_process(self) -> bool:
        return self.job == "inprocess" or (not self.job and self.environment != "test")


@dataclass(frozen=True)
class RetentionRun:
    """One pass of the retention job, as each step sees it: the moment it runs (``clock.now()``),
    the periods, and the settings and storage (a step may remove files, e.g. printed labels)."""

    now: datetime
    periods: RetentionSettings
    settings: Settings
    storage: Storage

    def cutoff(self, days: int) -> datetime:
        """The moment before which data kept ``days`` days is due."""
        return self.now - timedelta(days=days)


# A step removes or blanks what is due in its app's tables and says how many rows it changed.
RetentionStep = Callable[[RetentionRun], Awaitable[int]]
