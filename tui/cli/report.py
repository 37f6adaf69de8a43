"""``liqwatch report PATH [--json]``: replay a recording through the engine and summarise it.

Needs no terminal: JSON goes to stdout for scripts (stable keys, see
indicators/report.py), and the people's version is Rich output that degrades
to plain text when stdout is a pipe (Rich is imported only for it).  Bad
lines are warned on stderr with their line numbers and skipped; a report is
still printed.  A file that is not a recording at all (no event before a run
of bad lines) gets one line and exit 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from contextlib import contextmanager
from datetime import tzinfo
from typing import TYPE_CHECKING, Any, Iterator, TextIO

from tui.cli.common import EXIT_USAGE, add_config, bus_settings, duration, load_config
from tui.format import SIDE_ARROW, SIDE_WORD, age, local_tz, money, pct, price, short_symbol, stamp
from tui.format import day as day_of

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from feeds.bus.settings import BusSettings
    from feeds.recording import ReadStats
    from indicators.params import IndicatorParams

HELP = "summarise a recording (no terminal needed)"
EXIT_OK = 0
EXIT_UNREADABLE = 1
SIDES_HEADER = f"{SIDE_WORD['long']} / {SIDE_WORD['short']}"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("path", nargs="?", help="recording (JSONL, plain or .gz)")
    p.add_argument("--demo", action="store_true", help="report on the bundled demo recording")
    p.add_argument("--bus", metavar="URL", help="report on what the desk's stream at nats://HOST:PORT holds")
    p.add_argument("--since", type=duration, metavar="DURATION",
                   help="with --bus: only the last DURATION of the stream (e.g. 90m, 26h, 2d)")
    p.add_argument("--json", action="store_true", help="print JSON (stable keys) instead of tables")
    add_config(p)


def run(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    if sum((args.demo, bool(args.path), bool(args.bus))) != 1:
        parser.error("report needs a PATH, --demo or --bus URL (one of them)")
    if args.since is not None and not args.bus:
        parser.error("--since goes with --bus")
    cfg = load_config(args.config)
    if args.bus:
        return run_bus_report(bus_settings(cfg, args.bus, parser), args.since, args.json, cfg.indicators)
    from feeds.data import DEMO_RECORDING

    path = str(DEMO_RECORDING) if args.demo else args.path
    return run_report(path, args.json, cfg.indicators)


def run_report(path: str, as_json: bool, params: IndicatorParams, tz: tzinfo | None = None,
               out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Read ``path``, build the report, print it; returns the exit code."""
    from feeds.recording import NotARecording, ReadStats, read_events
    from indicators.report import build_report

    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    stats = ReadStats()

    def warn(lineno: int, reason: str) -> None:
        print(f"{path}:{lineno}: {reason}; skipped", file=err)

    try:
        with _progress(path, stats, err, quiet=as_json):
            report = build_report(read_events(path, on_bad_line=warn, stats=stats), params)
    except OSError as exc:
        print(f"cannot read {path}: {exc.strerror or exc}", file=err)
        return EXIT_UNREADABLE
    except NotARecording as exc:
        print(exc, file=err)
        return EXIT_UNREADABLE
    if stats.truncated:
        print(f"{path}: the file ends mid-stream (cut off); reported up to the last complete line", file=err)
    if stats.bad:
        print(f"{path}: {len(stats.bad)} bad line(s) skipped", file=err)
    return print_report(report, as_json, out, tz)


def run_bus_report(settings: BusSettings, since_s: float | None, as_json: bool, params: IndicatorParams,
                   tz: tzinfo | None = None, out: TextIO | None = None, err: TextIO | None = None) -> int:
    """The report over what the desk's stream holds (its last ``since_s``
    seconds, by stream time), the same as over the equivalent recording."""
    import time

    from feeds.bus.connection import BusConfigError, BusError
    from feeds.bus.feed import Start
    from indicators.report import build_report
    from tui.runtime.desk import stream_events

    start = Start(since_ms=int((time.time() - since_s) * 1000)) if since_s is not None else Start(from_start=True)
    try:
        report = build_report(stream_events(settings, start), params)
    except BusError as exc:
        print(f"liqwatch: {exc}", file=err if err is not None else sys.stderr)
        return EXIT_USAGE if isinstance(exc, BusConfigError) else EXIT_UNREADABLE
    return print_report(report, as_json, out if out is not None else sys.stdout, tz)


def print_report(report: dict[str, Any], as_json: bool, out: TextIO, tz: tzinfo | None) -> int:
    """JSON for scripts, tables for people; a reader that left is no error."""
    try:
        if as_json:
            json.dump(report, out, indent=2, allow_nan=False)
            out.write("\n")
        else:
            from rich.console import Console

            render(report, Console(file=out, highlight=False, soft_wrap=False, width=120), tz or local_tz())
        out.flush()
    except BrokenPipeError:
        # `liqwatch report ... | head`: the reader left; that is not an error.
        return EXIT_OK
    return EXIT_OK


