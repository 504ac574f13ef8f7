"""How marketplaces sign the webhooks they push to us (our partner contract; Stripe's scheme).

    X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

The timestamp is signed with the body, so a captured request cannot be sent again later: we refuse
a timestamp more than TOLERANCE_S (5 minutes) away from our clock, and remember each signature
(or the event's ``event_id``) taken inside that window, so a replay within it is answered 200 and
changes nothing. Several ``v1=`` entries may be sent (a secret being rotated); one must match.
The secret is the marketplace's INTEGRATIONS_WEBHOOK_SECRET_<CODE>, else the shared one.

Pure standard library: the simulators sign with ``sign`` too.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

HEADER = "X-Signature"
TOLERANCE_S = 300


class BadSignature(ValueError):
    """The header is missing, malformed or does not match the body."""


class StaleSignature(BadSignature):
    """Signed correctly, but at a time more than TOLERANCE_S away from ours."""


@dataclass(frozen=True)
class Signed:
    timestamp: int
    digest: str  # the v1 entry that matched


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


_UNIX_SECONDS = re.compile(r"[0-9]{1,12}")


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The X-Signature header value for ``body`` sent at ``timestamp``."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def verify(secret: str, header: str, body: bytes, now: float, tolerance: int = TOLERANCE_S) -> Signed:
    """The signature of ``body`` checked against ``secret`` and the clock; BadSignature otherwise."""
    timestamp, digests = None, []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and _UNIX_SECONDS.fullmatch(value):
            timestamp = int(value)
        elif name == "v1":
            digests.append(value)
    if timestamp is None or not digests:
        raise BadSignature("expected t=<unix seconds>,v1=<hex>")
    expected = _digest(secret, timestamp, body)
    matched = next((d for d in digests if hmac.compare_digest(d.encode(), expected.encode())), None)
    if matched is None:
        raise BadSignature("no v1 signature matches")
    if abs(now - timestamp) > tolerance:
        raise StaleSignature(f"signed at {timestamp}, more than {tolerance} s from now")
    return Signed(timestamp, matched)
