"""``liqwatch config path | init | check``: find, write and validate the config file.

The commented default lives in ``tui/runtime/default_config.toml`` (package
data) rather than being generated, so it can explain each setting in words;
only its ``[exchanges.<name>]`` tables are generated, one per venue of the
registry, so that adding a venue needs no edit here.  A test keeps it in step
with the settings dataclasses (every key present, every shown value the
default).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tui.cli.common import EXIT_USAGE, add_config

HELP = "where the config file is; write a commented default; validate it"
EXIT_OK = 0
EXIT_EXISTS = 1  # also: the file cannot be written
EXIT_BAD_CONFIG = EXIT_USAGE


def add_arguments(p: argparse.ArgumentParser) -> None:
    actions = p.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    path = actions.add_parser("path", help="print the config file's path (--config, $LIQWATCH_CONFIG, platform dir)")
    init = actions.add_parser("init", help="write a commented default config (never overwrites without --force)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    check = actions.add_parser("check", help="validate the config: exit 0 when OK, 2 naming each bad key and line")
    for action in (path, init, check):
        add_config(action)
        action.set_defaults(parser=action)  # its errors with its own usage line


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if args.config_command == "path":
        return cmd_path(args.config)
    if args.config_command == "init":
        return cmd_init(args.config, args.force)
    return cmd_check(args.config)


def default_text() -> str:
    """The commented default config, as ``config init`` writes it."""
    from importlib.resources import files

    text = files("tui.runtime").joinpath("default_config.toml").read_text(encoding="utf-8")
    return text + _exchange_tables()


def _exchange_tables() -> str:
    """One commented ``[exchanges.<name>]`` table per registered venue (they
    close the template, after its words on venues)."""
    import dataclasses
    import json

    from feeds.settings import ExchangeSettings
    from feeds.venues import EXCHANGE_NAMES

    defaults = ExchangeSettings()
    keys = "".join(
        f"# {f.name} = {json.dumps(getattr(defaults, f.name))}\n" for f in dataclasses.fields(ExchangeSettings)
    )
    return "\n".join(f"[exchanges.{name}]\n{keys}" for name in EXCHANGE_NAMES)


def cmd_path(explicit: str | None) -> int:
    from tui.runtime.config import resolve_path

    print(resolve_path(explicit))
    return EXIT_OK


def cmd_init(explicit: str | None, force: bool) -> int:
    from tui.runtime.config import resolve_path

    path = resolve_path(explicit)
    if path.exists() and not force:
        print(f"{path}: already exists; not overwritten (use --force to replace it)", file=sys.stderr)
        return EXIT_EXISTS
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(default_text(), encoding="utf-8")
    except OSError as exc:
        print(f"{path}: cannot write: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_EXISTS
    print(f"wrote {path}")
    return EXIT_OK


def cmd_check(explicit: str | None) -> int:
    from tui.cli.common import theme_names
    from tui.runtime.config import ConfigError, load, resolve_path

    path: Path = resolve_path(explicit)
    try:
        cfg = load(explicit, theme_names())
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_CONFIG
    if cfg.source is None:
        print(f"{path}: no config file; the defaults apply (`liqwatch config init` writes one)")
    else:
        print(f"{path}: OK")
    return EXIT_OK
