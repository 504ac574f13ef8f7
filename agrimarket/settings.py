"""One typed settings object, read from the environment once."""

from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from agrimarket.text import ascii_digits
from integrations.settings import IntegrationsSettings
from traceability.settings import TraceabilitySettings

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _int(name: str, default: int) -> int:
    text = _env(name)
    try:
        return int(text) if text else default
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {text!r}") from None


def _trusted_proxies() -> tuple[str, ...]:
    """TRUSTED_PROXIES: comma-separated addresses or CIDR networks of our own reverse proxies."""
    entries = []
    for entry in (part.strip() for part in _env("TRUSTED_PROXIES").split(",")):
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


RATE_UNITS = ("second", "minute", "hour", "day")


def check_rate(name: str, value: str) -> None:
    """Refuse a rate that is not "N/unit" (e.g. "10/minute"), naming the setting."""
    count, _, unit = value.partition("/")
    if not ascii_digits(count) or unit not in RATE_UNITS:
        raise SettingsError(
            f"{name} must look like 10/minute (units: {', '.join(RATE_UNITS)}), not {value!r}"
        )


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str = field(default_factory=lambda: _env("S3_ENDPOINT_URL"))
    bucket: str = field(default_factory=lambda: _env("S3_BUCKET", "agrimarket-media"))
    region: str = field(default_factory=lambda: _env("S3_REGION", "us-east-1"))
    access_key_id: str = field(default_factory=lambda: _env("S3_ACCESS_KEY_ID"))
    secret_access_key: str = field(default_factory=lambda: _env("S3_SECRET_ACCESS_KEY"))
    # Where browsers fetch objects from; defaults to the endpoint + bucket (path style).
    public_url: str = field(default_factory=lambda: _env("S3_PUBLIC_URL"))

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
    environment: str = field(default_factory=lambda: _env("APP_ENV", "development"))
    database_url: str = field(
        default_factory=lambda: _env("DATABASE_URL", f"sqlite:///{ROOT / 'var' / 'agrimarket.sqlite'}")
    )
    secret_key: str = field(default_factory=lambda: _env("SECRET_KEY", DEV_SECRET))
    public_base_url: str = field(default_factory=lambda: _env("PUBLIC_BASE_URL", "http://127.0.0.1:8000"))
    media_storage: str = field(default_factory=lambda: _env("MEDIA_STORAGE", "local"))
    media_dir: Path = field(default_factory=lambda: Path(_env("MEDIA_DIR", str(ROOT / "var" / "media"))))
    s3: S3Settings = field(default_factory=S3Settings)
    # "N/unit": login attempts allowed per client address.
    login_rate_limit: str = field(default_factory=lambda: _env("LOGIN_RATE_LIMIT", "10/minute"))
    # Accounts one client address may register: "N/unit", and at most this many a day.
    register_rate_limit: str = field(default_factory=lambda: _env("REGISTER_RATE_LIMIT", "10/hour"))
    register_daily_limit: int = field(default_factory=lambda: _int("REGISTER_DAILY_LIMIT", 30))
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (empty: none, the peer
    # address is the client); the right-most address of the chain that is not one of them is the client.
    trusted_proxies: tuple[str, ...] = field(default_factory=_trusted_proxies)
    # PostgreSQL connections kept per process; 0 opens one per query (tests share the engine across loops).
    db_pool_size: int = field(default_factory=lambda: _int("DB_POOL_SIZE", 10))
    session_days: int = field(default_factory=lambda: _int("SESSION_DAYS", 30))
    # Days a cooperative's invitation waits for the household's answer before it expires.
    coop_invitation_days: int = field(default_factory=lambda: _int("COOP_INVITATION_DAYS", 14))
    # "text" (human) or "json" (one JSON object per line, for log collectors when scaled out).
    log_format: str = field(default_factory=lambda: _env("LOG_FORMAT", "text"))
    traceability: TraceabilitySettings = field(default_factory=TraceabilitySettings)
    integrations: IntegrationsSettings = field(default_factory=IntegrationsSettings)

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
        check_rate("SCAN_RATE_LIMIT", self.traceability.scan_rate_limit)
        # With the published development key, anyone could link hashed scan clients back to addresses.
        if self.environment not in {"development", "test"} and self.traceability.scan_hash_key.startswith(
            "dev-only"
        ):
            raise SettingsError("SCAN_HASH_KEY must be set to a random value outside development")
        # With the published key, the stored PIN hashes of a leaked database give every PIN away.
        if self.environment not in {"development", "test"} and self.traceability.pin_hash_key.startswith(
            "dev-only"
        ):
            raise SettingsError("STAMP_PIN_KEY must be set to a random value outside development")

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
        count, _, unit = self.login_rate_limit.partition("/")
        return unit or "minute", int(count)

    @property
    def register_limit(self) -> tuple[str, int]:
        count, _, unit = self.register_rate_limit.partition("/")
        return unit, int(count)


@lru_cache
def get_settings() -> Settings:
    return Settings()
