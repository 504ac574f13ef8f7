"""The delivery worker's settings: a section of the core's settings,
``settings.section(MessageSettings)``, read with ``agrimarket.env``'s readers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from agrimarket.env import SettingsError, env_float, env_int, env_str


@dataclass(frozen=True)
class MessageSettings:
    environment: str
    # "inprocess" sends from the web app (make run); "off" leaves it to `python -m
    # agrimarket.messages.run`. Empty: in-process in development only (tests drive it themselves).
    worker: str = field(default_factory=lambda: env_str("MESSAGE_WORKER"))
    worker_concurrency: int = field(default_factory=lambda: env_int("MESSAGE_WORKER_CONCURRENCY", 2))
    poll_seconds: float = field(default_factory=lambda: env_float("MESSAGE_POLL_SECONDS", 0.5))
    lease_seconds: float = field(default_factory=lambda: env_float("MESSAGE_LEASE_SECONDS", 30))
    # A channel that keeps failing (timeouts, 5xx) is given up after this many tries: the next
    # channel of the plan gets the message, or it is marked failed.
    max_attempts: int = field(default_factory=lambda: env_int("MESSAGE_MAX_ATTEMPTS", 8))
    backoff_base_seconds: float = field(default_factory=lambda: env_float("MESSAGE_BACKOFF_BASE", 2.0))
    backoff_cap_seconds: float = field(default_factory=lambda: env_float("MESSAGE_BACKOFF_CAP", 600))
    # Messages one phone is sent in a Vietnam day (sign-in codes aside); the rest stay in the inbox.
    daily_cap: int = field(default_factory=lambda: env_int("MESSAGE_DAILY_CAP", 20))

    @classmethod
    def from_env(cls, environment: str) -> Self:
        return cls(environment=environment)

    def __post_init__(self) -> None:
        if self.worker not in {"", "inprocess", "off"}:
            raise SettingsError("MESSAGE_WORKER must be 'inprocess' or 'off'")
        if self.daily_cap < 1:
            raise SettingsError("MESSAGE_DAILY_CAP must be at least 1")
        if self.max_attempts < 1:
            raise SettingsError("MESSAGE_MAX_ATTEMPTS must be at least 1")

    @property
    def run_in_process(self) -> bool:
        return self.worker == "inprocess" or (not self.worker and self.environment == "development")
