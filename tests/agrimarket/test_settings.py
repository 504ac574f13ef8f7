"""Settings refuse wrong values at start, with a message naming the setting to fix (issue 19, point 5)."""

from __future__ import annotations

import dataclasses

import pytest

from agrimarket.app import create_app
from agrimarket.settings import S3Settings, Settings, SettingsError
from integrations.settings import IntegrationsSettings
from traceability.settings import TraceabilitySettings

# Enough for APP_ENV=production to pass every check but the one a test is about.
PRODUCTION = {
    "APP_ENV": "production",
    "SECRET_KEY": "s" * 40,
    "SCAN_HASH_KEY": "h" * 40,
    "STAMP_PIN_KEY": "p" * 40,
    "INTEGRATIONS_CREDENTIALS_KEY": "k" * 40,
    "INTEGRATIONS_WEBHOOK_SECRET": "w" * 40,
    "INTEGRATIONS_SIMULATORS": "1",  # no marketplace URLs needed for these checks
}


def start_up() -> None:
    """What a process does at start: read the settings and build the app from them."""
    create_app(Settings())


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DB_POOL_SIZE": "ten"}, "DB_POOL_SIZE must be a whole number, not 'ten'"),
        ({"SESSION_DAYS": "30d"}, "SESSION_DAYS must be a whole number, not '30d'"),
        ({"REGISTER_DAILY_LIMIT": "١٠"}, "REGISTER_DAILY_LIMIT must be a whole number"),
        ({"COOP_INVITATION_DAYS": "0"}, "COOP_INVITATION_DAYS must be between 1 and 365"),
        ({"LOGIN_RATE_LIMIT": "10 per minute"}, "LOGIN_RATE_LIMIT must look like 10/minute"),
        ({"REGISTER_RATE_LIMIT": "many"}, "REGISTER_RATE_LIMIT must look like 10/minute"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be 'text' or 'json'"),
        ({"MEDIA_STORAGE": "ftp"}, "MEDIA_STORAGE must be 'local' or 's3'"),
        ({"DATABASE_URL": "mysql://db/agm"}, "DATABASE_URL must start with sqlite:/// or postgres://"),
        ({"PUBLIC_BASE_URL": "agrimarket.vn"}, "PUBLIC_BASE_URL must start with http"),
        ({"MEDIA_STORAGE": "s3", "S3_BUCKET": ""}, "S3_BUCKET is required"),
        ({"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL must start with http"),
        ({"MEDIA_STORAGE": "s3", "S3_ACCESS_KEY_ID": "AKIA"}, "Set both S3_ACCESS_KEY_ID"),
        ({"TRUSTED_PROXIES": "*"}, "TRUSTED_PROXIES takes IP addresses or networks"),
        ({"TRUSTED_PROXIES": "10.0.0.5, proxy.local"}, "TRUSTED_PROXIES takes .*'proxy.local'"),
        ({"TRUSTED_PROXIES": "10.0.0.300"}, "TRUSTED_PROXIES takes .*'10.0.0.300'"),
    ],
)
def test_a_malformed_core_setting_stops_start_up_naming_it(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        start_up()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SCAN_RATE_LIMIT", "lots", "SCAN_RATE_LIMIT must look like 10/minute .*not 'lots'"),
        ("SCAN_RATE_LIMIT", "60/fortnight", "SCAN_RATE_LIMIT must look like 10/minute"),
        ("STAMP_PIN_DIGITS", "x", "STAMP_PIN_DIGITS must be a whole number, not 'x'"),
        ("STAMP_PIN_DIGITS", "5", "STAMP_PIN_DIGITS must be 6, 7 or 8, not 5"),
        ("STAMP_PIN_ATTEMPTS", "five", "STAMP_PIN_ATTEMPTS must be a whole number"),
        (
            "STAMP_PIN_WINDOW_MINUTES",
            "0",
            "STAMP_PIN_ATTEMPTS and STAMP_PIN_WINDOW_MINUTES must be at least 1",
        ),
        ("COUNTERFEIT_DISTINCT_CLIENTS", "20.5", "COUNTERFEIT_DISTINCT_CLIENTS must be a whole number"),
        ("COUNTERFEIT_MIN_DAYS", "three", "COUNTERFEIT_MIN_DAYS must be a whole number"),
        ("COUNTERFEIT_DAYS_AFTER_EXPIRY", "1e3", "COUNTERFEIT_DAYS_AFTER_EXPIRY must be a whole number"),
        ("STAMP_BACKGROUND_THRESHOLD", "2k", "STAMP_BACKGROUND_THRESHOLD must be a whole number"),
        ("STAMP_DAILY_LIMIT", "lots", "STAMP_DAILY_LIMIT must be a whole number"),
        ("STAMP_BACKGROUND_JOBS", "0", "STAMP_BACKGROUND_JOBS and STAMP_DISK_BUDGET_MB must be at least 1"),
        ("STAMP_DISK_BUDGET_MB", "2GB", "STAMP_DISK_BUDGET_MB must be a whole number"),
        ("STAMP_PIN_SHEET_KEEP_DAYS", "90 days", "STAMP_PIN_SHEET_KEEP_DAYS must be a whole number"),
        ("STAMP_RENDER_WORKER", "yes", "STAMP_RENDER_WORKER must be 1 or 0, not 'yes'"),
        ("STAMP_RENDER_POLL_SECONDS", "2s", "STAMP_RENDER_POLL_SECONDS must be a number"),
        ("GROWING_AREA_CODE_PATTERN", "^[A-", "GROWING_AREA_CODE_PATTERN is not a valid regular expression"),
    ],
)
def test_a_malformed_traceability_setting_stops_start_up_naming_it(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        start_up()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("INTEGRATIONS_POLL_SECONDS", "abc", "INTEGRATIONS_POLL_SECONDS must be a number .*not 'abc'"),
        ("INTEGRATIONS_LEASE_SECONDS", "30s", "INTEGRATIONS_LEASE_SECONDS must be a number"),
        ("INTEGRATIONS_GIVE_UP_SECONDS", "2h", "INTEGRATIONS_GIVE_UP_SECONDS must be a number"),
        ("INTEGRATIONS_BACKOFF_BASE", "one", "INTEGRATIONS_BACKOFF_BASE must be a number"),
        ("INTEGRATIONS_BACKOFF_CAP", "5m", "INTEGRATIONS_BACKOFF_CAP must be a number"),
        ("INTEGRATIONS_HTTP_TIMEOUT", "nan", "INTEGRATIONS_HTTP_TIMEOUT must be a number"),
        ("INTEGRATIONS_RECONCILE_SECONDS", "inf", "INTEGRATIONS_RECONCILE_SECONDS must be a number"),
        ("INTEGRATIONS_SIM_ORDER_SECONDS", "often", "INTEGRATIONS_SIM_ORDER_SECONDS must be a number"),
        ("INTEGRATIONS_WORKER_CONCURRENCY", "4.5", "INTEGRATIONS_WORKER_CONCURRENCY must be a whole number"),
        ("INTEGRATIONS_MAX_ATTEMPTS", "many", "INTEGRATIONS_MAX_ATTEMPTS must be a whole number"),
        ("INTEGRATIONS_SIMULATORS", "yes", "INTEGRATIONS_SIMULATORS must be 1 or 0, not 'yes'"),
        ("INTEGRATIONS_WORKER", "thread", "INTEGRATIONS_WORKER must be 'inprocess' or 'off'"),
    ],
)
def test_a_malformed_integrations_setting_stops_start_up_naming_it(monkeypatch, name, value, message):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        start_up()


