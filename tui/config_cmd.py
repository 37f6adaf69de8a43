"""``liqwatch config path | init | check``: find, write and validate the config file.

The commented default lives in ``default_config.toml`` (package data) rather
than being generated, so it can explain each setting in words; a test keeps it
in step with the settings dataclasses (every key present, every shown value
the default).
"""

from __future__ import annotations

import sys
from importlib.resources import files
from pathlib import Path

from tui.config import ConfigError, load, resolve_path

EXIT_OK = 0
EXIT_EXISTS = 1
EXIT_BAD_CONFIG = 2


def default_text() -> str:
    """The commented default config, as ``config init`` writes it."""
    return files("tui").joinpath("default_config.toml").read_text(encoding="utf-8")


def cmd_path(explicit: str | None) -> int:
    print(resolve_path(explicit))
    return EXIT_OK


def cmd_init(explicit: str | None, force: bool) -> int:
    path = resolve_path(explicit)
    if path.exists() and not force:
        print(f"{path}: already exists; not overwritten (use --force to replace it)", file=sys.stderr)
        return EXIT_EXISTS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(default_text(), encoding="utf-8")
    print(f"wrote {path}")
    return EXIT_OK


def cmd_check(explicit: str | None) -> int:
    path: Path = resolve_path(explicit)
    try:
        cfg = load(explicit)
    except ConfigError as exc:
        print(exc.render(), file=sys.stderr)
        return EXIT_BAD_CONFIG
    if cfg.source is None:
        print(f"{path}: no config file; the defaults apply (`liqwatch config init` writes one)")
    else:
        print(f"{path}: OK")
    return EXIT_OK
