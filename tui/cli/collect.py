"""``liqwatch collect --bus URL``: the desk's one collector.

It runs the feeds through the one driver (``feeds.run``: live by default,
under the supervisor; or the demo or a recording, alone) with ``BusSink`` as
a sink, so that every event goes to the desk's JetStream stream
(feeds/bus/sink.py) and any number
of viewers share one set of venue connections and one history.  Like
``record``, it keeps an engine beside it for ``liqwatch status``, whose feeds
include the collector's connection to the bus (the ``bus`` feed), and stops
cleanly on SIGTERM, SIGHUP or Ctrl-C; it ends by itself at the end of a
replay or of ``--duration``.

Exit status: 0 done; 1 events left unpublished (the bus stayed away past
the final wait) or a replay that failed; 2 a bad URL, flags or credentials.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
import time
from typing import TYPE_CHECKING, Any, Sequence

from tui.cli.common import EXIT_USAGE, add_config, add_source, bus_settings, load_config, positive, replay_source
from tui.format import COLLECT

if TYPE_CHECKING:
    from feeds.base import Feed
    from feeds.bus.settings import BusSettings
    from feeds.replay import ReplayFeed
    from indicators.engine import Engine

HELP = "run the feeds once and publish every event to the desk's NATS JetStream stream"
EXIT_UNPUBLISHED = 1


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--bus", metavar="URL", help="the NATS server, nats://HOST:PORT (default: [bus] url in the config)")
    add_source(p, demo_help="publish the bundled demo (to try the desk without the network)",
               replay_help="publish a recording, paced at --speed", speed_help="replay speed factor (demo default 60)")
    p.add_argument("--duration", type=positive, default=None, metavar="SECONDS",
                   help="stop after this long (default: until Ctrl-C, or the end of a replay)")
    add_config(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = load_config(args.config)
    settings = bus_settings(cfg, args.bus, parser)
    replay = replay_source(args, parser)
    from indicators.engine import Engine
    from tui.runtime.desk import check_bus

    check_bus(settings)
    engine = Engine(cfg.indicators, watchlist=cfg.watchlist)
    if replay is None:
        from tui.runtime.live import live_feeds

        return asyncio.run(collect(live_feeds(cfg), None, settings, engine, args.duration))
    return asyncio.run(collect([replay], replay, settings, engine, args.duration))


def _heartbeat(replay: ReplayFeed | None) -> dict[str, Any]:
    """What the viewers learn from each heartbeat beyond "alive": the mode,
    and a replay's data clock (so a viewer of the demo sees the demo's time)."""
    if replay is None:
        return {"mode": "LIVE", "data_ms": None}
    return {"mode": "REPLAY", "data_ms": replay.now_ms(), "speed": replay.speed, "paused": replay.paused}


async def collect(feeds: Sequence[Feed], replay: ReplayFeed | None, settings: BusSettings, engine: Engine,
                  duration: float | None) -> int:
    """Run ``feeds`` into the bus until the end, ``duration`` or a stop signal."""
    from feeds.bus.connection import BusConfigError
    from feeds.bus.settings import safe_url
    from feeds.bus.sink import BusSink
    from feeds.run import Tap, run_feeds
    from tui.runtime.companion import StatusWriter
    from tui.runtime.lifecycle import Lifecycle
    from tui.runtime.status_data import status_dict

    stop = asyncio.Event()
    where = safe_url(settings.url)
    sink = BusSink(settings, heartbeat=lambda: _heartbeat(replay), on_status=lambda ev: engine.apply_many([ev]))

    def build() -> dict:
        wall = int(time.time() * 1000)
        data = status_dict(engine.snapshot(replay.now_ms() if replay is not None else wall), COLLECT, wall)
        data["bus"] = where
        data["bus_buffered"] = sink.buffered
        return data

    async def stop_when_refused() -> None:
        # Refused credentials end the collector even while no event comes to write.
        await sink.ended.wait()
        stop.set()

    status = StatusWriter(build)
    Lifecycle(lambda: None, stop.set).install(watch_tty=False)
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    sink.start()
    helpers = [asyncio.create_task(status.run(), name="collect-status"), asyncio.create_task(stop_when_refused())]
    try:
        # Live feeds run under the supervisor; a replay alone, so that the
        # stream then holds exactly the recording's events.  The engine comes
        # first: the status line does not wait on the bus.
        result = await run_feeds(feeds, [Tap(engine.apply_many), sink], supervised=replay is None,
                                 duration=duration, stop=stop)
    except BusConfigError as exc:
        print(f"liqwatch: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        for task in helpers:
            task.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        status.write(state="stopped")
        status.close()
    print(f"published {sink.published} events to {settings.stream} at {where}"
          f" ({sink.duplicates} already there)", file=sys.stderr)
    for name, why in result.feed_errors.items():
        print(f"liqwatch collect: feed {name} failed: {why}", file=sys.stderr)
    if sink.buffered:
        print(f"{sink.buffered} event(s) not published: the bus stayed away", file=sys.stderr)
        return EXIT_UNPUBLISHED
    return 1 if result.feed_errors else 0