def test_numbers_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("INTEGRATIONS_POLL_SECONDS", " .25 ")
    monkeypatch.setenv("STAMP_PIN_DIGITS", "8")
    monkeypatch.setenv("STAMP_RENDER_WORKER", "0")
    monkeypatch.setenv("DB_POOL_SIZE", "+3")
    settings = Settings()
    assert settings.db_pool_size == 3
    assert settings.section(IntegrationsSettings).poll_seconds == 0.25
    assert settings.section(TraceabilitySettings).pin_digits == 8
    assert settings.section(TraceabilitySettings).render_worker is False


def test_app_env_is_read_once_and_reaches_every_section(monkeypatch):
    monkeypatch.setenv("APP_ENV", "test")
    settings = Settings()
    assert settings.section(IntegrationsSettings).environment == "test"
    assert settings.section(TraceabilitySettings).environment == "test"
    # The sections take the environment of the settings they come from, not APP_ENV's.
    staging = dataclasses.replace(settings, environment="staging", secret_key="s" * 40)
    monkeypatch.setenv("SCAN_HASH_KEY", "h" * 40)
    monkeypatch.setenv("STAMP_PIN_KEY", "p" * 40)
    assert staging.section(TraceabilitySettings).environment == "staging"
    with pytest.raises(SettingsError, match="INTEGRATIONS_CREDENTIALS_KEY must be set"):
        staging.section(IntegrationsSettings)


