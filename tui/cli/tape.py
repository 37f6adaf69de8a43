"""``liqwatch tape``: liquidations on stdout, one per line, for pipes and logs.

Plain text (time, venue, symbol, side word and arrow, USD, price) or JSON in
the recording line format, so ``liqwatch tape --json > x.jsonl`` is itself a
recording.  Lines are flushed one by one (a pipe reader sees each at once).

The feeds run through the one driver (``feeds.run``), the printer as its
sink: live feeds under the supervisor (a venue that fails is retried, the
others go on), a replay alone until it ends.  A feed that fails alone is
named on stderr and the exit status is 1.

A closed pipe is a normal end (``liqwatch tape | head``): the write that
fails with EPIPE, or the reader watch while nothing is printed, stops the
stream, and stdout is pointed at /dev/null so the interpreter's final flush
cannot fail again; the exit status is 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import sys
from datetime import tzinfo
from typing import TYPE_CHECKING, Sequence, TextIO

from tui.cli.common import BUS_VIEWER_HELP, add_config, add_source, bus_settings, load_config, non_negative, replay_source
from tui.format import SIDE_WORD, date_time, money, price

if TYPE_CHECKING:
    from feeds.base import Feed
    from feeds.events import Event, Liquidation
    from feeds.run import RunResult

HELP = "liquidations on stdout, one per line (plain or JSON); ends quietly when the pipe closes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_source(p, demo_help="the bundled demo's storm, paced at --speed (default 60)",
               replay_help="a recording, paced at --speed (default 1)", speed_help="replay speed factor",
               bus_help=BUS_VIEWER_HELP)
    p.add_argument("--from-start", action="store_true",
                   help="with --bus: from the first event the stream holds (default: from now on)")
    p.add_argument("--json", action="store_true", help="print recording lines (JSON) instead of text")
    p.add_argument("--min-usd", type=non_negative, default=0.0, metavar="N", help="only liquidations of at least N USD")
    add_config(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = load_config(args.config)
    feed = replay_source(args, parser)
    from tui.format import local_tz

    tz = local_tz(cfg.ui.timezone)
    if args.from_start and not args.bus:
        parser.error("--from-start goes with --bus")
    if args.bus:
        from feeds.bus.feed import BusFeed, Start
        from tui.runtime.desk import check_bus

        settings = bus_settings(cfg, args.bus, parser)
        check_bus(settings)
        return run_tape([BusFeed(settings, Start(from_start=args.from_start))], args.json, args.min_usd, tz,
                        supervised=True)
    if feed is None:
        from tui.runtime.live import live_feeds

        return run_tape(live_feeds(cfg), args.json, args.min_usd, tz, supervised=True)
    # The demo's history is skipped: the tape starts where its live part does.
    since = feed.instant_until if args.demo else None
    return run_tape([feed], args.json, args.min_usd, tz, since_ts=since)


def text_line(ev: Liquidation, tz: tzinfo) -> str:
    """'2025-11-04 14:03:07  binance  BTC/USDT:USDT  ▼ LONG   $1.21M  @ 64,012.5'.

    The date on every line: a log outlives its day, and a replay's events
    are from another one."""
    side = SIDE_WORD[ev.side].upper()
    return f"{date_time(ev.ts, tz)}  {ev.exchange:<12} {ev.symbol:<18} {side:<7} {money(ev.usd):>7}  @ {price(ev.price)}"


class _PipeClosed(Exception):
    pass


class TapePrinter:
    """The run's sink: prints each liquidation at least ``min_usd``; a write
    to a closed pipe raises ``_PipeClosed``, which ends the run."""

    def __init__(self, out: TextIO, as_json: bool, min_usd: float, tz: tzinfo, since_ts: int | None = None) -> None:
        self.out = out
        self.since_ts = since_ts if since_ts is not None else -1
        self.as_json = as_json
        self.min_usd = min_usd
        self.tz = tz
        self.printed = 0
        from feeds.events import Liquidation
        from feeds.recording import dumps

        self._liquidation, self._dumps = Liquidation, dumps

    async def write(self, batch: Sequence[Event]) -> None:
        Liquidation, dumps = self._liquidation, self._dumps
        lines = [
            dumps(ev) if self.as_json else text_line(ev, self.tz)
            for ev in batch
            if type(ev) is Liquidation and ev.usd >= self.min_usd and ev.ts >= self.since_ts
        ]
        if not lines:
            return
        try:
            for line in lines:
                self.out.write(line + "\n")
                self.out.flush()
                self.printed += 1
        except BrokenPipeError:
            raise _PipeClosed from None

    async def close(self) -> None:
        pass  # every line was flushed as it was written


def _reader_gone(out: TextIO) -> bool:
    """Whether nobody reads ``out`` any more.  poll() reports POLLERR on a
    pipe whose read end is closed, and POLLHUP on a terminal that hung up."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(fd, 0)  # no events asked for: only errors and hang-ups come back
    return any(flags & (select.POLLERR | select.POLLHUP | select.POLLNVAL) for _fd, flags in poller.poll(0))


async def _watch_reader(out: TextIO, gone: asyncio.Event, every_s: float = 1.0) -> None:
    """Set ``gone`` when the reader is gone, even while nothing is printed: a
    quiet market (or ``--min-usd``) could otherwise keep ``tape | head``
    waiting for the next write."""
    while not _reader_gone(out):
        await asyncio.sleep(every_s)
    gone.set()


async def _run(feeds: Sequence[Feed], printer: TapePrinter, supervised: bool) -> tuple[RunResult, bool]:
    """The run's result, and whether it ended because the reader went away."""
    from feeds.run import run_feeds

    gone = asyncio.Event()
    watcher = asyncio.create_task(_watch_reader(printer.out, gone))
    try:
        result = await run_feeds(feeds, [printer], supervised=supervised, stop=gone)
    finally:
        watcher.cancel()
        await asyncio.gather(watcher, return_exceptions=True)
    return result, gone.is_set()


def _silence_stdout() -> None:
    """After EPIPE: send what is left to /dev/null, so the flush at exit is quiet."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def run_tape(
    feeds: Sequence[Feed],
    as_json: bool,
    min_usd: float,
    tz: tzinfo,
    since_ts: int | None = None,
    supervised: bool = False,
) -> int:
    """Stream until the feeds end (exit 0, or 1 when a feed failed), the pipe
    closes (exit 0) or Ctrl-C (130); ``since_ts`` drops older liquidations
    (the demo's preloaded history)."""
    printer = TapePrinter(sys.stdout, as_json, min_usd, tz, since_ts)
    try:
        result, reader_left = asyncio.run(_run(feeds, printer, supervised))
    except _PipeClosed:
        _silence_stdout()
        return 0
    except KeyboardInterrupt:
        return 130
    if reader_left:
        _silence_stdout()
        return 0
    for name, why in result.feed_errors.items():
        print(f"liqwatch tape: feed {name} failed: {why}", file=sys.stderr)
    return 1 if result.feed_errors else 0
