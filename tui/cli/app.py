"""``liqwatch`` with no command: the TUI, live, on the demo or on a recording."""

from __future__ import annotations

import argparse

from tui.cli.common import BUS_VIEWER_HELP, add_config, add_source, bus_settings, config_from_args, replay_source

HELP = "Live forced liquidations, the market cap in its range, and bottom anxiety, in your terminal."


def add_display(p: argparse.ArgumentParser) -> None:
    """The flags of every command that opens the TUI."""
    p.add_argument("--theme", help="theme name (see themes/)")
    p.add_argument("--no-mouse", action="store_true", help="keyboard only; nothing sent for mouse tracking")
    p.add_argument("--log-file", metavar="FILE", help="where log lines go (default: liqwatch.log in the state dir)")
    add_config(p)


class _Version(argparse.Action):
    """``--version``: looked up only when asked (importlib.metadata costs the first frame ms)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: object) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print liqwatch's version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        from importlib.metadata import version

        print(f"liqwatch {version('liqwatch')}")
        parser.exit()


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--version", action=_Version)
    add_source(p, demo_help="run on the bundled recording (synthetic data, no network)",
               replay_help="run on a recording", speed_help="replay speed factor (demo default 60, replay 1)",
               bus_help=BUS_VIEWER_HELP)
    add_display(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cfg = config_from_args(args, parser)
    feed = replay_source(args, parser)
    from tui.runtime.logs import log_to_file
    from tui.runtime.paths import log_path

    try:
        log_to_file(args.log_file or log_path())
    except OSError as exc:
        parser.error(f"argument --log-file: cannot write {args.log_file or log_path()}: {exc.strerror or exc}")
    from tui.app import AppOptions, make_app
    from tui.format import DEMO, LIVE, REPLAY

    if getattr(args, "bus", None):
        from feeds.bus.feed import BusFeed, Start
        from feeds.bus.settings import safe_url
        from tui.format import DESK
        from tui.runtime.desk import check_bus

        settings = bus_settings(cfg, args.bus, parser)
        check_bus(settings)
        # The warm start: the stream's last 26 hours, then live.
        options = AppOptions(DESK, [BusFeed(settings, Start.warm())], cfg, label=f"DESK {safe_url(settings.url)}")
    elif feed is None:
        from tui.runtime.live import live_feeds

        options = AppOptions(LIVE, live_feeds(cfg), cfg)
    elif args.demo:
        options = AppOptions(DEMO, [feed], cfg)
    else:
        options = AppOptions(REPLAY, [feed], cfg, label=f"REPLAY {args.replay}")
    app = make_app(options)
    app.run(mouse=not args.no_mouse)
    return app.return_code or 0
