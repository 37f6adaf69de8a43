"""The running pipeline: feeds -> bounded queue -> engine, plus the tape buffer.

This is the one place where producers meet the indicator layer.  The feeds
run through the one driver (``feeds.run.FeedRunner``: supervised when live)
with the pipeline as their sink: ``write`` puts each batch on a bounded
queue (back-pressure: a producer that outruns the engine waits); one
consumer drains it, applies every batch to the engine and keeps the newest
liquidations for the tape.  The UI never sees events: it reads
``engine.snapshot()`` and the tape buffer on a timer.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Callable, Iterable, Sequence

from feeds.base import Feed
from feeds.events import Event, FeedStatus, Liquidation
from feeds.replay import ReplayFeed
from feeds.run import FeedRunner
from indicators.engine import Engine

log = logging.getLogger("liqwatch.runtime")

TAPE_LEN = 5000
QUEUE_BATCHES = 1024
DRAIN_BUDGET_S = 0.05


class Pipeline:
    """Owns the queue, the consumer task, the feeds' run and the tape; it is
    that run's sink (``write``, ``close``)."""

    def __init__(
        self,
        engine: Engine,
        feeds: Sequence[Feed],
        mode: str,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
        tape_len: int = TAPE_LEN,
        supervised: bool = False,
        tape: Iterable[Liquidation] = (),
    ) -> None:
        """``engine`` may come already fed (a warm start): ``tape`` then holds
        the newest liquidations it has seen, oldest first, and the data clock
        starts from its newest event."""
        self.engine = engine
        self.feeds = list(feeds)
        self.mode = mode
        self.wall_ms = wall_ms
        self.queue: asyncio.Queue[Sequence[Event]] = asyncio.Queue(maxsize=QUEUE_BATCHES)
        self.tape: deque[Liquidation] = deque(tape, maxlen=tape_len)
        # Bumped once per liquidation: the tape widget repaints only when it moved.
        self.tape_seq = len(self.tape)
        self.events_in = 0
        # Wall time of the newest data event (feed_status is not data).
        self.last_data_wall: int | None = None
        # Newest exchange timestamp of any data event (feed_status excluded);
        # a ready engine's newest event to start with (there a feed_status
        # line counts too, which at worst makes the first age read young).
        self.newest_ts: int | None = engine.newest_ts
        self._tasks: list[asyncio.Task] = []
        # Live feeds run under the supervisor (backoff, watchdog, health);
        # a replay runs on its own, it has no network to fail.
        self.runner = FeedRunner(self.feeds, [self], supervised=supervised)
        self._idle = asyncio.Event()
        # Called with every batch after the engine (the history collects through one).
        self.taps: list[Callable[[Sequence[Event]], None]] = []
        # Cleared while the history warm-loads the engine; batches wait in the queue.
        self.ready = asyncio.Event()
        self.ready.set()

    # -- the clock the UI takes snapshots at --------------------------------
    @property
    def replay(self) -> ReplayFeed | None:
        for feed in self.feeds:
            if isinstance(feed, ReplayFeed):
                return feed
        return None

    def now_ms(self) -> int:
        """Data time in a replay (the newest event while history loads), wall time live."""
        replay = self.replay
        if replay is not None:
            now = replay.now_ms()
            if now is not None:
                return now
            if self.newest_ts is not None:
                return self.newest_ts
        relayed = self._relayed_clock()
        return relayed if relayed is not None else self.wall_ms()

    def _relayed_clock(self) -> int | None:
        """A desk viewer whose collector plays a recording (the demo) runs on
        that recording's clock, which the bus feed relays (feeds/bus/feed.py)."""
        for feed in self.feeds:
            clock = getattr(feed, "data_clock", None)
            if clock is not None:
                return clock()
        return None

    def data_age_s(self) -> float | None:
        """Seconds since the newest data, on the clock that matters for the mode."""
        if self.replay is not None or self._relayed_clock() is not None:
            if self.newest_ts is None:
                return None
            return max(0.0, (self.now_ms() - self.newest_ts) / 1000)
        if self.last_data_wall is None:
            return None
        return max(0.0, (self.wall_ms() - self.last_data_wall) / 1000)

    # -- the flow -----------------------------------------------------------
    async def write(self, batch: Sequence[Event]) -> None:
        """The sink's write: onto the queue, waiting while it is full."""
        self._idle.clear()
        await self.queue.put(batch)

    async def close(self) -> None:
        """The run ended (a replay finished): what is queued is still applied."""

    def apply(self, batch: Sequence[Event]) -> None:
        self.engine.apply_many(batch)
        for tap in self.taps:
            tap(batch)
        self.events_in += len(batch)
        tape = self.tape
        n = 0
        newest = self.newest_ts or 0
        for ev in batch:
            kind = type(ev)
            if kind is Liquidation:
                tape.append(ev)
                n += 1
            if kind is not FeedStatus and ev.ts > newest:
                newest = ev.ts
        self.tape_seq += n
        if newest:
            self.newest_ts = newest
        if any(type(ev) is not FeedStatus for ev in batch):
            self.last_data_wall = self.wall_ms()

    async def _consume(self) -> None:
        queue = self.queue
        await self.ready.wait()
        while True:
            if queue.empty():
                self._idle.set()
            batch = await queue.get()
            self.apply(batch)
            # Drain what else is waiting in one go (fewer wake-ups under load),
            # but give the loop back after DRAIN_BUDGET_S: a backlog (a replay's
            # history) must not hold up input, the redraw timer or a SIGTERM.
            deadline = time.monotonic() + DRAIN_BUDGET_S
            while not queue.empty():
                self.apply(queue.get_nowait())
                if time.monotonic() > deadline:
                    await asyncio.sleep(0)
                    deadline = time.monotonic() + DRAIN_BUDGET_S

    @property
    def feed_errors(self) -> dict[str, str]:
        """Feeds run alone (a replay) that failed, with why."""
        return self.runner.feed_errors

    @property
    def no_venue_reachable(self) -> bool:
        return self.runner.no_venue_reachable

    def start(self) -> None:
        self._tasks.append(asyncio.create_task(self._consume(), name="liqwatch-consumer"))
        self._tasks.append(asyncio.create_task(self.runner.run(), name="liqwatch-feeds"))

    async def wait_idle(self) -> None:
        """Until every queued batch has been applied (tests and snapshots use it)."""
        await asyncio.sleep(0)
        while not (self.queue.empty() and self._idle.is_set()):
            await self._idle.wait()
            await asyncio.sleep(0)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
