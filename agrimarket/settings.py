"""The core's settings, read from the environment once, and the apps' sections built from them.

Parsing and ``SettingsError`` live in ``agrimarket.env`` (no app imports), which every section
uses. The core does not import the other apps' section classes: ``settings.section(Kind)`` builds
``Kind.from_env(settings.environment)`` on first use and keeps it with this Settings object. So
``APP_ENV`` is read once, here, and ``dataclasses.replace(settings, environment=...)`` reaches
every section (a replaced Settings builds its sections anew). A test that needs other section
values passes its own with ``settings.with_section(replace(settings.section(Kind), ...))``.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

from agrimarket.env import (
    DEVELOPMENT_ENVIRONMENTS,
    SettingsError,
    check_rate,
    env_int,
    env_rate,
    env_str,
    parse_rate,
)

__all__ = ["DEVELOPMENT_ENVIRONMENTS", "S3Settings", "Section", "Settings", "SettingsError", "get_settings"]

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development


class Section(Protocol):
    """An app's settings: a frozen dataclass that reads its variables and checks them in from_env."""

    @classmethod
    def from_env(cls, environment: str) -> Self: ...


SectionT = TypeVar("SectionT", bound=Section)


def _trusted_proxies() -> tuple[str, ...]:
    """TRUSTED_PROXIES: comma-separated addresses or CIDR networks of our own reverse proxies."""
    entries = []
    for entry in (part.strip() for part in env_str("TRUSTED_PROXIES").split(",")):
        if not entry:
            continue
        try:
            # Written the way the proxy-header layer compares them (10.1.2.3/16 becomes 10.1.0.0/16).
            entries.append(
                str(ipaddress.ip_network(entry, strict=False))
                if "/" in entry
                else str(ipaddress.ip_address(entry))
            )
        except ValueError:
            # No "*" and no host names: a proxy is trusted by the address it connects from.
            raise SettingsError(
                f"TRUSTED_PROXIES takes IP addresses or networks such as 10.0.0.5,10.1.0.0/16, not {entry!r}"
            ) from None
    return tuple(entries)


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str = field(default_factory=lambda: env_str("S3_ENDPOINT_URL"))
    bucket: str = field(default_factory=lambda: env_str("S3_BUCKET", "agrimarket-media"))
    region: str = field(default_factory=lambda: env_str("S3_REGION", "us-east-1"))
    access_key_id: str = field(default_factory=lambda: env_str("S3_ACCESS_KEY_ID"))
    secret_access_key: str = field(default_factory=lambda: env_str("S3_SECRET_ACCESS_KEY"))
    # Where browsers fetch objects from; defaults to the endpoint + bucket (path style).
    public_url: str = field(default_factory=lambda: env_str("S3_PUBLIC_URL"))

    def check(self) -> None:
        """Called when MEDIA_STORAGE=s3: every problem boto3 would only report at the first upload."""
        if not self.bucket:
            raise SettingsError("S3_BUCKET is required when MEDIA_STORAGE=s3")
        for name, url in (("S3_ENDPOINT_URL", self.endpoint_url), ("S3_PUBLIC_URL", self.public_url)):
            if url and not url.startswith(("http://", "https://")):
                raise SettingsError(f"{name} must start with http:// or https://, not {url!r}")
        # Neither key means boto3's own chain (instance role, ~/.aws); one alone is a typo.
        if bool(self.access_key_id) != bool(self.secret_access_key):
            raise SettingsError("Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither")


