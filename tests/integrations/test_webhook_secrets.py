"""Each marketplace may sign its webhooks with its own secret; the shared one is the fallback."""

from __future__ import annotations

import dataclasses
import json
import time

from integrations.settings import IntegrationsSettings
from integrations.webhooks.signature import sign


def signed(secret: str, event: dict) -> tuple[bytes, dict]:
    body = json.dumps(event).encode()
    return body, {"X-Signature": sign(secret, body, int(time.time()))}


def test_per_marketplace_secret_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("INTEGRATIONS_WEBHOOK_SECRET_POSTMART", "bi-mat-rieng-postmart")
    settings = IntegrationsSettings.from_env("test")
    assert settings.webhook_secret_for("postmart") == "bi-mat-rieng-postmart"
    assert settings.webhook_secret_for("voso") == settings.webhook_secret


async def test_webhook_checked_with_the_marketplace_secret(int_settings):
    from litestar.testing import AsyncTestClient

    from agrimarket.app import create_app

    integrations = dataclasses.replace(
        int_settings.section(IntegrationsSettings), webhook_secrets={"postmart": "pm-secret"}
    )
    app = create_app(int_settings.with_section(integrations))
    event = {"external_id": "PO0000001", "status": "removed"}
    async with AsyncTestClient(app=app, base_url="http://testserver.local") as client:
        body, shared = signed(integrations.webhook_secret, event)
        assert (
            await client.post("/api/v1/webhooks/postmart", content=body, headers=shared)
        ).status_code == 401
        assert (await client.post("/api/v1/webhooks/voso", content=body, headers=shared)).status_code == 200
        body, own = signed("pm-secret", event)
        assert (await client.post("/api/v1/webhooks/postmart", content=body, headers=own)).status_code == 200
        # Signed but malformed: the sender's mistake, answered 4xx.
        body, own = signed("pm-secret", {"status": "removed"})
        bad = await client.post("/api/v1/webhooks/postmart", content=body, headers=own)
        assert bad.status_code == 422
        junk = b"not json"
        sig = {"X-Signature": sign("pm-secret", junk, int(time.time()))}
        assert (await client.post("/api/v1/webhooks/postmart", content=junk, headers=sig)).status_code == 422