def test_a_section_is_built_once_per_settings_object(monkeypatch):
    settings = Settings()
    first = settings.section(TraceabilitySettings)
    monkeypatch.setenv("STAMP_PIN_DIGITS", "7")
    assert settings.section(TraceabilitySettings) is first
    assert dataclasses.replace(settings).section(TraceabilitySettings).pin_digits == 7


def test_with_section_replaces_one_section_and_keeps_the_others(settings):
    low = dataclasses.replace(settings.section(TraceabilitySettings), pin_attempts=2)
    changed = settings.with_section(low)
    assert changed.section(TraceabilitySettings) is low
    assert settings.section(TraceabilitySettings).pin_attempts != 2
    assert changed.section(IntegrationsSettings) == settings.section(IntegrationsSettings)
    # Still in place after another replace() of the core settings.
    assert dataclasses.replace(changed, session_days=7).section(TraceabilitySettings) is low


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("SECRET_KEY", "SECRET_KEY must be set to a random value"),
        ("SCAN_HASH_KEY", "SCAN_HASH_KEY must be set to a random value outside development"),
        ("STAMP_PIN_KEY", "STAMP_PIN_KEY must be set to a random value outside development"),
        ("INTEGRATIONS_CREDENTIALS_KEY", "INTEGRATIONS_CREDENTIALS_KEY must be set"),
        ("INTEGRATIONS_WEBHOOK_SECRET", "INTEGRATIONS_WEBHOOK_SECRET must be set outside development"),
    ],
)
def test_production_refuses_each_development_secret(monkeypatch, missing, message):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv(missing)
    with pytest.raises(SettingsError, match=message):
        start_up()


def test_production_starts_with_its_own_secrets(monkeypatch):
    for name, value in PRODUCTION.items():
        monkeypatch.setenv(name, value)
    app = create_app(Settings())
    assert app.template_engine.engine.auto_reload is False


def test_trusted_proxies_are_none_by_default_and_read_as_addresses_and_networks(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert Settings().trusted_proxies == ()
    monkeypatch.setenv("TRUSTED_PROXIES", " 10.0.0.5 , 10.1.2.3/16,,2001:db8::/48 ")
    assert Settings().trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "2001:db8::/48")


def test_s3_with_keys_or_with_the_instance_role_is_accepted():
    by_role = Settings(media_storage="s3", s3=S3Settings(endpoint_url="http://127.0.0.1:9000", bucket="m"))
    assert by_role.s3.access_key_id == "" and by_role.s3.secret_access_key == ""
    keys = S3Settings(bucket="m", access_key_id="AKIA", secret_access_key="secret")
    assert Settings(media_storage="s3", s3=keys).s3 == keys


def test_templates_reload_from_disk_in_development_only(app, settings):
    assert settings.environment == "test" and app.template_engine.engine.auto_reload is False
    development = create_app(dataclasses.replace(settings, environment="development"))
    assert development.template_engine.engine.auto_reload is True
