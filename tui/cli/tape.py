"""``liqwatch tape``: liquidations on stdout, one per line, for pipes and logs.

Plain text (time, venue, symbol, side word and arrow, USD, price) or JSON in
the recording line format, so ``liqwatch tape --json > x.jsonl`` is itself a
recording.  Lines are flushed one by one (a pipe reader sees each at once).

A closed pipe is a normal end (``liqwatch tape | head``): the write that
fails with EPIPE stops the stream, and stdout is pointed at /dev/null so the
interpreter's final flush cannot fail again; the exit status is 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import select
import sys
from datetime import tzinfo
from typing import TYPE_CHECKING, Sequence, TextIO

from tui.cli.common import add_config, add_source, load_config, non_negative, replay_source
from tui.format import SIDE_WORD, clock, money, price

if TYPE_CHECKING:
    from feeds.base import Feed
    from feeds.events import Event, Liquidation

HELP = "liquidations on stdout, one per line (plain or JSON); ends quietly when the pipe closes"


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_source(p, demo_help="the bundled demo's storm, paced at --speed (default 60)",
               replay_help="a recording, paced at --speed (default 1)", speed_help="replay speed factor")
    p.add_argument("--json", action="store_true", help="print recording lines (JSON) instead of text")
    p.add_argument("--min-usd", type=non_negative, default=0.0, metavar="N", help="only liquidations of at least N USD")
    add_config(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = load_config(args.config)
    feed = replay_source(args, parser)
    from tui.format import local_tz

    tz = local_tz(cfg.ui.timezone)
    if feed is None:
        from tui.runtime.live import live_feeds

        return run_tape(live_feeds(cfg), args.json, args.min_usd, tz, supervised=True)
    # The demo's history is skipped: the tape starts where its live part does.
    since = feed.instant_until if args.demo else None
    return run_tape([feed], args.json, args.min_usd, tz, since_ts=since)


def text_line(ev: Liquidation, tz: tzinfo) -> str:
    """'14:03:07  binance  BTC/USDT:USDT  ▼ LONG   $1.21M  @ 64,012.5'."""
    side = SIDE_WORD[ev.side].upper()
    return f"{clock(ev.ts, tz)}  {ev.exchange:<12} {ev.symbol:<18} {side:<7} {money(ev.usd):>7}  @ {price(ev.price)}"


class _PipeClosed(Exception):
    pass


class TapePrinter:
    """The feeds' emit: prints each liquidation at least ``min_usd``."""

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

    async def emit(self, batch: Sequence[Event]) -> None:
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


async def _watch_reader(out: TextIO, every_s: float = 1.0) -> None:
    """End when the reader is gone, even while nothing is printed: a quiet
    market (or ``--min-usd``) could otherwise keep ``tape | head`` waiting
    for the next write.  poll() reports POLLERR on a pipe whose read end is
    closed, and POLLHUP on a terminal that hung up."""
    try:
        fd = out.fileno()
    except (AttributeError, OSError, ValueError):
        return
    poller = select.poll()
    poller.register(fd, 0)  # no events asked for: only errors and hang-ups come back
    while True:
        await asyncio.sleep(every_s)
        for _fd, flags in poller.poll(0):
            if flags & (select.POLLERR | select.POLLHUP | select.POLLNVAL):
                raise _PipeClosed


async def _run(feeds: Sequence[Feed], printer: TapePrinter, supervised: bool) -> None:
    """Live feeds run under the supervisor (a venue that fails is retried,
    the others go on); a replay runs on its own until it ends."""
    from feeds.supervisor import Supervisor

    supervisor = Supervisor(feeds, printer.emit) if supervised else None
    if supervisor is not None:
        supervisor.start()
        tasks = [asyncio.create_task(supervisor.wait(), name="tape-supervisor")]
    else:
        tasks = [asyncio.create_task(feed.run(printer.emit), name=f"tape-{feed.name}") for feed in feeds]
    watcher = asyncio.create_task(_watch_reader(printer.out))
    try:
        done, _ = await asyncio.wait([asyncio.gather(*tasks), watcher], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            task.result()  # re-raise _PipeClosed or a feed's error
    finally:
        if supervisor is not None:
            await supervisor.stop()
        for task in (*tasks, watcher):
            task.cancel()
        await asyncio.gather(*tasks, watcher, return_exceptions=True)


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
    """Stream until the feeds end, the pipe closes (exit 0) or Ctrl-C (130);
    ``since_ts`` drops older liquidations (the demo's preloaded history)."""
    printer = TapePrinter(sys.stdout, as_json, min_usd, tz, since_ts)
    try:
        asyncio.run(_run(feeds, printer, supervised))
    except _PipeClosed:
        _silence_stdout()
    except KeyboardInterrupt:
        return 130
    return 0
