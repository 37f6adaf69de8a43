"""``liqwatch status``: one line from the status file, for tmux ``status-right``.

tmux runs this every ``status-interval`` seconds, so it must print in well
under 50 ms: it imports only the standard library and ``tui.runtime.statefile`` /
``tui.format`` (checked with ``python -X importtime``, measured by
``bench/status.py``), and it never reads the config file.

Exit status: 0 fresh line; 1 stale (no write for 10 s) or stopped; 2 bad
``--format`` template; 3 no status file (liqwatch is not running); 4 every
feed is down (the line says so: a calm-looking line must not hide it).
"""

from __future__ import annotations

import json
import sys
import time

from tui.runtime import statefile

TYPE_CHECKING = False  # the typing module costs more than this whole command may take
if TYPE_CHECKING:
    import argparse
    from typing import Sequence

HELP = "one line from the running liqwatch, for tmux status-right"
DESCRIPTION = "Exit status: 0 fresh, 1 stale or stopped, 2 bad template, 3 not running, 4 every feed down."
EXIT_FRESH, EXIT_STALE, EXIT_BAD_TEMPLATE, EXIT_NOT_RUNNING, EXIT_FEEDS_DOWN = 0, 1, 2, 3, 4
NOT_RUNNING = "liq: not running"

# The template's fields: the writer's formatted text (tui/runtime/status_data.py) plus age and stale.
FIELDS = ("line", "mode", "liq_1h", "liq_24h", "side", "side_pct", "storm", "cap", "cap_pos", "cap_state",
          "bai_symbol", "bai", "bai_band", "lvr", "lvr_trend", "feeds", "age", "stale")
FIELDS_HELP = (
    "fields: line, mode, liq_1h, liq_24h, side (▼L or ▲S: the side liquidated most in 1 h), side_pct, "
    "storm, cap, cap_pos, cap_state, bai_symbol, bai, bai_band, lvr, lvr_trend, feeds (live/total), "
    "age (since the last write), stale ('stale 35s' or empty); e.g. --format '{liq_1h} {side} | BAI {bai_symbol} {bai}'"
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    out = p.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the status file's data as JSON")
    out.add_argument("--format", metavar="TEMPLATE", help="a template with {named} fields; " + FIELDS_HELP)


def fields(data: dict, age_s: float) -> dict[str, str]:
    """The template fields: the writer's formatted text plus age and staleness."""
    from tui.format import age

    # A field an older writer did not write is empty, not an error.
    out = dict.fromkeys(FIELDS, "")
    text = data.get("text")
    if isinstance(text, dict):
        out.update((k, str(v)) for k, v in text.items())
    out["age"] = age(age_s)
    out["stale"] = stale_word(data, age_s)
    return out


def stale_word(data: dict, age_s: float) -> str:
    if data.get("state") == "stopped":
        stopped = time.strftime("%H:%M", time.localtime(data.get("written_ms", 0) / 1000))
        return f"stopped {stopped}"
    if age_s <= statefile.STALE_S:
        return ""
    from tui.format import age

    return f"stale {age(age_s)}"


def render(data: dict, age_s: float, template: str | None = None) -> str:
    """The one line: the template filled in, or the default line, marked when stale."""
    if template is not None:
        return template.format_map(fields(data, age_s))
    stale = stale_word(data, age_s)
    line = data.get("line", "")
    return f"{stale} | {line}" if stale else line


class Options:
    """Parsed options (argparse's Namespace, or the fast path's own)."""

    def __init__(self, json: bool = False, format: str | None = None) -> None:
        self.json = json
        self.format = format


def parse_fast(argv: Sequence[str]) -> Options | None:
    """The common invocations parsed by hand (argparse costs ~6 ms to import);
    None for anything else (help, a typo), which argparse then handles."""
    opts = Options()
    it = iter(argv)
    for arg in it:
        if arg == "--json" and opts.format is None:
            opts.json = True
        elif arg == "--format" and not opts.json:
            opts.format = next(it, None)
            if opts.format is None:
                return None
        elif arg.startswith("--format=") and not opts.json:
            opts.format = arg[len("--format="):]
        else:
            return None
    return opts


class _Known(dict):
    """Every field name maps to an empty string; any other name is a KeyError."""

    def __missing__(self, key: str) -> str:
        raise KeyError(key)


def check_template(template: str) -> str | None:
    """Why ``template`` cannot be filled in (unknown field, bad brace), or None."""
    try:
        template.format_map(_Known.fromkeys(FIELDS, ""))
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        return f"{type(exc).__name__}: {exc}"
    return None


def _print(text: str) -> None:
    """Print one line; a reader that left (``status --json | head -c 10``) is not an error."""
    try:
        print(text, flush=True)
    except BrokenPipeError:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def run(args: Options | argparse.Namespace, parser: argparse.ArgumentParser | None = None) -> int:
    if args.format is not None:
        problem = check_template(args.format)
        if problem is not None:
            print(f"liqwatch status: bad --format template ({problem}); {FIELDS_HELP}", file=sys.stderr)
            return EXIT_BAD_TEMPLATE
    data = statefile.read(statefile.status_path())
    if data is None:
        _print(json.dumps({"state": "not running"}) if args.json else NOT_RUNNING)
        return EXIT_NOT_RUNNING
    age_s = statefile.age_s(data)
    fresh = data.get("state") != "stopped" and age_s <= statefile.STALE_S
    if args.json:
        _print(json.dumps({**data, "age_s": round(age_s, 3), "stale": not fresh}, ensure_ascii=False))
    else:
        _print(render(data, age_s, args.format))
    if not fresh:
        return EXIT_STALE
    return EXIT_FEEDS_DOWN if data.get("feeds_down") else EXIT_FRESH


def main(argv: Sequence[str]) -> int:
    opts = parse_fast(argv)
    if opts is None:
        import argparse

        parser = argparse.ArgumentParser(prog="liqwatch status", description=f"{HELP}. {DESCRIPTION}")
        add_arguments(parser)
        return run(parser.parse_args(argv), parser)
    return run(opts)
