"""Requests in flight, each doing its work in a thread of its own, and what truly waits
bounded: requests beyond the sessions, and sandbox runs waiting for a core (a request waiting
on its model holds neither). Past the bound, 503 with Retry-After; the event loop never
blocks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
import anyio.to_thread

from api.errors import Busy
from ldb import concurrency

T = TypeVar("T")


class Gate:
    def __init__(self, sessions: int, queued: int, retry_after_s: int = 2) -> None:
        self.sessions = sessions
        self.queued = queued
        self.retry_after_s = retry_after_s
        self.active = 0
        self.waiting = 0
        self._turns = asyncio.Semaphore(sessions)
        self.threads = anyio.CapacityLimiter(sessions)
        """The threads requests work in: one each (anyio's default pool has 40, for all)."""

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Waits for a session, or refuses at once with `Busy` when too much already waits."""
        busy = self._busy()
        if busy is not None:
            raise Busy(f"{busy}; try again", retry_after_s=self.retry_after_s)
        self.waiting += 1
        try:
            await self._turns.acquire()
        finally:
            self.waiting -= 1
        self.active += 1
        try:
            yield
        finally:
            self.active -= 1
            self._turns.release()

    async def run(self, work: Callable[[], T]) -> T:
        """`work` in a thread of its own, once a session is free."""
        async with self.turn():
            return await anyio.to_thread.run_sync(work, limiter=self.threads)

    def _busy(self) -> str | None:
        # The second test: a finished request gives its session up a moment before the first
        # waiter takes it, when the first test alone would let one more wait than `queued`.
        full = self.active + self.waiting >= self.sessions + self.queued
        if full or self.waiting >= max(self.queued, 1):
            return f"{self.active} requests are running and {self.waiting} waiting"
        runs = concurrency.load()
        if runs.runs_waiting >= max(self.queued, 1):
            return f"{runs.runs_active} sandbox runs are running and {runs.runs_waiting} waiting"
        return None
