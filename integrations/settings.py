"""Integrations settings: a section of the core's settings, ``settings.section(IntegrationsSettings)``.

Read from the environment by ``from_env`` with the core's readers (``agrimarket.env``), so a
malformed value stops start-up with a ``SettingsError`` naming its variable.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Self

from agrimarket.env import DEVELOPMENT_ENVIRONMENTS, SettingsError, env_flag, env_float, env_int, env_str
from integrations.adapters.registry import MARKETPLACES, url_variable

DEV_CREDENTIALS_KEY = "dev-only-credentials-key-change-me-0123456789"  # refused outside development
DEV_WEBHOOK_SECRET = "dev-only-webhook-secret"  # noqa: S105 - the simulators sign with it in development
WEBHOOK_ENV_PREFIX = "INTEGRATIONS_WEBHOOK_SECRET_"


# Marketplace code -> the variable holding its base URL (INTEGRATIONS_<CODE>_URL), for every registered one.
URL_VARIABLES = {code: url_variable(code) for code in MARKETPLACES}


def _marketplace_urls() -> dict[str, str]:
    """Each registered marketplace's base URL from INTEGRATIONS_<CODE>_URL; empty when unset."""
    return {code: env_str(variable) for code, variable in URL_VARIABLES.items()}


def _webhook_secrets() -> dict[str, str]:
    """INTEGRATIONS_WEBHOOK_SECRET_<CODE> for each marketplace that signs with its own secret."""
    return {
        name.removeprefix(WEBHOOK_ENV_PREFIX).lower(): value.strip()
        for name, value in os.environ.items()
        if name.startswith(WEBHOOK_ENV_PREFIX) and value.strip()
    }


