"""Message channels' settings: a section of the core's settings, ``settings.section(ChannelSettings)``.

Read with the core's readers (``agrimarket.env``), so a malformed value stops start-up with a
``SettingsError`` naming its variable. In development and test an unset URL means the channel's
simulator mounted in this app (``/sim/zalo``, ``/sim/sms``, ``/sim/webpush``); elsewhere an enabled
channel without its URL and credentials stops start-up, like a marketplace without its URL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Self

from agrimarket.env import DEVELOPMENT_ENVIRONMENTS, SettingsError, env_flag, env_float, env_str
from agrimarket.messages.kinds import KINDS

CHANNELS = ("zalo", "sms", "webpush")
# The simulators' own credentials (refused outside development, as the other development keys).
DEV_ZALO_APP_ID = "sim-zalo-app"
DEV_ZALO_SECRET = "dev-only-zalo-secret"  # noqa: S105 - the simulator's, development only
DEV_ZALO_REFRESH = "dev-only-zalo-refresh-0"
DEV_ZALO_OA_SECRET = "dev-only-zalo-oa-secret"  # noqa: S105 - signs the simulator's receipts only
DEV_ESMS_KEY, DEV_ESMS_SECRET = "sim-esms-key", "dev-only-esms-secret"
# A VAPID key pair for development only (raw P-256 private key and public key, base64url).
DEV_VAPID_PRIVATE = "8wmqfT7QgDRncoLwwrqQfKjcVl7GSzc2k90s0EjNNsk"
DEV_VAPID_PUBLIC = "BFpVexbdeWmU_QJL8QOlRdklZke3RGfHNaNhPVjYwA88UPEVcrLl4meKuZfOdXNYF4i82soBesh9rbsLqUwV9X4"


def _templates() -> dict[str, str]:
    """MESSAGE_ZALO_TEMPLATES: "kind=template_id,…", one approved ZNS template per message kind."""
    text = env_str("MESSAGE_ZALO_TEMPLATES")
    found = {}
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        kind, sep, template_id = (piece.strip() for piece in entry.partition("="))
        if not sep or kind not in KINDS or not template_id:
            raise SettingsError(
                "MESSAGE_ZALO_TEMPLATES must look like order_received=231677,listing_rejected=231678 "
                f"(kinds: {', '.join(KINDS)}), not {entry!r}"
            )
        found[kind] = template_id
    return found


@dataclass(frozen=True)
class ChannelSettings:
    environment: str
    # Comma-separated channels to send through, in fallback order of preference; unset: all three
    # in development and test (their simulators), none elsewhere (the in-app inbox only).
    enabled_raw: str = field(default_factory=lambda: env_str("MESSAGE_CHANNELS", "-"))
    zalo_oauth_url: str = field(default_factory=lambda: env_str("MESSAGE_ZALO_OAUTH_URL"))
    zalo_zns_url: str = field(default_factory=lambda: env_str("MESSAGE_ZALO_ZNS_URL"))
    zalo_app_id: str = field(default_factory=lambda: env_str("MESSAGE_ZALO_APP_ID", DEV_ZALO_APP_ID))
    zalo_app_secret: str = field(default_factory=lambda: env_str("MESSAGE_ZALO_APP_SECRET", DEV_ZALO_SECRET))
    # The OA's first refresh token (from its authorization); every renewal stores the next one.
    zalo_refresh_token: str = field(
        default_factory=lambda: env_str("MESSAGE_ZALO_REFRESH_TOKEN", DEV_ZALO_REFRESH)
    )
    # The OA secret key Zalo signs its webhook events with (X-ZEvent-Signature): delivery receipts.
    zalo_oa_secret_key: str = field(
        default_factory=lambda: env_str("MESSAGE_ZALO_OA_SECRET_KEY", DEV_ZALO_OA_SECRET)
    )
    zalo_templates: dict[str, str] = field(default_factory=_templates)
    sms_url: str = field(default_factory=lambda: env_str("MESSAGE_SMS_URL"))
    esms_api_key: str = field(default_factory=lambda: env_str("MESSAGE_ESMS_API_KEY", DEV_ESMS_KEY))
    esms_secret_key: str = field(default_factory=lambda: env_str("MESSAGE_ESMS_SECRET_KEY", DEV_ESMS_SECRET))
    esms_brandname: str = field(default_factory=lambda: env_str("MESSAGE_ESMS_BRANDNAME", "NONGSAN"))
    vapid_private_key: str = field(
        default_factory=lambda: env_str("MESSAGE_VAPID_PRIVATE_KEY", DEV_VAPID_PRIVATE)
    )
    vapid_public_key: str = field(
        default_factory=lambda: env_str("MESSAGE_VAPID_PUBLIC_KEY", DEV_VAPID_PUBLIC)
    )
    vapid_subject: str = field(
        default_factory=lambda: env_str("MESSAGE_VAPID_SUBJECT", "mailto:admin@agrimarket.invalid")
    )
    http_timeout_seconds: float = field(default_factory=lambda: env_float("MESSAGE_HTTP_TIMEOUT", 10))
    # Each gateway's requests per second, shared by every delivery worker (a rate_bucket row, as the
    # marketplaces' calls are paced); 0 turns pacing off. Neither limit is published: ZNS's is set
    # per OA by Zalo, eSMS's per account; set these to what the contract says.
    zalo_rate_per_s: float = field(default_factory=lambda: env_float("MESSAGE_ZALO_RATE_PER_S", 100))
    esms_rate_per_s: float = field(default_factory=lambda: env_float("MESSAGE_ESMS_RATE_PER_S", 30))
    # The same switch as the marketplace simulators (INTEGRATIONS_SIMULATORS).
    simulators: bool | None = field(default_factory=lambda: env_flag("INTEGRATIONS_SIMULATORS", None))

    @classmethod
    def from_env(cls, environment: str) -> Self:
        return cls(environment=environment)

    def __post_init__(self) -> None:
        if self.zalo_rate_per_s < 0 or self.esms_rate_per_s < 0:
            raise SettingsError("MESSAGE_ZALO_RATE_PER_S and MESSAGE_ESMS_RATE_PER_S must be 0 or more")
        unknown = [code for code in self.channels if code not in CHANNELS]
        if unknown:
            raise SettingsError(f"MESSAGE_CHANNELS takes {', '.join(CHANNELS)}, not {', '.join(unknown)}")
        if self.environment in DEVELOPMENT_ENVIRONMENTS or self.mount_simulators:
            return
        needs: dict[str, dict[str, object]] = {
            "zalo": {
                "MESSAGE_ZALO_OAUTH_URL": self.zalo_oauth_url,
                "MESSAGE_ZALO_ZNS_URL": self.zalo_zns_url,
                "MESSAGE_ZALO_APP_SECRET": self.zalo_app_secret != DEV_ZALO_SECRET,
                "MESSAGE_ZALO_REFRESH_TOKEN": self.zalo_refresh_token != DEV_ZALO_REFRESH,
                "MESSAGE_ZALO_OA_SECRET_KEY": self.zalo_oa_secret_key != DEV_ZALO_OA_SECRET,
            },
            "sms": {
                "MESSAGE_SMS_URL": self.sms_url,
                "MESSAGE_ESMS_SECRET_KEY": self.esms_secret_key != DEV_ESMS_SECRET,
            },
            "webpush": {"MESSAGE_VAPID_PRIVATE_KEY": self.vapid_private_key != DEV_VAPID_PRIVATE},
        }
        for code in self.channels:
            for variable, present in needs[code].items():
                if not present:
                    raise SettingsError(f"{variable} must be set when MESSAGE_CHANNELS sends through {code}")

    @property
    def mount_simulators(self) -> bool:
        if isinstance(self.simulators, bool):
            return self.simulators
        return self.environment in DEVELOPMENT_ENVIRONMENTS

    @property
    def channels(self) -> tuple[str, ...]:
        if self.enabled_raw == "-":
            return CHANNELS if self.environment in DEVELOPMENT_ENVIRONMENTS else ()
        return tuple(code.strip() for code in self.enabled_raw.split(",") if code.strip())

    def templates(self) -> dict[str, str]:
        """Kind -> ZNS template id; in development every kind has the simulator's approved one."""
        if self.environment in DEVELOPMENT_ENVIRONMENTS:
            return {kind: f"sim-{kind}" for kind in KINDS} | self.zalo_templates
        return dict(self.zalo_templates)

    def url(self, code: str, public_base_url: str) -> str:
        """The channel's base URL: configured, or its simulator mounted here (development only,
        the settings check refuses the rest)."""
        configured = {"zalo-oauth": self.zalo_oauth_url, "zalo": self.zalo_zns_url, "sms": self.sms_url}
        simulator = f"{public_base_url}/sim/{code.removesuffix('-oauth')}"
        return (configured.get(code) or simulator).rstrip("/")
