"""``liqwatch record``: feeds into a JSONL recording, headless, with the status file.

The feeds run through the one driver (``feeds.run``: supervised when live,
a replay alone) into two sinks: the recording (``feeds.record.RecordingSink``,
flushed every half second, each flush ending on a whole line, so a SIGKILL
loses at most that half second) and an engine, so ``liqwatch status`` shows
the live line beside it.  Around them, what a recorder on a server needs: a
clean stop on SIGTERM, SIGHUP or Ctrl-C, and an exit status that says when
no venue could be reached or a feed failed.

The output is opened (and truncated) before anything is read, so an output
that is the same file as an input (the recording replayed, the config, the
state files; through a symlink, a hard link or ``./``) is refused first.  A
disk that fails mid-run ends it with one line and exit 1; the file holds
every line flushed before.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from typing import TYPE_CHECKING, Sequence

from tui.cli.common import EXIT_USAGE, add_config, add_source, bus_settings, load_config, positive, replay_source
from tui.format import RECORD

if TYPE_CHECKING:
    from feeds.base import Feed
    from indicators.engine import Engine

HELP = "run the live feeds headless and write every event to a recording"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="output recording (.jsonl, or .jsonl.gz for gzip)")
    add_source(p, demo_help="record the bundled demo (to try the command)",
               replay_help="re-record a recording, paced at --speed",
               speed_help="replay speed factor (demo default 60, replay 1)",
               bus_help="copy the desk's stream at nats://HOST:PORT (all it holds, then live) instead of the venues")
    p.add_argument("--duration", type=positive, default=None, metavar="SECONDS",
                   help="stop after this long (default: until Ctrl-C)")
    p.add_argument("--append", action="store_true", help="append to PATH instead of replacing it")
    add_config(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = load_config(args.config)
    clash = _an_input(args.path, _inputs(args, cfg.source))
    if clash:
        parser.error(f"{args.path} is {clash}: writing it would destroy it; choose another output")
    feed = replay_source(args, parser)
    from indicators.engine import Engine

    engine = Engine(cfg.indicators, watchlist=cfg.watchlist)
    if args.bus:
        from feeds.bus.feed import BusFeed, Start
        from tui.runtime.desk import check_bus

        settings = bus_settings(cfg, args.bus, parser)
        check_bus(settings)
        feeds = [BusFeed(settings, Start(from_start=True))]
        return run_record(feeds, args.path, args.duration, engine, live=True, append=args.append)
    if feed is None:
        from tui.runtime.live import live_feeds

        return run_record(live_feeds(cfg), args.path, args.duration, engine, live=True, append=args.append)
    return run_record([feed], args.path, args.duration, engine, live=False, append=args.append)


def _inputs(args: argparse.Namespace, config: object) -> dict[str, str]:
    """What this run reads, by what it is to the user."""
    from feeds.data import DEMO_RECORDING
    from tui.runtime import paths

    out = {"the status file": paths.status_path(), "the history": paths.history_path()}
    if config is not None:
        out["the config file"] = str(config)
    if args.demo:
        out["the bundled demo"] = str(DEMO_RECORDING)
    if args.replay:
        out["the recording replayed"] = args.replay
    return out


def _an_input(path: str, inputs: dict[str, str]) -> str | None:
    """Which input ``path`` is the same file as (device and inode, so
    symlinks, hard links and ``./`` are seen through), or None."""
    try:
        out = os.stat(path)
    except OSError:
        return None  # not there yet (or unreachable: the open will say so)
    for what, other in inputs.items():
        try:
            if os.path.samestat(out, os.stat(other)):
                return what
        except OSError:
            continue
    return None


async def _record(feeds: Sequence[Feed], path: str, duration: float | None, engine: Engine, live: bool,
                  append: bool) -> int:
    from feeds.record import RecordingSink
    from feeds.run import Tap, run_feeds
    from tui.runtime.companion import StatusWriter
    from tui.runtime.lifecycle import Lifecycle
    from tui.runtime.status_data import status_dict

    try:
        recording = RecordingSink(path, append=append)
    except OSError as exc:
        print(f"liqwatch record: cannot write {path}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    stop = asyncio.Event()

    def build() -> dict:
        wall = int(time.time() * 1000)
        # A replay's status is at its data's time, a live one at the wall clock.
        snap = engine.snapshot(wall if live else None)
        data = status_dict(snap, RECORD, wall)
        data["path"] = path
        return data

    status = StatusWriter(build)
    lifecycle = Lifecycle(lambda: None, stop.set)
    lifecycle.install(watch_tty=False)
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    writer_task = asyncio.create_task(status.run(), name="record-status")
    try:
        # Live feeds are supervised; a replay (--demo, --replay) runs alone.
        result = await run_feeds(feeds, [recording, Tap(engine.apply_many)], supervised=live, duration=duration,
                                 stop=stop)
    except OSError as exc:
        print(f"liqwatch record: writing {path} failed: {exc.strerror or exc}; it holds every line written "
              f"before", file=sys.stderr)
        return 1
    finally:
        writer_task.cancel()
        await asyncio.gather(writer_task, return_exceptions=True)
        status.write(state="stopped")
        status.close()
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts.items())) or "nothing"
    print(f"recorded {result.total} events to {recording.path}: {counts}", file=sys.stderr)
    for name, why in result.feed_errors.items():
        print(f"liqwatch record: feed {name} failed: {why}", file=sys.stderr)
    if result.no_venue_reachable:
        print("no venue could be reached: check the network, or try `liqwatch --demo`", file=sys.stderr)
    return 1 if result.no_venue_reachable or result.feed_errors else 0


def run_record(feeds: Sequence[Feed], path: str, duration: float | None, engine: Engine, live: bool,
               append: bool = False) -> int:
    return asyncio.run(_record(feeds, path, duration, engine, live, append))
