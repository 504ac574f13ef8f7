"""Traceability settings: a section of the core's settings, ``settings.section(TraceabilitySettings)``.

Read from the environment by ``from_env`` with the core's readers (``agrimarket.env``), so a
malformed value stops start-up with a ``SettingsError`` naming its variable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Self

from agrimarket.env import (
    DEVELOPMENT_ENVIRONMENTS,
    SettingsError,
    check_rate,
    env_flag,
    env_float,
    env_int,
    env_rate,
    env_str,
    parse_rate,
)

# Official growing-area codes: letters, digits and hyphens, 4–40 characters (after upper-casing).
DEFAULT_CODE_PATTERN = r"^[A-Z0-9-]{4,40}$"
DEV_PIN_KEY = "dev-only-stamp-pin-key-change-me"
DEV_SCAN_HASH_KEY = "dev-only-scan-hash-key-change-me"


@dataclass(frozen=True)
class TraceabilitySettings:
    # APP_ENV, as read by the core's Settings.
    environment: str
    # Official growing-area codes (mã số vùng trồng), checked after trimming and upper-casing.
    official_code_pattern: str = field(
        default_factory=lambda: env_str("GROWING_AREA_CODE_PATTERN") or DEFAULT_CODE_PATTERN
    )
    # --- stamps and scans ---
    # Key of the HMAC that hashes scratch-off PINs (only the hash is stored).
    pin_hash_key: str = field(default_factory=lambda: env_str("STAMP_PIN_KEY", DEV_PIN_KEY))
    # Digits of a scratch-off PIN (6 to 8).
    pin_digits: int = field(default_factory=lambda: env_int("STAMP_PIN_DIGITS", 6))
    # Wrong PINs allowed per stamp, and per client, within the window below.
    pin_attempts: int = field(default_factory=lambda: env_int("STAMP_PIN_ATTEMPTS", 5))
    pin_window_minutes: int = field(default_factory=lambda: env_int("STAMP_PIN_WINDOW_MINUTES", 15))
    # Key of the HMAC that hashes scanning clients' addresses (the address itself is never stored).
    scan_hash_key: str = field(default_factory=lambda: env_str("SCAN_HASH_KEY", DEV_SCAN_HASH_KEY))
    # A stamp scanned from more distinct client networks than this shows the counterfeit warning ...
    counterfeit_distinct_clients: int = field(
        default_factory=lambda: env_int("COUNTERFEIT_DISTINCT_CLIENTS", 20)
    )
    # ... counted in distinct client networks (/24, /48), and only when new networks appeared on at
    # least this many distinct days (a burst happens in one): see traceability.stamps.evidence.
    counterfeit_min_days: int = field(default_factory=lambda: env_int("COUNTERFEIT_MIN_DAYS", 3))
    # ... as does a scan this many days after the batch's expiry date.
    counterfeit_days_after_expiry: int = field(
        default_factory=lambda: env_int("COUNTERFEIT_DAYS_AFTER_EXPIRY", 30)
    )
    # "N/unit": scan page and trace API requests allowed per client address.
    scan_rate_limit: str = field(default_factory=lambda: env_rate("SCAN_RATE_LIMIT", "60/minute"))
    # Issuances of more stamps than this render in the background (progress bar); smaller ones at once.
    background_threshold: int = field(default_factory=lambda: env_int("STAMP_BACKGROUND_THRESHOLD", 2000))
    # Per owner (household or cooperative): stamps issued per Vietnam day, and background
    # issuances queued or rendering at once (traceability.stamps.quota).
    stamp_daily_limit: int = field(default_factory=lambda: env_int("STAMP_DAILY_LIMIT", 20000))
    stamp_background_jobs: int = field(default_factory=lambda: env_int("STAMP_BACKGROUND_JOBS", 1))
    # Per deployment: megabytes of stamp files (PDF + ZIP) kept in media storage, and the days a
    # sheet with PINs is kept before it may be removed for room (traceability.stamps.budget).
    stamp_disk_budget_mb: int = field(default_factory=lambda: env_int("STAMP_DISK_BUDGET_MB", 2048))
    stamp_pin_sheet_keep_days: int = field(default_factory=lambda: env_int("STAMP_PIN_SHEET_KEEP_DAYS", 90))
    # Run the background renderer in this process (0 on web-only processes).
    render_worker: bool = field(default_factory=lambda: bool(env_flag("STAMP_RENDER_WORKER", True)))
    render_poll_seconds: float = field(default_factory=lambda: env_float("STAMP_RENDER_POLL_SECONDS", 2))

    @classmethod
    def from_env(cls, environment: str) -> Self:
        """The section for ``environment`` (the core's APP_ENV), every other value from the environment."""
        return cls(environment=environment)

    def __post_init__(self) -> None:
        if not 6 <= self.pin_digits <= 8:
            raise SettingsError(f"STAMP_PIN_DIGITS must be 6, 7 or 8, not {self.pin_digits}")
        if min(self.stamp_daily_limit, self.stamp_background_jobs, self.stamp_disk_budget_mb) < 1:
            raise SettingsError(
                "STAMP_DAILY_LIMIT, STAMP_BACKGROUND_JOBS and STAMP_DISK_BUDGET_MB must be at least 1"
            )
        if self.counterfeit_min_days < 1:
            raise SettingsError("COUNTERFEIT_MIN_DAYS must be at least 1")
        if self.pin_attempts < 1 or self.pin_window_minutes < 1:
            raise SettingsError("STAMP_PIN_ATTEMPTS and STAMP_PIN_WINDOW_MINUTES must be at least 1")
        check_rate("SCAN_RATE_LIMIT", self.scan_rate_limit)
        try:  # fail at start-up, not on the first registration
            re.compile(self.official_code_pattern)
        except re.error as exc:
            raise SettingsError(
                f"GROWING_AREA_CODE_PATTERN is not a valid regular expression: {exc}"
            ) from None
        if self.environment not in DEVELOPMENT_ENVIRONMENTS:
            # With the published development key, anyone could link hashed scan clients back to addresses.
            if self.scan_hash_key.startswith("dev-only"):
                raise SettingsError("SCAN_HASH_KEY must be set to a random value outside development")
            # With the published key, the stored PIN hashes of a leaked database give every PIN away.
            if self.pin_hash_key.startswith("dev-only"):
                raise SettingsError("STAMP_PIN_KEY must be set to a random value outside development")

    @property
    def scan_limit(self) -> tuple[str, int]:
        return parse_rate(self.scan_rate_limit)
