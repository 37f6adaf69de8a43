"""Drive a feed the way the supervisor does, for tests and the soak bench."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncIterator, Sequence

from feeds.base import Feed


class Collector:
    """An ``emit`` that keeps every event and lets a caller wait for a count."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.batches = 0
        self._cond = asyncio.Condition()

    async def __call__(self, batch: Sequence[Any]) -> None:
        async with self._cond:
            self.events.extend(batch)
            self.batches += 1
            self._cond.notify_all()

    async def wait_for(self, count: int) -> list[Any]:
        async with self._cond:
            await self._cond.wait_for(lambda: len(self.events) >= count)
        return self.events


class Restarting:
    """Runs ``feed.run`` again whenever it raises, like the supervisor
    (without backoff); ``failures`` keeps what each run raised."""

    def __init__(self, feed: Feed, emit: Collector) -> None:
        self.feed = feed
        self.emit = emit
        self.failures: list[BaseException] = []
        self.runs = 0

    async def loop(self) -> None:
        while True:
            self.runs += 1
            try:
                await self.feed.run(self.emit)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self.failures.append(exc)
                await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(feed: Feed, emit: Collector | None = None) -> AsyncIterator[Restarting]:
    """Run ``feed`` (restarting on failure) for the body of the block."""
    driver = Restarting(feed, emit if emit is not None else Collector())
    task = asyncio.create_task(driver.loop())
    try:
        yield driver
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
