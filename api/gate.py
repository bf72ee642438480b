"""A bounded number of requests doing work at once, a bounded queue behind them, and 503
beyond it: the service never waits without limit nor blocks its event loop."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio.to_thread

from api.errors import Busy

T = TypeVar("T")


class Gate:
    def __init__(self, concurrent: int, queued: int, retry_after_s: int = 2) -> None:
        self.concurrent = concurrent
        self.queued = queued
        self.retry_after_s = retry_after_s
        self.active = 0
        self.waiting = 0
        self._turns = asyncio.Semaphore(concurrent)

    @asynccontextmanager
    async def turn(self) -> AsyncIterator[None]:
        """Waits for a turn, or refuses at once with `Busy` when the queue is full."""
        if self.active + self.waiting >= self.concurrent + self.queued:
            raise Busy(
                f"{self.active} requests are running and {self.waiting} waiting; try again",
                retry_after_s=self.retry_after_s,
            )
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
        """`work` in a worker thread, once a turn is free."""
        async with self.turn():
            return await anyio.to_thread.run_sync(work)