@dataclass(frozen=True)
class IntegrationsSettings:
    # APP_ENV, as read by the core's Settings.
    environment: str
    # Fernet key (or any passphrase, hashed into one) that encrypts marketplace credentials at rest.
    credentials_key: str = field(
        default_factory=lambda: env_str("INTEGRATIONS_CREDENTIALS_KEY", DEV_CREDENTIALS_KEY)
    )
    webhook_secret: str = field(
        default_factory=lambda: env_str("INTEGRATIONS_WEBHOOK_SECRET", DEV_WEBHOOK_SECRET)
    )
    # Marketplace code -> its own webhook secret; a marketplace not named here uses the shared one.
    webhook_secrets: dict[str, str] = field(default_factory=_webhook_secrets)
    # "inprocess" runs the sync worker inside the web app (make run); "off" leaves it to
    # `piccolo integrations worker`. Development defaults to in-process.
    worker: str = field(default_factory=lambda: env_str("INTEGRATIONS_WORKER"))
    worker_concurrency: int = field(default_factory=lambda: env_int("INTEGRATIONS_WORKER_CONCURRENCY", 4))
    poll_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_POLL_SECONDS", 0.5))
    lease_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_LEASE_SECONDS", 30))
    # A job dies when one of its API calls has failed max_attempts times AND it has been failing for
    # give_up_seconds: faults the marketplace clears within an hour never kill a job.
    max_attempts: int = field(default_factory=lambda: env_int("INTEGRATIONS_MAX_ATTEMPTS", 8))
    give_up_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_GIVE_UP_SECONDS", 7200))
    backoff_base_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_BACKOFF_BASE", 1.0))
    backoff_cap_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_BACKOFF_CAP", 300))
    http_timeout_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_HTTP_TIMEOUT", 10))
    reconcile_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_RECONCILE_SECONDS", 300))
    # How often the worker looks for orders under 4 hours from their deadline that nobody acted on
    # (``orders.deadlines``): a minute late at most is well inside the 4 hours.
    deadline_scan_seconds: float = field(
        default_factory=lambda: env_float("INTEGRATIONS_DEADLINE_SCAN_SECONDS", 60)
    )
    # Marketplace code -> base URL (INTEGRATIONS_<CODE>_URL; each adapter module notes the real host);
    # empty means the simulator mounted in this app (PUBLIC_BASE_URL/sim/<code>), which only
    # development and test (or INTEGRATIONS_SIMULATORS=1) allow.
    marketplace_urls: dict[str, str] = field(default_factory=_marketplace_urls)
    # Mount the marketplaces' simulators under /sim/<code>. None (unset): only in
    # development and test, since anyone reaching them pushes fake orders and takedowns to farmers.
    simulators: bool | None = field(default_factory=lambda: env_flag("INTEGRATIONS_SIMULATORS", None))
    # Seconds between the mounted simulators' generated orders (the demo's buyers); 0 turns them
    # off. Empty: 20 in development, off elsewhere (tests place their orders themselves).
    sim_order_seconds: float = field(default_factory=lambda: env_float("INTEGRATIONS_SIM_ORDER_SECONDS", -1))
    # Where the mounted simulators keep their items (sim-<code>.json); empty: beside the media folder.
    # Their state belongs to one database: whoever recreates the database clears this folder.
    sim_state_dir: str = field(default_factory=lambda: env_str("INTEGRATIONS_SIM_STATE_DIR"))

    @classmethod
    def from_env(cls, environment: str) -> Self:
        """The section for ``environment`` (the core's APP_ENV), every other value from the environment."""
        return cls(environment=environment)

    def __post_init__(self) -> None:
        # The test suite runs with APP_ENV=test and the development keys.
        if self.environment not in DEVELOPMENT_ENVIRONMENTS:
            if self.credentials_key == DEV_CREDENTIALS_KEY or len(self.credentials_key) < 32:
                raise SettingsError(
                    "INTEGRATIONS_CREDENTIALS_KEY must be set to a random value of at least 32 characters"
                )
            if self.webhook_secret == DEV_WEBHOOK_SECRET:
                raise SettingsError("INTEGRATIONS_WEBHOOK_SECRET must be set outside development")
            if DEV_WEBHOOK_SECRET in self.webhook_secrets.values():
                raise SettingsError(f"{WEBHOOK_ENV_PREFIX}<CODE> must not be the development secret")
            # Without a URL the adapter would sync to a stand-in and farmers would see "live".
            if not self.mount_simulators:
                for code, variable in URL_VARIABLES.items():
                    if not self.configured_url(code):
                        raise SettingsError(
                            f"{variable} must be set to the {code} API's base URL outside development"
                        )
        if self.worker not in {"", "inprocess", "off"}:
            raise SettingsError("INTEGRATIONS_WORKER must be 'inprocess' or 'off'")

    @property
    def mount_simulators(self) -> bool:
        if isinstance(self.simulators, bool):
            return self.simulators
        return self.environment in DEVELOPMENT_ENVIRONMENTS

    @property
    def simulators_in_production(self) -> bool:
        """Simulators explicitly mounted outside development: start-up warns about it."""
        return self.mount_simulators and self.environment not in DEVELOPMENT_ENVIRONMENTS

    @property
    def sim_order_interval(self) -> float:
        if self.sim_order_seconds >= 0:
            return self.sim_order_seconds
        return 20.0 if self.environment == "development" else 0.0

    @property
    def run_in_process(self) -> bool:
        return self.worker == "inprocess" or (not self.worker and self.environment == "development")

    def webhook_secret_for(self, code: str) -> str:
        """The secret a marketplace signs its webhooks with: its own if set, else the shared one."""
        return self.webhook_secrets.get(code) or self.webhook_secret

    def configured_url(self, code: str) -> str:
        return self.marketplace_urls.get(code, "")

    def marketplace_url(self, code: str, public_base_url: str) -> str:
        # Outside development the settings check has made sure a URL is configured here, unless the
        # simulators were mounted explicitly: no production adapter falls back to a stand-in.
        return (self.configured_url(code) or f"{public_base_url}/sim/{code}").rstrip("/")
