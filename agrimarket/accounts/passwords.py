"""Password hashing with Argon2id (memory-hard), run off the event loop."""

from __future__ import annotations

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from agrimarket.errors import Invalid

MIN_LENGTH, MAX_LENGTH = 8, 200
_hasher = PasswordHasher()
# Verified when the phone is unknown, so timing does not reveal which numbers have accounts.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def check_strength(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise Invalid(
            "password",
            f"Mật khẩu cần ít nhất {MIN_LENGTH} ký tự.",
            f"The password needs at least {MIN_LENGTH} characters.",
        )
    if len(password) > MAX_LENGTH:
        raise Invalid("password", "Mật khẩu quá dài.", "The password is too long.")


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    def verify() -> bool:
        try:
            # An account without a password (assisted sign-up, hash "") never matches, not even the dummy's.
            return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await anyio.to_thread.run_sync(verify)
