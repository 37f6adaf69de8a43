"""``liqwatch record``: feeds into a JSONL recording, headless, with the status file.

The recording itself is ``feeds.record.record`` (flushed every half second,
each flush ending on a whole line, so a SIGKILL loses at most that half
second).  This adds what a recorder on a server needs around it: an engine
fed from the same batches so ``liqwatch status`` shows the live line beside
it, and a clean stop on SIGTERM, SIGHUP or Ctrl-C.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from typing import Callable, Sequence

from feeds.base import Emit, Feed
from feeds.events import Event
from feeds.record import record
from indicators.engine import Engine
from tui.companion import StatusWriter
from tui.lifecycle import Lifecycle
from tui.status_data import status_dict

MODE = "RECORD"


class TappedFeed(Feed):
    """A feed whose batches are also handed to ``tap`` on their way to the recorder."""

    def __init__(self, inner: Feed, tap: Callable[[Sequence[Event]], None]) -> None:
        self.inner = inner
        self.name = inner.name
        self.stale_after = inner.stale_after
        self.venue = inner.venue
        self._tap = tap

    async def run(self, emit: Emit) -> None:
        tap = self._tap

        async def tapped(batch: Sequence[Event]) -> None:
            tap(batch)
            await emit(batch)

        await self.inner.run(tapped)


async def _record(feeds: Sequence[Feed], path: str, duration: float | None, engine: Engine, data_clock: bool,
                  append: bool) -> int:
    stop = asyncio.Event()

    def build() -> dict:
        wall = int(time.time() * 1000)
        snap = engine.snapshot(None if data_clock else wall)
        data = status_dict(snap, MODE, wall)
        data["path"] = path
        return data

    status = StatusWriter(build)
    lifecycle = Lifecycle(lambda: None, stop.set)
    lifecycle.install(watch_tty=False)
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    writer_task = asyncio.create_task(status.run(), name="record-status")
    try:
        result = await record([TappedFeed(f, engine.apply_many) for f in feeds], path, duration, stop=stop,
                              append=append)
    finally:
        writer_task.cancel()
        await asyncio.gather(writer_task, return_exceptions=True)
        status.write(state="stopped")
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts.items())) or "nothing"
    print(f"recorded {result.total} events to {result.path}: {counts}", file=sys.stderr)
    if result.no_venue_reachable:
        print("no venue could be reached: check the network, or try `liqwatch --demo`", file=sys.stderr)
        return 1
    return 0


def run_record(feeds: Sequence[Feed], path: str, duration: float | None, engine: Engine, data_clock: bool,
               append: bool = False) -> int:
    return asyncio.run(_record(feeds, path, duration, engine, data_clock, append))
