"""``liqwatch record``: feeds into a JSONL recording, headless, with the status file.

The recording itself is ``feeds.record.record`` (flushed every half second,
each flush ending on a whole line, so a SIGKILL loses at most that half
second).  This adds what a recorder on a server needs around it: an engine
fed from the same batches so ``liqwatch status`` shows the live line beside
it, and a clean stop on SIGTERM, SIGHUP or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from typing import TYPE_CHECKING, Callable, Sequence

from feeds.base import Emit, Feed
from tui.cli.common import add_config, add_source, load_config, positive, replay_source
from tui.format import RECORD

if TYPE_CHECKING:
    from feeds.events import Event
    from indicators.engine import Engine

HELP = "run the live feeds headless and write every event to a recording"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="output recording (.jsonl, or .jsonl.gz for gzip)")
    add_source(p, demo_help="record the bundled demo (to try the command)",
               replay_help="re-record a recording, paced at --speed",
               speed_help="replay speed factor (demo default 60, replay 1)")
    p.add_argument("--duration", type=positive, default=None, metavar="SECONDS",
                   help="stop after this long (default: until Ctrl-C)")
    p.add_argument("--append", action="store_true", help="append to PATH instead of replacing it")
    add_config(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = load_config(args.config)
    feed = replay_source(args, parser)
    from indicators.engine import Engine

    engine = Engine(cfg.indicators, watchlist=cfg.watchlist)
    if feed is None:
        from tui.runtime.live import live_feeds

        return run_record(live_feeds(cfg), args.path, args.duration, engine, data_clock=False, append=args.append)
    return run_record([feed], args.path, args.duration, engine, data_clock=True, append=args.append)


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
    from feeds.record import record
    from tui.runtime.companion import StatusWriter
    from tui.runtime.lifecycle import Lifecycle
    from tui.runtime.status_data import status_dict

    stop = asyncio.Event()

    def build() -> dict:
        wall = int(time.time() * 1000)
        snap = engine.snapshot(None if data_clock else wall)
        data = status_dict(snap, RECORD, wall)
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
