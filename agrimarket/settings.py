"""One typed settings object, read from the environment once."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from integrations.settings import IntegrationsSettings
from traceability.settings import TraceabilitySettings

ROOT = Path(__file__).resolve().parent.parent
DEV_SECRET = "dev-only-secret-change-me-0123456789abcdef"  # noqa: S105 - refused outside development


class SettingsError(ValueError):
    """A setting is missing or wrong; the message says which and how to fix it."""


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str = field(default_factory=lambda: _env("S3_ENDPOINT_URL"))
    bucket: str = field(default_factory=lambda: _env("S3_BUCKET", "agrimarket-media"))
    region: str = field(default_factory=lambda: _env("S3_REGION", "us-east-1"))
    access_key_id: str = field(default_factory=lambda: _env("S3_ACCESS_KEY_ID"))
    secret_access_key: str = field(default_factory=lambda: _env("S3_SECRET_ACCESS_KEY"))
    # Where browsers fetch objects from; defaults to the endpoint + bucket (path style).
    public_url: str = field(default_factory=lambda: _env("S3_PUBLIC_URL"))


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
    # PostgreSQL connections kept per process; 0 opens one per query (tests share the engine across loops).
    db_pool_size: int = field(default_factory=lambda: int(_env("DB_POOL_SIZE", "10") or 0))
    session_days: int = field(default_factory=lambda: int(_env("SESSION_DAYS", "30") or 30))
    traceability: TraceabilitySettings = field(default_factory=TraceabilitySettings)
    integrations: IntegrationsSettings = field(default_factory=IntegrationsSettings)

    def __post_init__(self) -> None:
        if self.media_storage not in {"local", "s3"}:
            raise SettingsError(f"MEDIA_STORAGE must be 'local' or 's3', not {self.media_storage!r}")
        if not self.database_url.startswith(("sqlite:///", "postgres://", "postgresql://")):
            raise SettingsError("DATABASE_URL must start with sqlite:/// or postgres://")
        if self.environment != "development" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise SettingsError("SECRET_KEY must be set to a random value of at least 32 characters")
        if self.media_storage == "s3" and not self.s3.bucket:
            raise SettingsError("S3_BUCKET is required when MEDIA_STORAGE=s3")

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


@lru_cache
def get_settings() -> Settings:
    return Settings()
