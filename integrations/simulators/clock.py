"""The simulators' time: every simulator reads "now" through its config's clock, so a test moves the
clock (four hours of a token's life in a moment) instead of waiting for it.

Simulators stand for foreign systems and must not import agrimarket, so this is their own small
clock, not ``agrimarket.clock``. Real waits stay real: the rate limit's sliding second and the latency and
hang faults are about how fast requests arrive and are answered, not about the marketplace's clock.
"""

from __future__ import annotations

import time


class SimClock:
    """Epoch seconds, the wall clock's unless a test moved it: ``clock()`` reads it."""

    def __init__(self, offset_s: float = 0.0) -> None:
        self.offset_s = offset_s

    def __call__(self) -> float:
        return time.time() + self.offset_s

    def advance(self, seconds: float) -> None:
        """Move the clock forward (what a marketplace sees when that much time has passed)."""
        self.offset_s += seconds
