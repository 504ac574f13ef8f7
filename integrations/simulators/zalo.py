"""Zalo simulator: the OA's OAuth v4 token endpoint and ZNS template sends, as
``integrations.channels.zalo`` documents them, with faults and an outbox page.

- ``POST /v4/oa/access_token`` (form ``refresh_token``, ``app_id``, ``grant_type``; header
  ``secret_key``): a refresh token works once; the answer's ``expires_in`` is a string, as Zalo's.
- ``POST /message/template`` (header ``access_token``): ZNS's answers, error codes included:
  -124 for an unknown or expired token, -109 for an unknown template id, -117 for a template not
  approved for the OA, -118 for a phone without a Zalo account, -144 once the daily quota is used.
  A repeated ``tracking_id`` gets the first answer again (the dedupe we rely on).
- **Delivery receipts**: after each new send, the phone "receives" it and Zalo's OA webhook event
  ``user_received_message`` (msg_id, tracking_id, delivery_time) is POSTed to ``receipt_url``,
  signed ``X-ZEvent-Signature`` with the OA secret key; each is also kept in ``receipts``.
- **Rate limit**: over ``rate_limit_per_s`` sends in a sliding second, HTTP 429 with ZNS's
  "request limit exceeded" body (error -32), counted in ``rate_limited``; nothing is sent.
- ``GET /outbox`` (page) and ``GET /outbox.json``: what would have reached the phones.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
from dataclasses import dataclass, field

import httpx
from litestar import Litestar, Request, Response, get, post

from integrations.channels import zalo as contract
from integrations.simulators.base import play_write
from integrations.simulators.outbox_page import outbox_page
from integrations.simulators.responses import DropMiddleware
from integrations.simulators.state import SimConfig, SimState

TITLE = "Zalo ZNS"


@dataclass
class ZaloConfig(SimConfig):
    app_id: str = "sim-zalo-app"
    app_secret: str = "dev-only-zalo-secret"  # noqa: S105 - the simulator's own
    first_refresh_token: str = "dev-only-zalo-refresh-0"  # noqa: S105 - the simulator's own
    token_lifetime_s: int = 90000  # Zalo's documented 25 h; clients must read expires_in
    # Template ids the OA may send; None: every "sim-…" id but the refused ones.
    approved_templates: set[str] | None = None
    refused_templates: set[str] = field(default_factory=lambda: {"sim-refused"})
    # Phones (84… form) with no Zalo account.
    phones_without_zalo: set[str] = field(default_factory=set)
    daily_quota: int = 0  # 0: unlimited
    # Where the OA webhook's events go (our /api/v1/channels/zalo/events); "": kept in receipts only.
    receipt_url: str = ""
    oa_secret_key: str = "dev-only-zalo-oa-secret"  # noqa: S105 - the simulator's own


class ZaloState(SimState):
    def __init__(self, config: ZaloConfig) -> None:
        super().__init__("zalo", config)
        self.zalo = config
        self.refresh_tokens = {config.first_refresh_token}
        self.access_tokens: dict[str, float] = {}  # token -> expires at
        self.outbox: list[dict] = []
        self.refreshes = 0
        self.sends = 0  # template sends that reached the handler (replays included)
        self._msg_ids = itertools.count(1)
        self.receipts: list[tuple[bytes, str]] = []  # OA webhook events, as signed
        self._pushes: set[asyncio.Task] = set()

    def receipt(self, sent: dict) -> None:
        """The phone got the message: sign the OA webhook event and push it (without blocking the
        send's answer, as Zalo's receipts come later)."""
        stamp = str(int(self.now() * 1000))
        event = {
            "app_id": self.zalo.app_id,
            "event_name": contract.RECEIPT_EVENT,
            "timestamp": stamp,
            "sender": {"id": "sim-oa"},
            "recipient": {"id": sent["phone"]},
            "message": {"msg_id": sent["msg_id"], "tracking_id": sent["tracking_id"], "delivery_time": stamp},
        }
        body = json.dumps(event).encode()
        signature = contract.receipt_signature(self.zalo.app_id, body, stamp, self.zalo.oa_secret_key)
        self.receipts.append((body, signature))
        if self.zalo.receipt_url:
            task = asyncio.get_running_loop().create_task(self._push(body, signature))
            self._pushes.add(task)
            task.add_done_callback(self._pushes.discard)

    async def _push(self, body: bytes, signature: str) -> None:
        async with httpx.AsyncClient(timeout=5) as client:
            # A receipt lost here is only a message without its "delivered" mark.
            with contextlib.suppress(httpx.HTTPError):
                await client.post(
                    self.zalo.receipt_url,
                    content=body,
                    headers={contract.SIGNATURE_HEADER: signature, "content-type": "application/json"},
                )

    def has_zalo(self, phone: str) -> bool:
        return phone not in self.zalo.phones_without_zalo

    def template_state(self, template_id: str) -> int:
        """0 approved, or ZNS's error code for it."""
        approved = self.zalo.approved_templates
        if approved is not None:
            return 0 if template_id in approved else -109
        if template_id in self.zalo.refused_templates:
            return -117
        return 0 if template_id.startswith("sim-") else -109


