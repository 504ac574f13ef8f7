"""Logging for background loops that fail on every poll while a part (the database) is down.

A poller that logs a traceback per poll fills the disk and buries the one useful line during an
outage. ``RepeatedFailureLog`` logs the first failure with its traceback, then at most one short
line every ``every`` seconds while it persists, and one info line when the loop works again.
Use it as a context manager around one round of the loop, or call ``failed`` and ``succeeded``;
each loop keeps its own, so one loop's outage state never leaks into another's log.
"""

from __future__ import annotations

import logging
import time

# Seconds between two "still failing" lines of one loop.
REMIND_EVERY_S = 60.0


def _now() -> float:
    return time.monotonic()


class RepeatedFailureLog:
    """The log lines of one loop's failures (``what`` names the loop, e.g. "stamp renderer: poll")."""

    def __init__(self, logger: logging.Logger, what: str, every: float = REMIND_EVERY_S) -> None:
        self.logger = logger
        self.what = what
        self.every = every
        self.failures = 0
        self.since = 0.0
        self.last_logged = 0.0

    def failed(self, exc: BaseException) -> None:
        """Call from the loop's ``except``."""
        now = _now()
        self.failures += 1
        if self.failures == 1:
            self.since = self.last_logged = now
            self.logger.error("%s failed", self.what, exc_info=exc)
        elif now - self.last_logged >= self.every:
            self.last_logged = now
            self.logger.warning(
                "%s still failing: %d failures in %.0f s, last %r",
                self.what,
                self.failures,
                now - self.since,
                exc,
            )

    def __enter__(self) -> RepeatedFailureLog:
        return self

    def __exit__(self, exc_type, exc, traceback) -> bool:
        """Wraps one round of the loop: logs its failure (and swallows it) or its success.

        Only ``Exception`` is swallowed: a cancelled task (``CancelledError``) still stops.
        """
        if exc is None:
            self.succeeded()
            return False
        if isinstance(exc, Exception):
            self.failed(exc)
            return True
        return False

    def succeeded(self) -> None:
        """Call when a round of the loop went through; says so once after failures."""
        if self.failures:
            self.logger.info(
                "%s recovered after %d failures in %.0f s", self.what, self.failures, _now() - self.since
            )
            self.failures = 0