@dataclass(frozen=True)
class Settings:
    environment: str = field(default_factory=lambda: env_str("APP_ENV", "development"))
    database_url: str = field(
        default_factory=lambda: env_str("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'agrimarket.sqlite'}")
    )
    secret_key: str = field(default_factory=lambda: env_str("SECRET_KEY", DEV_SECRET))
    public_base_url: str = field(default_factory=lambda: env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8000"))
    media_storage: str = field(default_factory=lambda: env_str("MEDIA_STORAGE", "local"))
    media_dir: Path = field(default_factory=lambda: Path(env_str("MEDIA_DIR", str(ROOT / "var" / "media"))))
    s3: S3Settings = field(default_factory=S3Settings)
    # "N/unit": login attempts allowed per client address.
    login_rate_limit: str = field(default_factory=lambda: env_rate("LOGIN_RATE_LIMIT", "10/minute"))
    # Accounts one client address may register: "N/unit", and at most this many a day.
    register_rate_limit: str = field(default_factory=lambda: env_rate("REGISTER_RATE_LIMIT", "10/hour"))
    register_daily_limit: int = field(default_factory=lambda: env_int("REGISTER_DAILY_LIMIT", 30))
    # One-time sign-in codes one phone, and one client address, may ask for in 15 minutes.
    sign_in_codes_per_15_min: int = field(default_factory=lambda: env_int("SIGN_IN_CODES_PER_15_MIN", 3))
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (empty: none, the peer
    # address is the client); the right-most address of the chain that is not one of them is the client.
    trusted_proxies: tuple[str, ...] = field(default_factory=_trusted_proxies)
    # PostgreSQL connections kept per process; 0 opens one per query (tests share the engine across loops).
    db_pool_size: int = field(default_factory=lambda: env_int("DB_POOL_SIZE", 10))
    session_days: int = field(default_factory=lambda: env_int("SESSION_DAYS", 30))
    # Days a cooperative's invitation waits for the household's answer before it expires.
    coop_invitation_days: int = field(default_factory=lambda: env_int("COOP_INVITATION_DAYS", 14))
    # "text" (human) or "json" (one JSON object per line, for log collectors when scaled out).
    log_format: str = field(default_factory=lambda: env_str("LOG_FORMAT", "text"))
    # Sections given by with_section(), used instead of building them from the environment.
    section_overrides: tuple[Any, ...] = field(default=(), repr=False, compare=False)
    # The sections built so far, by class: never copied by replace(), so they follow its environment.
    _sections: dict[type, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.media_storage not in {"local", "s3"}:
            raise SettingsError(f"MEDIA_STORAGE must be 'local' or 's3', not {self.media_storage!r}")
        if not self.database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
            raise SettingsError("DATABASE_URL must start with sqlite:/// or postgres://")
        if self.environment != "development" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise SettingsError("SECRET_KEY must be set to a random value of at least 32 characters")
        if self.media_storage == "s3":
            self.s3.check()
        if not self.public_base_url.startswith(("http://", "https://")):
            raise SettingsError(
                f"PUBLIC_BASE_URL must start with http:// or https://, not {self.public_base_url!r}"
            )
        if self.log_format not in {"text", "json"}:
            raise SettingsError(f"LOG_FORMAT must be 'text' or 'json', not {self.log_format!r}")
        check_rate("LOGIN_RATE_LIMIT", self.login_rate_limit)
        check_rate("REGISTER_RATE_LIMIT", self.register_rate_limit)
        if not 1 <= self.coop_invitation_days <= 365:
            raise SettingsError("COOP_INVITATION_DAYS must be between 1 and 365")

    def section(self, kind: type[SectionT]) -> SectionT:
        """The ``kind`` section (e.g. ``IntegrationsSettings``) for this environment, built once."""
        found = self._sections.get(kind)
        if found is None:
            given = [section for section in self.section_overrides if type(section) is kind]
            found = given[0] if given else kind.from_env(self.environment)
            self._sections[kind] = found
        return found

    def with_section(self, section: Section) -> Settings:
        """These settings with ``section`` in place of its kind's (for tests and tools)."""
        others = tuple(s for s in self.section_overrides if type(s) is not type(section))
        return replace(self, section_overrides=(*others, section))

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite:///")

    @property
    def sqlite_path(self) -> Path:
        return Path(self.database_url.removeprefix("sqlite:///"))

    @property
    def https(self) -> bool:
        return self.public_base_url.startswith("https://")

    @property
    def login_limit(self) -> tuple[str, int]:
        return parse_rate(self.login_rate_limit)

    @property
    def register_limit(self) -> tuple[str, int]:
        return parse_rate(self.register_rate_limit)


@lru_cache
def get_settings() -> Settings:
    """The process's settings, read from the environment on first use."""
    return Settings()