# A recording this large takes seconds to read: show how far it got.
PROGRESS_MIN_BYTES = 8 << 20


@contextmanager
def _progress(path: str, stats: ReadStats, err: TextIO, quiet: bool) -> Iterator[None]:
    """A Rich progress bar on ``err`` while a large recording is read, when
    ``err`` is a terminal; nothing in a pipeline or for ``--json``."""
    try:
        size = os.path.getsize(path)
    except OSError:
        size = 0
    if quiet or size < PROGRESS_MIN_BYTES or not err.isatty():
        yield
        return
    import threading

    from rich.console import Console
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TimeRemainingColumn

    done = threading.Event()
    bar = Progress(TextColumn("reading {task.description}"), BarColumn(), DownloadColumn(), TimeRemainingColumn(),
                   console=Console(file=err), transient=True)
    task = bar.add_task(os.path.basename(path), total=size)

    def follow() -> None:  # the reader only counts bytes; this thread moves the bar
        while not done.wait(0.1):
            bar.update(task, completed=stats.position)

    with bar:
        watcher = threading.Thread(target=follow, name="report-progress", daemon=True)
        watcher.start()
        try:
            yield
        finally:
            done.set()
            watcher.join()


def _side_text(long_usd: float, short_usd: float) -> Text:
    from rich.text import Text

    # Colour and words: long liquidations red, short green, never colour alone.
    t = Text()
    t.append(f"{SIDE_ARROW['long']} {money(long_usd)}", style="red")
    t.append(" ")
    t.append(f"{SIDE_ARROW['short']} {money(short_usd)}", style="green")
    return t


def cap_words(cap: dict[str, Any]) -> str:
    """Where the cap sits: in, above or below its range, or that the range is still forming."""
    from indicators.snapshot import FORMING

    if cap["state"] == FORMING:
        return (f"its range still forming ({age(cap['covered_days'] * 86400)} of samples, "
                f"{money(cap['low'])} - {money(cap['high'])} so far)")
    return f"{cap['state']} its range {money(cap['low'])} - {money(cap['high'])}"


def story(r: dict[str, Any], tz: tzinfo) -> list[str]:
    """The recording in a few sentences, in the article's terms."""
    liq, lev, cap = r["liquidations"], r["leverage"], r["market_cap"]
    day = liq["windows"]["24h"]
    out = [f"last 24 h: {money(day['long_usd'] + day['short_usd'])} liquidated (observed), "
           f"{money(day['long_usd'])} of it longs"]
    if liq["storms"]:
        worst = max(liq["storms"], key=lambda h: h["long_usd"] + h["short_usd"])
        last = liq["storms"][-1]
        for h, what in ((last, "latest storm hour"), (worst, "largest storm hour")):
            mult = f", {h['multiple']:.0f}x its baseline" if h["multiple"] is not None else ""
            harvest = ": a leverage flush on a falling LVR, the final harvest" if h.get("final_harvest") else ""
            out.append(f"{what} {stamp(h['start'], tz)}: {money(h['long_usd'] + h['short_usd'])}{mult}{harvest}")
            if worst is last:
                break
    if lev.get("lvr_trend") == "falling" and lev.get("falling_since"):
        out.append(f"liquidations per volume falling since {day_of(lev['falling_since'], tz)}: leverage is leaving")
    if cap is not None:
        out.append(f"total market cap {money(cap['usd'])}, {cap_words(cap)}")
    for sym, a in r["anxiety"].items():
        if a["bai"] >= 50 and a["floor"] is not None:
            fmt = money if sym == "TOTAL" else price
            out.append(f"{short_symbol(sym)}: bottom anxiety {a['bai']:.0f} ({a['band']}), "
                       f"{a['breach_pct']:.0f}% under a {a['floor_age_days']:.0f}-day floor at {fmt(a['floor'])}")
        if a["euphoria"] >= 50:
            out.append(f"{short_symbol(sym)}: euphoria {a['euphoria']:.0f} ({a['euphoria_band']}), "
                       f"{a['extension_pct']:.0f}% above its 30-day mean")
    return out


