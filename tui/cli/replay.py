"""``liqwatch replay PATH``: the TUI on a recording, with pause (p) and speed (+/-) keys."""

from __future__ import annotations

import argparse

from tui.cli import app
from tui.cli.common import positive

HELP = "the TUI on a recording, with pause (p) and speed (+/-) keys"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", help="recording (JSONL, plain or .gz)")
    p.add_argument("--speed", type=positive, default=None, help="speed factor (default 1; +/- step 1, 2, 5, 10, 60, 300x)")
    app.add_display(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    args.replay, args.demo = args.path, False
    return app.run(args, parser)
