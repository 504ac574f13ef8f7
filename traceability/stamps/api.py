"""Stamps over the JSON API: issue, follow an issuance, revoke; and the public trace answer."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_429_TOO_MANY_REQUESTS

from agrimarket.accounts.actor import Actor
from agrimarket.media.storage import Storage
from agrimarket.settings import Settings
from agrimarket.web.auth import client_address, provide_actor
from agrimarket.web.i18n import request_lang
from agrimarket.web.openapi import error_response
from traceability.settings import TraceabilitySettings
from traceability.stamps import jobs, pins, public, review, revocation, service
from traceability.stamps.schemas import (
    IssueCreate,
    IssueRead,
    PinCheck,
    PinResult,
    RevokeRequest,
    RevokeResult,
    ScanReviewRequest,
    ScanReviewResult,
    ScanWarning,
    TraceRead,
)
from traceability.stamps.throttle import scan_throttle


class StampController(Controller):
    path = "/api/v1"
    tags = ["stamps"]
    dependencies = {"actor": Provide(provide_actor)}

    # 429: the owner's daily limit (traceability.stamps.quota), with Retry-After.
    @post(
        "/batches/{batch_id:int}/stamps",
        status_code=HTTP_201_CREATED,
        responses={HTTP_429_TOO_MANY_REQUESTS: error_response(HTTP_429_TOO_MANY_REQUESTS)},
    )
    async def issue(
        self, actor: Actor, batch_id: int, data: IssueCreate, settings: Settings, storage: Storage
    ) -> IssueRead:
        """Issue 1..100,000 stamps; large issuances render in the background (follow ``page_url``).

        Per owner: at most ``STAMP_DAILY_LIMIT`` stamps a day (429) and ``STAMP_BACKGROUND_JOBS``
        background issuances at once (409); 409 too when the stamp file budget is full.
        ``digital_link``: GS1 Digital Link QR codes, by default when the product has a GTIN (409 when
        the lot cannot be written in one, or the label size is too small for its QR)."""
        issue_id = await jobs.issue(
            actor,
            batch_id,
            data.count,
            data.label_size,
            settings,
            storage,
            with_pin=data.with_pin,
            digital_link_qr=data.digital_link,
        )
        return await service.get_issue(actor, issue_id, storage)

    @get("/batches/{batch_id:int}/stamps")
    async def list_issues(self, actor: Actor, batch_id: int, storage: Storage) -> list[IssueRead]:
        """The batch's issuances, newest first: count, size, status, progress, downloads, revoked."""
        return await service.list_issues(actor, batch_id, storage)

    @get("/stamp-issues/{issue_id:int}")
    async def read_issue(
        self, actor: Actor, issue_id: int, settings: Settings, storage: Storage
    ) -> IssueRead:
        """One issuance; files removed for room (sheets without PINs) are rendered again."""
        return await jobs.read_with_files(actor, issue_id, settings, storage)

    @post("/stamps/revoke", status_code=HTTP_200_OK)
    async def revoke(self, actor: Actor, data: RevokeRequest) -> RevokeResult:
        """Revoke one ``serial``, ``from_serial``..``to_serial``, an ``issuance_id`` from ``from_seq`` to
        ``to_seq``, or a ``batch_id``; the reason is kept."""
        return RevokeResult(revoked=await revocation.revoke(actor, data))

    @get("/batches/{batch_id:int}/scan-warnings")
    async def scan_warnings(self, actor: Actor, batch_id: int, settings: Settings) -> list[ScanWarning]:
        """The batch's stamps showing "có thể là tem giả" now, with the evidence since their last review."""
        return await review.warned_stamps(actor, batch_id, settings.section(TraceabilitySettings))

    @post("/batches/{batch_id:int}/scan-review", status_code=HTTP_200_OK)
    async def review_scans(
        self, actor: Actor, batch_id: int, data: ScanReviewRequest, settings: Settings
    ) -> ScanReviewResult:
        """The owner or an officer of the area checked the warned stamps: their warning clears, and
        only evidence gathered after this review raises it again. Audited with the reason."""
        return ScanReviewResult(
            reviewed=await review.review(actor, batch_id, data.reason, settings.section(TraceabilitySettings))
        )


@get(
    "/api/v1/trace/{serial:str}",
    tags=["stamps"],
    dependencies={"throttle": Provide(scan_throttle)},
)
async def trace(
    request: Request, serial: str, throttle: None, settings: Settings, storage: Storage
) -> Response[TraceRead]:
    """The facts a stamp proves (no login), incl. the ten minimum data items of Circular 02/2024."""
    answer = await public.trace(request, serial, settings, storage, request_lang(request))
    return Response(answer, headers={"Cache-Control": "no-store"})


@post(
    "/api/v1/trace/{serial:str}/pin",
    tags=["stamps"],
    status_code=HTTP_200_OK,
    dependencies={"throttle": Provide(scan_throttle)},
)
async def check_pin(
    request: Request, serial: str, data: PinCheck, throttle: None, settings: Settings
) -> Response[PinResult]:
    """The scratch-off PIN of a stamp (no login): 200 when right, with the first verification's time;
    422 ``wrong_pin``; 429 with Retry-After after too many wrong PINs for the stamp or the client."""
    store = request.app.stores.get(pins.STORE)
    verified = await pins.verify(
        store, serial, data.pin, client_address(request), settings.section(TraceabilitySettings)
    )
    answer = PinResult(
        serial=verified.serial,
        first_verification=verified.first,
        first_verified_at=verified.first_verified_at,
        message=pins.verified_message(verified, request_lang(request)),
        revoked_reason=verified.revoked_reason,
    )
    return Response(answer, headers={"Cache-Control": "no-store"})
