"""What the commands share: the command protocol, the config flags, the
replay sources (``--demo`` / ``--replay PATH`` / ``--speed N``).

Light at import (argparse-level only): the parser imports it for every
command, the TUI's first frame included.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from typing import TYPE_CHECKING, Protocol, Sequence

if TYPE_CHECKING:
    from feeds.bus.settings import BusSettings
    from feeds.replay import ReplayFeed
    from tui.runtime.config import Config

EXIT_USAGE = 2


class Command(Protocol):
    """A command module: ``liqwatch <name> ...`` (memray's ``commands/``)."""

    HELP: str

    def add_arguments(self, parser: argparse.ArgumentParser) -> None: ...

    def run(self, args: argparse.Namespace, parser: argparse.ArgumentParser) -> int: ...


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, not {text!r}")
    return value


def positive(text: str) -> float:
    """argparse type: a finite number above 0 (``nan`` and ``inf`` are usage errors)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text!r}")
    return value


def non_negative(text: str) -> float:
    """argparse type: a finite number, 0 or more."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, not {text!r}")
    return value


_UNIT_S = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def duration(text: str) -> float:
    """argparse type: a span such as ``90m``, ``26h``, ``2d`` or ``45s``
    (plain numbers are seconds); positive and finite, in seconds."""
    unit = _UNIT_S.get(text[-1:].lower())
    try:
        value = positive(text[:-1] if unit else text) * (unit or 1)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(f"must be a duration such as 90m, 26h or 2d, not {text!r}") from None
    return value


def add_config(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", metavar="FILE", help="config file (default: $LIQWATCH_CONFIG or the platform config dir)")


def load_config(path: str | None, themes: Sequence[str] | None = None) -> Config:
    """The config file, or exit 2 naming each bad key and its line (``themes``:
    the names ``ui.theme`` may take, for the commands that draw)."""
    from tui.runtime.config import ConfigError, load

    try:
        return load(path, themes)
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None


def theme_names() -> list[str]:
    """Every theme name the app can show (imports Textual: for the commands that draw)."""
    from pathlib import Path

    from tui.runtime.paths import user_themes_dir
    from tui.themes import theme_names as names

    return names(Path(user_themes_dir()))


def config_from_args(args: argparse.Namespace, parser: argparse.ArgumentParser) -> Config:
    """The config file with the command-line flags laid over it (flags win);
    an unknown ``--theme`` is a usage error."""
    themes = theme_names()
    theme = getattr(args, "theme", None)
    if theme:
        from tui.runtime.config import unknown_theme

        if theme not in themes:
            parser.error(f"argument --theme: {unknown_theme(theme, themes)}")
        cfg = load_config(args.config)
        cfg.ui.theme = theme
        return cfg
    return load_config(args.config, themes)


def add_source(p: argparse.ArgumentParser, demo_help: str, replay_help: str, speed_help: str,
               bus_help: str | None = None) -> None:
    """``--demo`` or ``--replay PATH`` (live when neither), and ``--speed N``;
    with ``bus_help``, ``--bus URL`` too (a viewer of the desk's stream)."""
    source = p.add_mutually_exclusive_group()
    source.add_argument("--demo", action="store_true", help=demo_help)
    source.add_argument("--replay", metavar="PATH", help=replay_help)
    if bus_help is not None:
        source.add_argument("--bus", metavar="URL", help=bus_help)
    p.add_argument("--speed", type=positive, default=None, help=speed_help)


BUS_VIEWER_HELP = "view the desk's stream at nats://HOST:PORT (see `liqwatch collect`) instead of the venues"


def bus_settings(cfg: Config, url: str | None, parser: argparse.ArgumentParser) -> BusSettings:
    """``[bus]`` with ``--bus URL`` laid over it; a bad URL is a usage error (exit 2)."""
    from feeds.bus.settings import BusUrlError, split_urls

    settings = cfg.bus.with_url(url)
    try:
        split_urls(settings.url)
    except BusUrlError as exc:
        parser.error(f"--bus: {exc}")
    return settings


def replay_source(args: argparse.Namespace, parser: argparse.ArgumentParser) -> ReplayFeed | None:
    """The demo or the recording the flags name, paced at ``--speed``; None
    for live.  A missing recording, or a file that is not one, is a usage
    error (exit 2)."""
    if args.demo:
        from tui.runtime.demo import DEMO_SPEED, demo_feed

        return demo_feed(args.speed or DEMO_SPEED)
    if args.replay:
        if not os.path.isfile(args.replay):
            parser.error(f"no such recording: {args.replay}")
        from feeds.recording import NotARecording, read_events
        from feeds.replay import ReplayFeed

        try:
            # The first chunk tells a recording from a file that is not one.
            next(read_events(args.replay, on_bad_line=None), None)
        except NotARecording as exc:
            parser.error(str(exc))
        except OSError as exc:
            parser.error(f"cannot read {args.replay}: {exc.strerror or exc}")

        return ReplayFeed(args.replay, speed=args.speed or 1.0)
    return None
