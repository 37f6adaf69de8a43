"""The ``liqwatch`` command line.

Imports are kept inside the command functions: ``liqwatch report`` must not
pay for Textual, and the TUI must paint before ccxt is imported.
"""

from __future__ import annotations

import os
import sys

# Not `from typing import TYPE_CHECKING`: `liqwatch status` (run by tmux every
# few seconds) goes through this module and must not pay for typing or argparse.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Sequence

    from tui.config import Config

EXIT_USAGE = 2


def _add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="config file (default: $LIQWATCH_CONFIG or the platform config dir)")


def build_parser() -> argparse.ArgumentParser:
    import argparse

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

    report = sub.add_parser("report", help="summarise a recording (no terminal needed)")
    report.add_argument("path", nargs="?", help="recording (JSONL, plain or .gz)")
    report.add_argument("--demo", action="store_true", help="report on the bundled demo recording")
    report.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of tables")
    _add_config(report)

    config = sub.add_parser("config", help="where the config file is; write a commented default; validate it")
    config_sub = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    _add_config(config_sub.add_parser("path", help="print the config file's path (--config, $LIQWATCH_CONFIG, platform dir)"))
    init = config_sub.add_parser("init", help="write a commented default config (never overwrites without --force)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    _add_config(init)
    _add_config(config_sub.add_parser("check", help="validate the config: exit 0 when OK, 2 naming each bad key and line"))

    tape = sub.add_parser("tape", help="liquidations on stdout, one per line (plain or JSON); ends quietly when the pipe closes")
    tape_source = tape.add_mutually_exclusive_group()
    tape_source.add_argument("--demo", action="store_true", help="the bundled demo's storm, paced at --speed (default 60)")
    tape_source.add_argument("--replay", metavar="PATH", help="a recording, paced at --speed (default 1)")
    tape.add_argument("--speed", type=float, default=None, help="replay speed factor")
    tape.add_argument("--json", action="store_true", help="print recording lines (JSON) instead of text")
    tape.add_argument("--min-usd", type=float, default=0.0, metavar="N", help="only liquidations of at least N USD")
    _add_config(tape)

    rec = sub.add_parser("record", help="run the live feeds headless and write every event to a recording")
    rec.add_argument("path", help="output recording (.jsonl, or .jsonl.gz for gzip)")
    rec_source = rec.add_mutually_exclusive_group()
    rec_source.add_argument("--demo", action="store_true", help="record the bundled demo (to try the command)")
    rec_source.add_argument("--replay", metavar="SRC", help="re-record a recording, paced at --speed")
    rec.add_argument("--speed", type=float, default=None, help="replay speed factor (demo default 60, replay 1)")
    rec.add_argument("--duration", type=float, default=None, metavar="SECONDS", help="stop after this long (default: until Ctrl-C)")
    rec.add_argument("--append", action="store_true", help="append to PATH instead of replacing it")
    _add_config(rec)

    replay = sub.add_parser("replay", help="the TUI on a recording, with pause (p) and speed (+/-) keys")
    replay.add_argument("path", help="recording (JSONL, plain or .gz)")
    replay.add_argument("--speed", type=float, default=None, help="speed factor (default 1; +/- step 1, 2, 5, 10, 60, 300x)")
    replay.add_argument("--theme", help="theme name (see themes/)")
    replay.add_argument("--no-mouse", action="store_true", help="keyboard only; nothing sent for mouse tracking")
    _add_config(replay)

    from tui import status_cmd

    status = sub.add_parser(
        "status",
        help="one line from the running liqwatch, for tmux status-right",
        description="Exit status: 0 fresh, 1 stale or stopped, 2 bad template, 3 not running.",
    )
    status_cmd.add_arguments(status)
    return parser


def _load_config(path: str | None) -> Config:
    from tui.config import ConfigError, load

    try:
        return load(path)
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def config_from_args(args: argparse.Namespace) -> Config:
    """The config file with the command-line flags laid over it (flags win)."""
    cfg = _load_config(args.config)
    if getattr(args, "theme", None):
        cfg.ui.theme = args.theme
    return cfg


def cmd_report(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.demo == bool(args.path):
        parser.error("report needs a PATH or --demo (one of them)")
    cfg = _load_config(args.config)
    from tui.demo import demo_path
    from tui.report_cmd import run_report

    path = str(demo_path()) if args.demo else args.path
    return run_report(path, args.json, cfg.indicators)


def cmd_app(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = config_from_args(args)
    from feeds.replay import ReplayFeed
    from tui.app import AppOptions, make_app
    from tui.demo import demo_feed
    from tui.runtime import DEMO, REPLAY

    if args.speed is not None and args.speed <= 0:
        parser.error("--speed must be positive")
    if args.demo:
        options = AppOptions(DEMO, [demo_feed(args.speed or 60.0)], cfg)
    elif args.replay:
        if not os.path.isfile(args.replay):
            parser.error(f"no such recording: {args.replay}")
        options = AppOptions(REPLAY, [ReplayFeed(args.replay, speed=args.speed or 1.0)], cfg, label=f"REPLAY {args.replay}")
    else:
        from tui.live import live_feeds
        from tui.runtime import LIVE

        options = AppOptions(LIVE, live_feeds(cfg), cfg)
    app = make_app(options)
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0


def cmd_config(args: argparse.Namespace) -> int:
    from tui import config_cmd

    if args.config_command == "path":
        return config_cmd.cmd_path(args.config)
    if args.config_command == "init":
        return config_cmd.cmd_init(args.config, args.force)
    return config_cmd.cmd_check(args.config)


def cmd_tape(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = _load_config(args.config)
    if args.speed is not None and args.speed <= 0:
        parser.error("--speed must be positive")
    if args.min_usd < 0:
        parser.error("--min-usd must not be negative")
    from feeds.replay import ReplayFeed
    from tui.demo import demo_feed
    from tui.format import local_tz
    from tui.tape_cmd import run_tape

    since = None
    if args.demo:
        # The demo's history is skipped: the tape starts where its live part does.
        feed = demo_feed(args.speed or 60.0)
        since = feed.instant_until
    elif args.replay:
        if not os.path.isfile(args.replay):
            parser.error(f"no such recording: {args.replay}")
        feed = ReplayFeed(args.replay, speed=args.speed or 1.0)
    else:
        from tui.live import live_feeds

        return run_tape(live_feeds(cfg), args.json, args.min_usd, local_tz(cfg.ui.timezone), supervised=True)
    return run_tape([feed], args.json, args.min_usd, local_tz(cfg.ui.timezone), since_ts=since)


def cmd_record(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = _load_config(args.config)
    if args.speed is not None and args.speed <= 0:
        parser.error("--speed must be positive")
    if args.duration is not None and args.duration <= 0:
        parser.error("--duration must be positive")
    from feeds.replay import ReplayFeed
    from indicators.engine import Engine
    from tui.demo import demo_feed
    from tui.record_cmd import run_record

    engine = Engine(cfg.indicators, watchlist=cfg.watchlist)
    if args.demo:
        feed = demo_feed(args.speed or 60.0)
    elif args.replay:
        if not os.path.isfile(args.replay):
            parser.error(f"no such recording: {args.replay}")
        feed = ReplayFeed(args.replay, speed=args.speed or 1.0)
    else:
        from tui.live import live_feeds

        return run_record(live_feeds(cfg), args.path, args.duration, engine, data_clock=False, append=args.append)
    return run_record([feed], args.path, args.duration, engine, data_clock=True, append=args.append)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["status"]:
        # The fast path: tmux runs this every few seconds (see tui/status_cmd.py).
        from tui.status_cmd import main as status_main

        return status_main(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "report":
        return cmd_report(args, parser)
    if args.command == "config":
        return cmd_config(args)
    if args.command == "tape":
        return cmd_tape(args, parser)
    if args.command == "record":
        return cmd_record(args, parser)
    if args.command == "replay":
        args.replay, args.demo = args.path, False
        return cmd_app(args, parser)
    return cmd_app(args, parser)


if __name__ == "__main__":
    sys.exit(main())
