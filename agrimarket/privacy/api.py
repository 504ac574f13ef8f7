"""Personal data over the JSON API: the notice's consents, "My data" (JSON, CSV) and closing the
household's account. Data requests need a fresh sign-in (``POST /api/v1/me/confirm``) and are
rate-limited (``agrimarket.privacy.fresh``)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post, put
from litestar.di import Provide
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor
from agrimarket.accounts.limits import STORE
from agrimarket.privacy import consent, deletion, service
from agrimarket.privacy.consent import ConsentState
from agrimarket.privacy.deletion import DeletionStatus
from agrimarket.privacy.my_data import MyData, as_csv
from agrimarket.privacy.schemas import Confirmation, NoticeAnswer, OptionalPurpose
from agrimarket.settings import Settings
from agrimarket.web.auth import credentials, provide_actor
from agrimarket.web.downloads import attachment
from agrimarket.web.i18n import request_lang
from agrimarket.web.openapi import error_response


def _token(request: Request) -> str | None:
    return credentials(request)[0]


class PrivacyController(Controller):
    path = "/api/v1/me"
    tags = ["personal data"]
    dependencies = {"actor": Provide(provide_actor)}

    @get("/consents")
    async def consents(self, request: Request, actor: Actor) -> ConsentState:
        """Your answers to the current privacy notice (``/privacy``): required purposes with their
        legal basis, optional ones given or not; ``needs_answer`` until you answered this version."""
        return await consent.state(actor.user_id, request_lang(request))

    @put("/consents")
    async def answer(self, request: Request, actor: Actor, data: NoticeAnswer) -> ConsentState:
        """Answer the current notice: the optional purposes in ``granted`` are given, the others refused."""
        await consent.answer_notice(actor.user_id, data.granted)
        return await consent.state(actor.user_id, request_lang(request))

    @post("/consents/{purpose:str}/give", status_code=200)
    async def give(self, request: Request, actor: Actor, purpose: OptionalPurpose) -> ConsentState:
        """Give one optional consent (``training_messages``, ``public_directory``)."""
        await consent.set_optional(actor, purpose, True)
        return await consent.state(actor.user_id, request_lang(request))

    @post("/consents/{purpose:str}/withdraw", status_code=200)
    async def withdraw(self, request: Request, actor: Actor, purpose: OptionalPurpose) -> ConsentState:
        """Withdraw one optional consent: one call, in force at once (no more training messages)."""
        await consent.set_optional(actor, purpose, False)
        return await consent.state(actor.user_id, request_lang(request))

    @post(
        "/confirm",
        status_code=HTTP_204_NO_CONTENT,
        responses={422: error_response(422), 429: error_response(429)},
    )
    async def confirm(self, request: Request, actor: Actor, data: Confirmation, settings: Settings) -> None:
        """Re-enter your password (or a sign-in code): data requests are allowed for the next
        ``PRIVACY_FRESH_MINUTES`` (10) minutes. Counted with the data requests."""
        store = request.app.stores.get(STORE)
        await service.confirm(_token(request), actor, data.password, data.code, store, settings)

    @get("/data", responses={403: error_response(403), 429: error_response(429)})
    async def data(self, request: Request, actor: Actor, settings: Settings) -> MyData:
        """Everything held about you and your household, from every part of agrimarket. Needs a
        fresh sign-in (403 ``fresh_sign_in_required``: ``POST /api/v1/me/confirm``); rate-limited
        (``PRIVACY_REQUESTS_PER_HOUR``, then 429)."""
        return await service.export(_token(request), actor, request.app.stores.get(STORE), settings)

    @get("/data.csv", media_type="text/csv", responses={403: error_response(403), 429: error_response(429)})
    async def data_csv(self, request: Request, actor: Actor, settings: Settings) -> Response:
        """The same as CSV: one line per value (section, row, field, value), UTF-8 for Excel."""
        found = await service.export(_token(request), actor, request.app.stores.get(STORE), settings)
        return attachment(as_csv(found), "text/csv", "du-lieu-cua-toi.csv")

    @get("/deletion")
    async def deletion_status(self, actor: Actor) -> DeletionStatus | None:
        """Your household's pending request to close its account, if any (households only)."""
        return await deletion.pending(actor)

    @post(
        "/deletion",
        status_code=HTTP_201_CREATED,
        responses={403: error_response(403), 409: error_response(409)},
    )
    async def ask_deletion(self, request: Request, actor: Actor, settings: Settings) -> DeletionStatus:
        """Close your household's account: its identifiers are erased after 7 days (``erase_after``)
        unless you cancel. Only the household itself; needs a fresh sign-in; rate-limited."""
        return await service.ask_deletion(_token(request), actor, request.app.stores.get(STORE), settings)

    @post("/deletion/cancel", status_code=200, responses={409: error_response(409)})
    async def cancel_deletion(self, actor: Actor) -> DeletionStatus:
        """Cancel the pending request (409 when none is pending)."""
        return await deletion.cancel_deletion(actor)
