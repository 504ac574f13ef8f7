"""Settings refuse wrong values at start, with a message naming the setting to fix."""

from __future__ import annotations

import pytest

from agrimarket.settings import S3Settings, Settings, SettingsError


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DB_POOL_SIZE": "ten"}, "DB_POOL_SIZE must be a whole number"),
        ({"LOGIN_RATE_LIMIT": "10 per minute"}, "LOGIN_RATE_LIMIT must look like 10/minute"),
        ({"SCAN_RATE_LIMIT": "60/fortnight"}, "SCAN_RATE_LIMIT must look like 10/minute"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be 'text' or 'json'"),
        ({"PUBLIC_BASE_URL": "agrimarket.vn"}, "PUBLIC_BASE_URL must start with http"),
        ({"MEDIA_STORAGE": "s3", "S3_BUCKET": ""}, "S3_BUCKET is required"),
        ({"MEDIA_STORAGE": "s3", "S3_ENDPOINT_URL": "minio:9000"}, "S3_ENDPOINT_URL must start with http"),
        ({"MEDIA_STORAGE": "s3", "S3_ACCESS_KEY_ID": "AKIA"}, "Set both S3_ACCESS_KEY_ID"),
        ({"TRUSTED_PROXIES": "*"}, "TRUSTED_PROXIES takes IP addresses or networks"),
        ({"TRUSTED_PROXIES": "10.0.0.5, proxy.local"}, "TRUSTED_PROXIES takes .*'proxy.local'"),
        ({"TRUSTED_PROXIES": "10.0.0.300"}, "TRUSTED_PROXIES takes .*'10.0.0.300'"),
    ],
)
def test_wrong_settings_are_refused_by_name(monkeypatch, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        Settings()


def test_trusted_proxies_are_none_by_default_and_read_as_addresses_and_networks(monkeypatch):
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    assert Settings().trusted_proxies == ()
    monkeypatch.setenv("TRUSTED_PROXIES", " 10.0.0.5 , 10.1.2.3/16,,2001:db8::/48 ")
    assert Settings().trusted_proxies == ("10.0.0.5", "10.1.0.0/16", "2001:db8::/48")


def test_production_refuses_the_development_scan_hash_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("INTEGRATIONS_CREDENTIALS_KEY", "k" * 40)
    monkeypatch.setenv("INTEGRATIONS_WEBHOOK_SECRET", "w" * 40)
    monkeypatch.setenv("INTEGRATIONS_SIMULATORS", "1")  # no marketplace URLs needed for this check
    monkeypatch.delenv("SCAN_HASH_KEY", raising=False)
    with pytest.raises(SettingsError, match="SCAN_HASH_KEY must be set"):
        Settings()


def test_production_refuses_the_development_pin_key(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("INTEGRATIONS_CREDENTIALS_KEY", "k" * 40)
    monkeypatch.setenv("INTEGRATIONS_WEBHOOK_SECRET", "w" * 40)
    monkeypatch.setenv("INTEGRATIONS_SIMULATORS", "1")  # no marketplace URLs needed for this check
    monkeypatch.setenv("SCAN_HASH_KEY", "s" * 40)
    monkeypatch.delenv("STAMP_PIN_KEY", raising=False)
    with pytest.raises(SettingsError, match="STAMP_PIN_KEY must be set"):
        Settings()
    monkeypatch.setenv("STAMP_PIN_DIGITS", "5")
    monkeypatch.setenv("STAMP_PIN_KEY", "p" * 40)
    with pytest.raises((SettingsError, ValueError), match="STAMP_PIN_DIGITS"):
        Settings()


def test_s3_with_keys_or_instance_role_is_accepted():
    Settings(media_storage="s3", s3=S3Settings(endpoint_url="http://127.0.0.1:9000", bucket="m"))
    Settings(media_storage="s3", s3=S3Settings(bucket="m", access_key_id="AKIA", secret_access_key="secret"))


def test_templates_reload_from_disk_in_development_only(app, settings):
    import dataclasses

    from agrimarket.app import create_app

    assert settings.environment == "test" and app.template_engine.engine.auto_reload is False
    development = create_app(dataclasses.replace(settings, environment="development"))
    assert development.template_engine.engine.auto_reload is True
