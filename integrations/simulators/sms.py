"""eSMS.vn simulator: ``SendMultipleMessage_V4_post_json`` as ``integrations.channels.sms``
documents it, with faults and an outbox page.

Answers as eSMS does: ``CodeResult`` "100" with an ``SMSID``; "124" ("Request exist") for a
``RequestId`` already taken, which sends nothing again; "101" wrong ApiKey/SecretKey; "104" a
brand name not registered; "108" a phone number eSMS cannot read; "99" a blocked number.
Over ``rate_limit_per_s`` requests in a sliding second: HTTP 429 (eSMS publishes no code of its
own for it), counted in ``rate_limited``, nothing sent. ``GET /outbox`` (page) and
``GET /outbox.json`` show what would have been sent.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from litestar import Litestar, Request, Response, get, post

from integrations.channels import sms as contract
from integrations.simulators.base import play_write
from integrations.simulators.outbox_page import outbox_page
from integrations.simulators.responses import DropMiddleware
from integrations.simulators.state import SimConfig, SimState

TITLE = "SMS eSMS.vn"
PHONE = re.compile(r"^(0|84)[35789][0-9]{8}$")


@dataclass
class SmsConfig(SimConfig):
    api_key: str = "sim-esms-key"
    secret_key: str = "dev-only-esms-secret"  # noqa: S105 - the simulator's own
    brandnames: set[str] = field(default_factory=lambda: {"NONGSAN"})
    blocked_phones: set[str] = field(default_factory=set)


class SmsState(SimState):
    def __init__(self, config: SmsConfig) -> None:
        super().__init__("sms", config)
        self.sms = config
        self.outbox: list[dict] = []
        self.by_request: dict[str, str] = {}  # RequestId -> SMSID
        self.sends = 0
        self._ids = itertools.count(1)


def _result(code: str, message: str = "", **extra) -> tuple[int, dict]:
    body = {"CodeResult": code, "CountRegenerate": 0, **extra}
    if message:
        body["ErrorMessage"] = message
    return 200, body


def create_app(config: SmsConfig | None = None) -> Litestar:
    state = SmsState(config or SmsConfig())

    def deliver(body: dict):
        def apply() -> tuple[int, dict]:
            if body.get("ApiKey") != state.sms.api_key or body.get("SecretKey") != state.sms.secret_key:
                return _result("101", "Authorize Failed")
            request_id = str(body.get("RequestId", ""))
            if request_id and request_id in state.by_request:
                return _result("124", "Request exist 1", SendStatus="5")
            if body.get("Brandname") not in state.sms.brandnames:
                return _result("104", "Brand name code is not exist")
            phone = str(body.get("Phone", ""))
            if not PHONE.match(phone):
                return _result("108", "Phone number is not in correct format")
            if phone in state.sms.blocked_phones:
                return _result("99", "Phone is blocked")
            sms_id = f"sms{next(state._ids):08d}"
            if request_id:
                state.by_request[request_id] = sms_id
            state.outbox.append(
                {
                    "SMSID": sms_id,
                    "Phone": phone,
                    "Content": str(body.get("Content", "")),
                    "Brandname": body.get("Brandname"),
                    "RequestId": request_id,
                    "at": int(state.now()),
                }
            )
            return _result("100", SMSID=sms_id)

        return apply

    @post(contract.SEND_PATH, status_code=200)
    async def send(request: Request) -> Response:
        state.sends += 1
        limited = state.admit()
        if limited is not None:
            return limited
        try:
            body = await request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return Response({"error": "Invalid request"})
        # eSMS's own duplicate check answers a repeat; no replay store in front of it.
        return await play_write(state, None, deliver(body))

    @get("/outbox")
    async def outbox() -> Response:
        return outbox_page(TITLE, state.outbox, ("at", "Phone", "Brandname", "Content", "RequestId", "SMSID"))

    @get("/outbox.json")
    async def outbox_json() -> list[dict]:
        return state.outbox

    app = Litestar(
        route_handlers=[send, outbox, outbox_json], middleware=[DropMiddleware], openapi_config=None
    )
    app.state.sim = state
    return app
