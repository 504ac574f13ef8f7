"""Accounts over the JSON API: register, log in (bearer token), log out, who am I."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_201_CREATED, HTTP_202_ACCEPTED, HTTP_204_NO_CONTENT

from agrimarket.accounts.actor import Actor
from agrimarket.accounts.claims import ClaimPending, claim_message, register_or_claim
from agrimarket.accounts.codes import CODE_SENT_EN, CODE_SENT_VI, request_code, sign_in_with_code
from agrimarket.accounts.limits import STORE, take_registration
from agrimarket.accounts.schemas import (
    CodeRequestIn,
    CodeSent,
    CodeSignInIn,
    LoginIn,
    MeOut,
    RegisterIn,
    TokenOut,
)
from agrimarket.accounts.service import (
    Registration,
    actor_for_token,
    authenticate,
    close_session,
    open_session,
)
from agrimarket.privacy import consent
from agrimarket.settings import Settings
from agrimarket.web.auth import client_address, credentials, provide_actor
from agrimarket.web.i18n import request_lang
from agrimarket.web.openapi import error_response


def me_out(actor: Actor) -> MeOut:
    return MeOut(
        id=actor.user_id,
        phone=actor.phone,
        full_name=actor.full_name,
        role=actor.role,
        language=actor.language,
        household_id=actor.household_id,
        cooperative_id=actor.cooperative_id,
        scope_province=actor.scope_province,
        scope_commune=actor.scope_commune,
    )


async def _token_for(user_id: int, settings: Settings) -> TokenOut:
    token = await open_session(user_id, "api", settings.session_days)
    actor = await actor_for_token(token, "api")
    assert actor is not None
    return TokenOut(token=token, user=me_out(actor))


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["accounts"]

    @post(
        "/register",
        status_code=HTTP_201_CREATED,
        responses={
            HTTP_202_ACCEPTED: ResponseSpec(ClaimPending, description="The phone's account is claimed")
        },
    )
    async def register(
        self, request: Request, data: RegisterIn, settings: Settings
    ) -> Response[TokenOut | ClaimPending]:
        """Create a household or coop-manager account and return a bearer token; for a phone a
        cooperative signed up, 202: a claim an officer of the commune confirms. Limited per client
        address (REGISTER_RATE_LIMIT and REGISTER_DAILY_LIMIT, then 429 with Retry-After)."""
        await take_registration(request.app.stores.get(STORE), client_address(request), settings)
        form = Registration(**{f: getattr(data, f) for f in data.__struct_fields__ if f != "granted"})
        user_id, claim = await register_or_claim(form)
        if claim is not None:
            claim_id, code = claim
            pending = ClaimPending(
                claim_id=claim_id, code=code, message=claim_message(code, request_lang(request))
            )
            return Response(pending, status_code=HTTP_202_ACCEPTED)
        assert user_id is not None  # register_or_claim() gives a user or a claim
        await consent.answer_notice(user_id, data.granted)
        return Response(await _token_for(user_id, settings), status_code=HTTP_201_CREATED)

    @post("/login", status_code=200)
    async def login(self, data: LoginIn, settings: Settings) -> TokenOut:
        """Exchange phone + password for a bearer token (rate limited)."""
        return await _token_for(await authenticate(data.phone, data.password), settings)

    @post("/code", status_code=HTTP_202_ACCEPTED, responses={429: error_response(429)})
    async def code(self, request: Request, data: CodeRequestIn, settings: Settings) -> CodeSent:
        """Send a 6-digit sign-in code to the phone by Zalo (SMS if Zalo cannot), valid 5 minutes.
        The same answer whether or not the phone has an account; at most 3 codes per phone and per
        client address in 15 minutes (then 429 with Retry-After)."""
        store = request.app.stores.get(STORE)
        await request_code(store, client_address(request), data.phone, settings)
        return CodeSent(message=CODE_SENT_EN if request_lang(request) == "en" else CODE_SENT_VI)

    @post("/code/sign-in", status_code=200, responses={401: error_response(401), 429: error_response(429)})
    async def code_sign_in(self, data: CodeSignInIn, settings: Settings) -> TokenOut:
        """Exchange the phone's code for a bearer token, once; ``new_password`` resets the password.
        A wrong, used or expired code (5 wrong tries spend it) is one 401 answer."""
        user_id = await sign_in_with_code(data.phone, data.code, settings, data.new_password or "")
        return await _token_for(user_id, settings)

    @post("/logout", status_code=HTTP_204_NO_CONTENT, dependencies={"actor": Provide(provide_actor)})
    async def logout(self, request: Request, actor: Actor) -> None:
        token, _ = credentials(request)
        if token:
            await close_session(token)


@get("/api/v1/me", tags=["accounts"], dependencies={"actor": Provide(provide_actor)})
async def me(actor: Actor) -> MeOut:
    return me_out(actor)
