"""Start-up work that needs the database, retried in the background until the database answers.

Opening the connection pool and seeding the marketplaces used to run in the app's ``on_startup``,
so a process started while PostgreSQL was down (a host reboot, a failover, a database still being
created or restored) failed to start and waited for its supervisor. Now the process starts at once:
what needs no database is served, what does answers 503 with Retry-After (``agrimarket.web.errors``),
and ``/readyz`` says what start-up waits for until every step has gone through once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable

from agrimarket.repeated_failure import RepeatedFailureLog

log = logging.getLogger(__name__)
# Seconds before the first retry, doubled after each failure up to the cap. Several processes
# restarting with one database spread their retries with jitter.
RETRY_FIRST_S = 0.5
RETRY_MAX_S = 10.0

Step = Callable[[], Awaitable[None]]


class DatabaseStartup:
    """Steps (idempotent, each run until it succeeds once, in order) and whether they are done."""

    def __init__(self, steps: list[Step] | None = None) -> None:
        self.steps: list[Step] = list(steps or [])
        self.succeeded = 0  # steps done; a retry resumes at the first one not done
        self.waiting_for = "not started"  # "" once every step is done; else what /readyz reports
        self.task: asyncio.Task | None = None
        self.failures = RepeatedFailureLog(log, "start-up: database steps")

    @property
    def done(self) -> bool:
        return not self.waiting_for

    def add(self, step: Step) -> None:
        """Register a step; plugins do this while the app is built, before it starts."""
        self.steps.append(step)

    async def start(self) -> None:
        """``on_startup`` hook: one attempt now (a healthy start is ready at once), else retry in the
        background. Never raises for an unreachable database."""
        if not await self.attempt():
            self.task = asyncio.create_task(self.until_done())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
            self.task = None

    async def until_done(self) -> None:
        """Retry with exponential backoff and jitter until every step went through."""
        delay = RETRY_FIRST_S
        while not await self.attempt():
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - load spreading
            delay = min(delay * 2, RETRY_MAX_S)

    async def attempt(self) -> bool:
        """Run the steps not done yet; False, with the failing step and error kept, when one fails."""
        if self.done:
            return True
        try:
            for step in self.steps[self.succeeded :]:
                await step()
                self.succeeded += 1
        except Exception as exc:  # unreachable, still starting, not created or not migrated yet
            name = getattr(self.steps[self.succeeded], "__name__", "step")
            self.waiting_for = f"{name}: {type(exc).__name__}"
            self.failures.failed(exc)
            return False
        self.waiting_for = ""
        self.failures.succeeded()
        return True