def _zns(error: int, message: str, data: dict | None = None) -> tuple[int, dict]:
    body: dict = {"error": error, "message": message}
    if data is not None:
        body["data"] = data
    return 200, body


def create_app(config: ZaloConfig | None = None) -> Litestar:
    state = ZaloState(config or ZaloConfig())

    @post(contract.TOKEN_PATH, status_code=200)
    async def access_token(request: Request) -> Response:
        form = await request.form()
        refresh_token = str(form.get("refresh_token", ""))
        if (
            request.headers.get("secret_key") != state.zalo.app_secret
            or form.get("app_id") != state.zalo.app_id
        ):
            return Response(
                {"error": -14002, "error_name": "Invalid app", "error_description": "app_id or secret_key"}
            )
        if form.get("grant_type") != "refresh_token" or refresh_token not in state.refresh_tokens:
            return Response(
                {
                    "error": -14014,
                    "error_name": "Invalid refresh token",
                    "error_description": "used or unknown",
                }
            )
        fault = await state.fault()
        if fault == "error":
            return Response({"error": "unavailable"}, status_code=503)
        state.refresh_tokens.discard(refresh_token)  # single use
        new_refresh, access = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
        state.refresh_tokens.add(new_refresh)
        state.access_tokens[access] = state.now() + state.zalo.token_lifetime_s
        state.refreshes += 1
        return Response(
            {
                "access_token": access,
                "refresh_token": new_refresh,
                "expires_in": str(state.zalo.token_lifetime_s),
            }
        )

    def deliver(body: dict):
        def apply() -> tuple[int, dict]:
            phone, template_id = str(body.get("phone", "")), str(body.get("template_id", ""))
            if not (phone.startswith("84") and phone[2:].isdigit() and len(phone) == 11):
                return _zns(-108, "Phone number invalid")
            template = state.template_state(template_id)
            if template:
                return _zns(
                    template,
                    "Template ID invalid"
                    if template == -109
                    else "OA or App does not have permission to access this template",
                )
            if not isinstance(body.get("template_data"), dict) or not body["template_data"]:
                return _zns(-111, "Template data empty")
            if not state.has_zalo(phone):
                return _zns(-118, "Zalo account not existed")
            quota = state.zalo.daily_quota
            if quota and len(state.outbox) >= quota:
                return _zns(-144, "OA has exceeded maximum quota per day")
            msg_id = f"zns{next(state._msg_ids):08d}"
            sent = {
                "msg_id": msg_id,
                "phone": phone,
                "template_id": template_id,
                "template_data": body["template_data"],
                "tracking_id": str(body.get("tracking_id", "")),
                "sent_time": str(int(state.now() * 1000)),
            }
            state.outbox.append(sent)
            state.receipt(sent)
            remaining = quota - len(state.outbox) if quota else 500
            return _zns(
                0,
                "Success",
                {
                    "msg_id": msg_id,
                    "sent_time": sent["sent_time"],
                    "quota": {"dailyQuota": str(quota or 500), "remainingQuota": str(remaining)},
                },
            )

        return apply

    @post(contract.SEND_PATH, status_code=200)
    async def template(request: Request) -> Response:
        state.sends += 1
        if state.admit() is not None:
            return Response(
                {"error": contract.RATE_LIMITED, "message": "Request rate limit exceeded"},
                status_code=429,
                headers={"Retry-After": "1"},
            )
        token = request.headers.get("access_token", "")
        if state.access_tokens.get(token, 0) <= state.now():
            return Response({"error": contract.TOKEN_INVALID, "message": "Access token invalid"})
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return Response({"error": -121, "message": "Body data empty"})
        return await play_write(
            state, f"zns:{body.get('tracking_id')}" if body.get("tracking_id") else None, deliver(body)
        )

    @get("/outbox")
    async def outbox() -> Response:
        return outbox_page(
            TITLE,
            state.outbox,
            ("sent_time", "phone", "template_id", "template_data", "tracking_id", "msg_id"),
        )

    @get("/outbox.json")
    async def outbox_json() -> list[dict]:
        return state.outbox

    app = Litestar(
        route_handlers=[access_token, template, outbox, outbox_json],
        middleware=[DropMiddleware],
        openapi_config=None,
    )
    app.state.sim = state
    return app
