"""The ``liqwatch`` command line.

Imports are kept inside the command functions: ``liqwatch report`` must not
pay for Textual, and the TUI must paint before ccxt is imported.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from tui.config import Config, ConfigError, load

EXIT_USAGE = 2


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="config file (default: $LIQWATCH_CONFIG or the platform config dir)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="liqwatch",
        description="Live forced liquidations, the market cap in its range, and bottom anxiety, in your terminal.",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--demo", action="store_true", help="run on the bundled recording (synthetic data, no network)")
    source.add_argument("--replay", metavar="PATH", help="run on a recording")
    parser.add_argument("--speed", type=float, default=None, help="replay speed factor (demo default 60, replay 1)")
    parser.add_argument("--theme", help="theme name (see themes/)")
    parser.add_argument("--no-mouse", action="store_true", help="keyboard only; nothing sent for mouse tracking")
    _add_config(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    record = sub.add_parser("record", help="run the live feeds headless and write every event to a recording")
    record.add_argument("path", help="output recording (.jsonl, or .jsonl.gz for gzip)")
    record.add_argument("--duration", type=float, metavar="SECONDS", help="stop after this long (default: until Ctrl-C)")
    _add_config(record)

    report = sub.add_parser("report", help="summarise a recording (no terminal needed)")
    report.add_argument("path", nargs="?", help="recording (JSONL, plain or .gz)")
    report.add_argument("--demo", action="store_true", help="report on the bundled demo recording")
    report.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of tables")
    _add_config(report)
    return parser


def _load_config(path: str | None) -> Config:
    try:
        return load(path)
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def cmd_report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.demo == bool(args.path):
        parser.error("report needs a PATH or --demo (one of them)")
    cfg = _load_config(args.config)
    from tui.app import demo_path
    from tui.report_cmd import run_report

    path = str(demo_path()) if args.demo else args.path
    return run_report(path, args.json, cfg.indicators)


def cmd_record(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    import asyncio
    import signal

    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be positive")
    cfg = _load_config(args.config)
    from feeds.record import record
    from tui.live import live_feeds

    async def main() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, stop.set)
        result = await record(live_feeds(cfg), args.path, args.duration, stop=stop)
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(result.counts.items())) or "nothing"
        print(f"recorded {result.total} events to {result.path}: {counts}", file=sys.stderr)
        if result.no_venue_reachable:
            print("no venue could be reached: check the network, or try `liqwatch --demo`", file=sys.stderr)
            return 1
        return 0

    return asyncio.run(main())


def cmd_app(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = _load_config(args.config)
    from feeds.replay import ReplayFeed
    from tui.app import AppOptions, demo_feed, make_app
    from tui.runtime import DEMO, REPLAY

    if args.speed is not None and args.speed <= 0:
        parser.error("--speed must be positive")
    if args.demo:
        options = AppOptions(DEMO, [demo_feed(args.speed or 60.0)], cfg)
    elif args.replay:
        options = AppOptions(REPLAY, [ReplayFeed(args.replay, speed=args.speed or 1.0)], cfg, label=f"REPLAY {args.replay}")
    else:
        from tui.live import live_feeds
        from tui.runtime import LIVE

        options = AppOptions(LIVE, live_feeds(cfg), cfg)
    if args.theme:
        cfg.ui.theme = args.theme
    app = make_app(options)
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "report":
        return cmd_report(args, parser)
    if args.command == "record":
        return cmd_record(args, parser)
    return cmd_app(args, parser)


if __name__ == "__main__":
    sys.exit(main())
