"""Consents: the answers an account gave to the notice's purposes (``agrimarket.privacy.notice``).

Each answer is a row (purpose, given or withdrawn, notice version, time); the newest per purpose
under the current notice is in force. Required purposes are acknowledged, not chosen: the notice
is shown and the account goes on only once it has answered the current version. Optional ones
count only when given under the current version, so a new notice asks again and until then
nothing optional is done. Withdrawing is one row, in force at once: the messages module asks
``household_allows`` before writing a training message.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import msgspec

from agrimarket import clock
from agrimarket.accounts.actor import Actor, Role
from agrimarket.errors import Invalid
from agrimarket.privacy.notice import BY_CODE, NOTICE_VERSION, OPTIONAL, PURPOSES, REQUIRED
from agrimarket.tables import Consent, User


class PurposeState(msgspec.Struct):
    code: str
    required: bool
    name: str
    legal_basis: str
    granted: bool
    answered_at: datetime | None


class ConsentState(msgspec.Struct):
    notice_version: str
    # True until the account has answered the current notice (registration, first sign-in of an
    # account a cooperative or an import made, a new notice version).
    needs_answer: bool
    purposes: list[PurposeState]


async def _newest(user_id: int) -> dict[str, dict]:
    rows = await (
        Consent.select(Consent.purpose, Consent.granted, Consent.at)
        .where((Consent.user == user_id) & (Consent.notice_version == NOTICE_VERSION))
        .order_by(Consent.id)
    )
    return {row["purpose"]: row for row in rows}  # later rows win


async def state(user_id: int, lang: str = "vi") -> ConsentState:
    newest = await _newest(user_id)
    purposes = [
        PurposeState(
            code=p.code,
            required=p.required,
            name=p.name_en if lang == "en" else p.name_vi,
            legal_basis=p.basis_en if lang == "en" else p.basis_vi,
            granted=bool(newest.get(p.code, {}).get("granted")),
            answered_at=clock.to_local(newest[p.code]["at"]) if p.code in newest else None,
        )
        for p in PURPOSES
    ]
    return ConsentState(NOTICE_VERSION, not all(code in newest for code in REQUIRED), purposes)


async def needs_answer(user_id: int) -> bool:
    """Whether a sign-in should show the notice first: households' and managers' accounts that have
    not answered the current version (staff accounts, made from the command line, are not asked)."""
    row = await User.select(User.role).where(User.id == user_id).first()
    if row is None or row["role"] not in (Role.HOUSEHOLD, Role.COOP_MANAGER):
        return False
    newest = await _newest(user_id)
    return not all(code in newest for code in REQUIRED)


def _check_optional(codes: Sequence[str]) -> None:
    for code in codes:
        if code not in OPTIONAL:
            raise Invalid(
                "purpose",
                f"Không có mục đích tùy chọn «{code[:30]}».",
                f"No optional purpose «{code[:30]}» (one of {', '.join(OPTIONAL)}).",
            )


async def _household_of(user_id: int) -> int | None:
    row = await User.select(User.household).where(User.id == user_id).first()
    return row["household"] if row else None


async def answer_notice(user_id: int, granted: Sequence[str]) -> None:
    """The account read the current notice: the required purposes acknowledged, each optional one
    given when in ``granted`` and refused otherwise."""
    _check_optional(granted)
    household_id, now = await _household_of(user_id), clock.now()
    rows = [
        Consent(
            user=user_id,
            household=household_id,
            purpose=code,
            granted=code in REQUIRED or code in granted,
            notice_version=NOTICE_VERSION,
            at=now,
        )
        for code in (*REQUIRED, *OPTIONAL)
    ]
    await Consent.insert(*rows)


async def set_optional(actor: Actor, purpose: str, granted: bool) -> None:
    """Give or withdraw one optional consent, in force at once (a no-op when it already is so)."""
    _check_optional([purpose])
    newest = await _newest(actor.user_id)
    if purpose in newest and newest[purpose]["granted"] == granted:
        return
    await Consent.insert(
        Consent(
            user=actor.user_id,
            household=actor.household_id,
            purpose=purpose,
            granted=granted,
            notice_version=NOTICE_VERSION,
            at=clock.now(),
        )
    )


async def household_allows(household_id: int, purpose: str) -> bool:
    """Whether the household's newest answer to an optional purpose, under the current notice, is yes."""
    assert purpose in BY_CODE and not BY_CODE[purpose].required
    row = (
        await Consent.select(Consent.granted)
        .where(
            (Consent.household == household_id)
            & (Consent.purpose == purpose)
            & (Consent.notice_version == NOTICE_VERSION)
        )
        .order_by(Consent.id, ascending=False)
        .first()
    )
    return bool(row and row["granted"])
