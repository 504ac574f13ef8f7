"""A Web Push service simulator (what Chrome's push service is to a server), for development and
tests: ``POST /subscribe`` makes a subscription the way a browser would (its own P-256 key pair and
auth secret, an endpoint here); ``POST /push/{id}`` takes an RFC 8291 aes128gcm payload with a
VAPID ``Authorization`` header, decrypts it with the subscription's keys and keeps it in the
outbox (``GET /outbox``, ``/outbox.json``); an unsubscribed id answers 410 Gone.
"""

from __future__ import annotations

import base64
import json
import secrets

import http_ece
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar, Request, Response, delete, get, post

from integrations.simulators.base import play_write
from integrations.simulators.outbox_page import outbox_page
from integrations.simulators.responses import DropMiddleware
from integrations.simulators.state import SimConfig, SimState

TITLE = "Web Push"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).strip(b"=").decode()


class PushState(SimState):
    def __init__(self, config: SimConfig) -> None:
        super().__init__("webpush", config)
        self.subscriptions: dict[str, tuple[ec.EllipticCurvePrivateKey, bytes]] = {}
        self.outbox: list[dict] = []


def create_app(config: SimConfig | None = None) -> Litestar:
    state = PushState(config or SimConfig())

    @post("/subscribe", status_code=201)
    async def subscribe() -> dict:
        key, auth = ec.generate_private_key(ec.SECP256R1()), secrets.token_bytes(16)
        sub_id = secrets.token_urlsafe(12)
        state.subscriptions[sub_id] = (key, auth)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{state.config.public_url}/push/{sub_id}",
            "keys": {"p256dh": _b64(public), "auth": _b64(auth)},
        }

    @delete("/push/{sub_id:str}", status_code=204)
    async def unsubscribe(sub_id: str) -> None:
        state.subscriptions.pop(sub_id, None)

    @post("/push/{sub_id:str}", status_code=201)
    async def push(request: Request, sub_id: str) -> Response:
        found = state.subscriptions.get(sub_id)
        if found is None:
            return Response({"reason": "subscription gone"}, status_code=410)
        if not request.headers.get("authorization", "").startswith("vapid t="):
            return Response({"reason": "VAPID Authorization missing"}, status_code=401)
        body = await request.body()

        def apply() -> tuple[int, dict]:
            key, auth = found
            try:
                data = json.loads(
                    http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm")
                )
            except Exception:
                return 400, {"reason": "payload not decryptable"}
            topic = request.headers.get("topic", "")
            # A message with the topic of one still waiting replaces it (RFC 8030 §5.4).
            state.outbox[:] = [
                m for m in state.outbox if not (topic and m["topic"] == topic and m["sub"] == sub_id)
            ]
            state.outbox.append(
                {"sub": sub_id, "topic": topic, "ttl": request.headers.get("ttl", ""), **data}
            )
            return 201, {}

        return await play_write(state, None, apply)

    @get("/outbox")
    async def outbox() -> Response:
        return outbox_page(TITLE, state.outbox, ("sub", "topic", "title", "body", "url"))

    @get("/outbox.json")
    async def outbox_json() -> list[dict]:
        return state.outbox

    app = Litestar(
        route_handlers=[subscribe, unsubscribe, push, outbox, outbox_json],
        middleware=[DropMiddleware],
        openapi_config=None,
    )
    app.state.sim = state
    return app
