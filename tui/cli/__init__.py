"""The ``liqwatch`` command line: one module per command, behind one protocol.

Each command is a module of this package (``report``, ``config``, ``tape``,
``record``, ``replay``, ``status``, ``collect``, ``serve``; the app itself, with no command, is
``app``) with ``HELP``, ``add_arguments(parser)`` and ``run(args, parser)``
(``tui.cli.common.Command``).  The parser imports every command module, so
their top level stays light (standard library and ``tui.cli.common``): the
work and its heavy imports happen in ``run``, so ``liqwatch report`` never
pays for Textual and the TUI paints before ccxt is imported.  A test holds
that rule (tests/test_layers.py).
"""

from __future__ import annotations

import sys

# Not `from typing import TYPE_CHECKING`: `liqwatch status` (run by tmux every
# few seconds) goes through this module and must not pay for typing or argparse.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Sequence

COMMANDS = ("report", "config", "tape", "record", "replay", "status", "collect", "serve")


def build_parser() -> argparse.ArgumentParser:
    import argparse
    import importlib

    from tui.cli import app
    from tui.cli.common import Command

    parser = argparse.ArgumentParser(prog="liqwatch", description=app.HELP)
    app.add_arguments(parser)
    parser.set_defaults(run=app.run, parser=parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        command: Command = importlib.import_module(f"tui.cli.{name}")
        p = sub.add_parser(name, help=command.HELP, description=getattr(command, "DESCRIPTION", command.HELP))
        command.add_arguments(p)
        # Each command reports usage errors with its own usage line.
        p.set_defaults(run=command.run, parser=p)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["status"]:
        # The fast path: tmux runs this every few seconds (see tui/cli/status.py).
        from tui.cli.status import main as status_main

        return status_main(argv[1:])
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:
        # Reported by the command they were given to, with its usage, not the top level's.
        args.parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.run(args, args.parser)


if __name__ == "__main__":
    sys.exit(main())