def render(r: dict[str, Any], console: Console, tz: tzinfo) -> None:
    """The report for people: what happened, in the article's terms."""
    from rich.table import Table
    from rich.text import Text

    if not r["events"]:
        console.print("No events in this recording.")
        return
    liq = r["liquidations"]
    console.print(Text(f"liqwatch report: {r['events']:,} events, {stamp(r['start_ts'], tz)} to "
                       f"{stamp(r['end_ts'], tz)}", style="bold"))
    console.print(Text("All liquidation totals are observed on public streams: a lower bound, not the market total.",
                       style="dim"))
    for line in story(r, tz):
        console.print("• " + line)

    t = Table(title="Liquidations (observed)", title_justify="left")
    t.add_column("span")
    t.add_column("total", justify="right")
    t.add_column(SIDES_HEADER)
    t.add_column("count", justify="right")
    t.add_row("whole recording", money(liq["usd"]), _side_text(liq["long_usd"], liq["short_usd"]), f"{liq['count']:,}")
    for label, w in liq["windows"].items():
        t.add_row(f"last {label}", money(w["long_usd"] + w["short_usd"]), _side_text(w["long_usd"], w["short_usd"]),
                  f"{w['count']:,}")
    for ex, v in liq["by_exchange"].items():
        t.add_row(f"  {ex}", money(v["long_usd"] + v["short_usd"]), _side_text(v["long_usd"], v["short_usd"]),
                  f"{v['count']:,}")
    console.print(t)

    if liq["storms"]:
        t = Table(title="Storm hours (>= the configured multiple of the previous 24 h median)", title_justify="left")
        for col in ("hour", "observed", SIDES_HEADER, "x baseline", "reading"):
            t.add_column(col)
        for h in liq["storms"]:
            mult = f"{h['multiple']:.1f}x" if h["multiple"] is not None else "no baseline"
            reading = "final harvest: a flush on a falling LVR" if h.get("final_harvest") else ""
            t.add_row(stamp(h["start"], tz), money(h["long_usd"] + h["short_usd"]),
                      _side_text(h["long_usd"], h["short_usd"]), mult, reading)
        console.print(t)
    else:
        console.print("No storm hour.")

    if liq["top"]:
        t = Table(title="Largest single liquidations", title_justify="left")
        for col in ("time", "venue", "symbol", "side", "usd"):
            t.add_column(col)
        for ev in liq["top"]:
            side = Text(SIDE_WORD[ev["side"]], style="red" if ev["side"] == "long" else "green")
            t.add_row(stamp(ev["ts"], tz), ev["exchange"], short_symbol(ev["symbol"]), side, money(ev["usd"]))
        console.print(t)

    lev = r["leverage"]
    lines = [f"LVR 24 h: {money(lev['lvr_24h'])} liquidated per $1B traded" if lev["lvr_24h"] is not None
             else "LVR 24 h: no volume data"]
    if lev.get("lvr_trend") not in (None, "unknown"):
        trend = f"trend {lev['lvr_trend']} (median {money(lev['lvr_median_7d'])} vs {money(lev['lvr_median_then'])}"
        trend += f" {lev['lvr_trend_days']:.1f} days before)"
        if lev.get("falling_since"):
            trend += f", falling since {day_of(lev['falling_since'], tz)}"
        lines.append(trend)
    if lev.get("oi_usd") is not None:
        oi = f"open interest {money(lev['oi_usd'])}, 24 h {pct(lev['oi_change_24h'], 1, signed=True)}"
        oi += f", 7 d {pct(lev['oi_change_7d'], 1, signed=True)}"
        if lev.get("oi_to_cap") is not None:
            oi += f", {pct(lev['oi_to_cap'], 2)} of the market cap"
        lines.append(oi)
    if lev.get("flush"):
        lines.append("leverage flush: OI down sharply while liquidations/OI ran far above its median")
    console.print(Text("Leverage", style="bold"))
    for line in lines:
        console.print("  " + line)

    cap = r["market_cap"]
    if cap is not None:
        console.print(Text("Market cap", style="bold"))
        where = "" if cap["position"] is None else f" (position {cap['position']:.2f}, {cap['days_in_range']:.1f} days in range)"
        console.print(f"  {money(cap['usd'])}, {cap_words(cap)}{where}")

    if r["anxiety"]:
        t = Table(title="Bottom anxiety and height euphoria", title_justify="left")
        for col in ("symbol", "price", "BAI", "why", "euphoria", "peak BAI", "peak euphoria"):
            t.add_column(col)
        for sym, a in r["anxiety"].items():
            why = ""
            if a["floor"] is not None:
                fmt = money if sym == "TOTAL" else price
                why = f"floor {fmt(a['floor'])} ({a['floor_age_days']:.1f} d, {a['touches']} tests), {a['state']}"
                if a["breach_pct"] > 0:
                    why += f" {a['breach_pct']:.0f}% below"
            peak_b = f"{a['peak_bai']:.0f} {stamp(a['peak_bai_ts'], tz)}" if a["peak_bai_ts"] else "—"
            peak_e = f"{a['peak_euphoria']:.0f} {stamp(a['peak_euphoria_ts'], tz)}" if a["peak_euphoria_ts"] else "—"
            t.add_row(short_symbol(sym), money(a["price"]) if sym == "TOTAL" else price(a["price"]),
                      f"{a['bai']:.0f} {a['band']}", why, f"{a['euphoria']:.0f} {a['euphoria_band']}",
                      peak_b, peak_e)
        console.print(t)
