"""Marketplace credentials encrypted at rest (Fernet, keyed from INTEGRATIONS_CREDENTIALS_KEY)."""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.fernet import Fernet


@lru_cache
def _fernet(key: str) -> Fernet:
    try:
        return Fernet(key.encode())
    except ValueError:
        # A passphrase rather than a Fernet key: derive the 32-byte key from it.
        return Fernet(base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest()))


def encrypt(key: str, credentials: dict[str, str]) -> str:
    return _fernet(key).encrypt(json.dumps(credentials).encode()).decode()


def decrypt(key: str, token: str) -> dict[str, str]:
    return json.loads(_fernet(key).decrypt(token.encode()))
