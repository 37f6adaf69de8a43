"""Replay: a recording played back through the same path live feeds take.

The replay is a ``Feed`` like any venue: it emits batches through the same
bounded queue, so the engine, the UI and the recorder cannot tell it from
live data.  It also owns the *data clock*: in a replay, "now" is the
recording's time, advancing at ``speed`` times the wall clock, so rolling
windows slide smoothly between events and data age is measured honestly.
"""

from __future__ import annotations

import asyncio
import os
import time
from typing import Awaitable, Callable, Iterable, Iterator

from feeds.base import Emit, Feed
from feeds.events import Event, FeedStatus

# How often the paced part wakes up to emit what is due.  At 60x a 50 ms tick
# is 3 s of data per batch: coarse enough to be cheap, fine enough that the
# tape still looks live.
TICK_S = 0.05
# Batch size for the instant part (history loaded before playback starts).
INSTANT_BATCH = 4096


class ReplayFeed(Feed):
    """Play events in file order.

    Events with ``ts < instant_until`` are emitted at once (so the panes start
    full), the rest are paced so that data time advances ``speed`` times as
    fast as wall time.  ``speed`` can be changed and the replay paused while
    it runs; ``now_ms()`` is the data clock the UI takes snapshots at.
    """

    name = "replay"

    def __init__(
        self,
        source: str | os.PathLike[str] | Iterable[Event],
        speed: float = 1.0,
        instant_until: int | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._source = source
        self._speed = speed
        self.instant_until = instant_until
        self._monotonic = monotonic
        self._sleep = sleep
        self._paused = False
        # The data clock: data time _anchor_ts at wall time _anchor_wall.
        self._anchor_ts: int | None = None
        self._anchor_wall = 0.0
        self._resumed = asyncio.Event()
        self._resumed.set()
        self.finished = False
        self.emitted = 0
        # Set once everything due at the start (the instant part, and lines
        # that arrive late but are already due) has been emitted.
        self.caught_up = asyncio.Event()

    # -- the data clock -------------------------------------------------
    def now_ms(self) -> int | None:
        """Data time now, or None before the first event."""
        if self._anchor_ts is None:
            return None
        if self._paused or self.finished:
            return self._anchor_ts
        return self._anchor_ts + int((self._monotonic() - self._anchor_wall) * 1000 * self._speed)

    def _set_anchor(self, ts: int) -> None:
        self._anchor_ts = ts
        self._anchor_wall = self._monotonic()

    @property
    def speed(self) -> float:
        return self._speed

    def set_speed(self, speed: float) -> None:
        """Change speed without a jump in data time."""
        if speed <= 0:
            raise ValueError("speed must be positive")
        now = self.now_ms()
        self._speed = speed
        if now is not None:
            self._set_anchor(now)

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        if not self._paused:
            now = self.now_ms()
            self._paused = True
            self._resumed.clear()
            if now is not None:
                self._anchor_ts = now

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            if self._anchor_ts is not None:
                self._set_anchor(self._anchor_ts)
            self._resumed.set()

    # -- playback -------------------------------------------------------
    def _events(self) -> Iterator[Event]:
        if isinstance(self._source, (str, os.PathLike)):
            # Imported here: the demo's feed is built before the first frame,
            # and the reader (msgspec, gzip) is only needed once it plays.
            from feeds.recording import read_events

            return read_events(self._source)
        return iter(self._source)

    async def run(self, emit: Emit) -> None:
        events = self._events()
        last_ts: int | None = None
        batch: list[Event] = []
        pending: Event | None = None
        # The instant part: everything before instant_until, in large batches.
        # A feed_status rides along with the data around it: its ts may be
        # another clock's (a wall-clock status in a recording of older data),
        # so it never paces the replay nor moves its clock.
        for ev in events:
            if type(ev) is FeedStatus:
                batch.append(ev)
                continue
            last_ts = ev.ts
            if self.instant_until is None or ev.ts >= self.instant_until:
                pending = ev
                break
            batch.append(ev)
            if len(batch) >= INSTANT_BATCH:
                await self._emit(emit, batch)
                batch = []
                await self._sleep(0)  # let the UI paint between chunks
        if batch:
            await self._emit(emit, batch)
            batch = []
        if pending is None:
            self._finish(last_ts)
            return
        start = self.instant_until if self.instant_until is not None else pending.ts
        self._set_anchor(min(start, pending.ts))
        await self._play(emit, pending, events)

    async def _play(self, emit: Emit, first: Event, rest: Iterator[Event]) -> None:
        nxt: Event | None = first
        while nxt is not None:
            await self._resumed.wait()
            now = self.now_ms()
            assert now is not None
            batch: list[Event] = []
            # Recordings merge several feeds, so ts may step back slightly:
            # an event is due once the clock has passed it, never held back
            # behind a later one.
            while nxt is not None and (nxt.ts <= now or type(nxt) is FeedStatus):
                batch.append(nxt)
                nxt = next(rest, None)
            if batch:
                await self._emit(emit, batch)
            self.caught_up.set()
            if nxt is None:
                break
            wait = (nxt.ts - now) / 1000 / self._speed
            await self._sleep(min(max(wait, 0.0), TICK_S))
        self._finish(self._anchor_ts)

    async def _emit(self, emit: Emit, batch: list[Event]) -> None:
        self.emitted += len(batch)
        await emit(batch)

    def _finish(self, last_ts: int | None) -> None:
        now = self.now_ms()
        self.finished = True
        self.caught_up.set()
        if now is not None:
            self._anchor_ts = now
        elif last_ts is not None:
            self._anchor_ts = last_ts
