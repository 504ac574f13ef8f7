"""Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff and Jitter")."""

from __future__ import annotations

import random


def delay(attempt: int, base_s: float, cap_s: float, retry_after: float | None = None) -> float:
    """Seconds to wait before attempt ``attempt + 1``; never sooner than the server's Retry-After."""
    wait = random.uniform(0, min(cap_s, base_s * 2 ** max(0, attempt - 1)))  # noqa: S311 - jitter
    return max(wait, retry_after or 0.0)
