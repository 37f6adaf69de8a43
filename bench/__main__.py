"""``python -m bench``: every benchmark, one table, results saved as JSON.

    python -m bench [--quick] [--tui-seconds S] [--results-dir DIR]

Runs feed normalisation (``bench.normalise``), the indicator layer's report
throughput, snapshot time and memory (``bench.report``), ``liqwatch report``
against DuckDB and polars on the same file (``bench.peer``, with the
``bench`` extra), the cost of a candle and of a tick for bottom anxiety
(``bench.anxiety``), the TUI under load in a 120x40 pty and its first frame
(``bench.tui``), desk mode over a real nats-server (``bench.bus``) and
``liqwatch status`` latency (``bench.status``, when present), then prints
one table: each figure, its target, and ``pass`` or ``FALLS SHORT`` with the reason.  A
benchmark that is not in the tree is reported as ``missing``, never guessed.

Figures that depend on the machine also appear as ratios to a baseline
measured in the same run: normalisation against a bare ``json.loads`` of
the same frames, report throughput against reading the same file line by
line.  Results go to ``bench/results/<date>_<commit>.json`` with the
machine (CPU model, cores, Python, platform), the commit and the date.

``--quick`` runs everything at tiny sizes to check that it all works (CI);
it makes no speed judgement.  The full run measures the TUI for
``--tui-seconds`` (default 20) at 0, 100 and 5,000 liquidations/s and for
60 s at 1,000/s, the issue's headline.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results"


@dataclass
class Row:
    """One line of the table."""

    figure: str
    value: str
    target: str = ""
    #: True met, False falls short, None no target (or a --quick run)
    ok: bool | None = None
    why: str = ""

    @property
    def verdict(self) -> str:
        if self.value in ("missing", "skipped"):
            return self.value
        return {True: "pass", False: "FALLS SHORT", None: ""}[self.ok]


def machine() -> dict[str, Any]:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
    }


def commit() -> dict[str, Any]:
    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return ""

    return {"hash": git("rev-parse", "HEAD") or "unknown", "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def _optional(name: str) -> Any | None:
    """A benchmark module, or None when it is not in the tree yet."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name == name:
            return None
        raise


def _timed(label: str, fn: Callable[[], Any]) -> Any:
    t = time.perf_counter()
    print(f"  {label} ...", end="", flush=True, file=sys.stderr)
    out = fn()
    print(f" {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return out


def _report_shortfall(rep: dict[str, Any]) -> str:
    """Why ``report`` misses 200k/s: at that rate an event has 5 us."""
    parse, engine = rep["parse_events_per_s"], rep["report_on_parsed_events_per_s"]
    return (f"200k/s leaves 5 us an event; it took {rep['report_cpu_us_per_event']} us of CPU: parsing alone "
            f"{1e6 / parse:.1f} us ({parse:,}/s), the indicators on parsed events {1e6 / engine:.1f} us ({engine:,}/s)")


def run_all(quick: bool, tui_seconds: float) -> dict[str, Any]:
    from bench import normalise, tui

    figures: dict[str, Any] = {}
    figures["normalise"] = _timed(
        "normalisation", lambda: normalise.run(frames_per_venue=300, repeat=1) if quick else normalise.run()
    )
    report = _optional("bench.report")
    if report is None:
        figures["report"] = None
    elif quick:
        figures["report"] = _timed("report (small)", lambda: {
            "report": report.bench_report(20_000, repeat=1),
            "snapshot": report.bench_snapshot(calls=5, between=10, warm=20_000),
            "memory": report.bench_memory(20_000, 40_000),
        })
    else:
        figures["report"] = _timed("report, snapshot, memory (1M and 5M events)", report.run)
    peer = _optional("bench.peer")
    figures["peer"] = None if peer is None else _timed(
        "report vs DuckDB and polars on one file", lambda: peer.run(20_000, repeat=1) if quick else peer.run())
    anxiety = _optional("bench.anxiety")
    figures["anxiety"] = None if anxiety is None else _timed(
        "anxiety per candle and per tick", lambda: anxiety.run(2_000, repeat=1) if quick else anxiety.run())
    if quick:
        figures["tui"] = _timed("TUI in a pty (1 s per rate)", lambda: tui.run(1.0, (0, 1000), first_frame_runs=1))
    else:
        figures["tui"] = _timed(
            f"TUI in a pty ({tui_seconds:g} s per rate, 60 s at 1,000/s)",
            lambda: tui.run(tui_seconds, tui.RATES, headline_seconds=60.0),
        )
    bus = _optional("bench.bus")
    if bus is None:
        figures["bus"] = None
    elif quick:
        figures["bus"] = _timed("desk over NATS (2 s, 1 and 5 viewers)", lambda: bus.run(2.0, (1, 5)))
    else:
        figures["bus"] = _timed("desk over NATS (10 s at 1,000/s, 1, 5, 20 viewers)", bus.run)
    status = _optional("bench.status")
    if status is None:
        figures["status"] = None
    elif quick:
        # bench.status builds a fresh venv and times 60 runs of each command:
        # too slow for a smoke run, and it has no small size.
        figures["status"] = {"skipped": "not run by --quick (it installs liqwatch into a fresh venv)"}
    else:
        figures["status"] = _timed("status latency (60 runs per command)", status.run)
    return figures


def _num(x: float | None, fmt: str = ",.0f") -> str:
    return "n/a" if x is None else format(x, fmt)


def rows(figures: dict[str, Any], judge: bool) -> list[Row]:
    """The table; ``judge`` False (a --quick run) leaves every verdict empty."""
    from bench import tui

    def check(cond: bool) -> bool | None:
        return cond if judge else None

    out: list[Row] = []
    n = figures["normalise"]["all"]
    out.append(Row("normalisation, frames/s (feed path)", _num(n["feed_fps"]), ">= 100,000", check(n["feed_fps"] >= 100_000)))
    out.append(Row("  baseline json.loads, frames/s", _num(n["json_loads_fps"])))
    out.append(Row("  normalisation time / json.loads time", f"{n['ratio_feed_vs_json']:.2f}x", "<= 3x",
                   check(n["ratio_feed_vs_json"] <= 3.0)))
    r = figures["report"]
    if r is None:
        for name in ("report throughput, events/s", "snapshot of 300 symbols", "RSS after 1M / 5M events"):
            out.append(Row(name, "missing", why="bench/report.py is not in this tree"))
    else:
        rep, snap, mem = r["report"], r["snapshot"], r["memory"]
        out.append(Row(f"report throughput on {rep['events']:,} events, events/s", _num(rep["report_events_per_s"]),
                       ">= 200,000", check(rep["report_events_per_s"] >= 200_000),
                       why=_report_shortfall(rep)))
        out.append(Row("  every run, events/s", " / ".join(f"{r:,}" for r in rep["report_runs_events_per_s"])))
        out.append(Row("  CPU per event in the best run, us", f"{rep['report_cpu_us_per_event']}"))
        out.append(Row("  baseline: reading the file line by line, lines/s", _num(rep["read_lines_per_s"])))
        out.append(Row("  report rate / line-reading rate", f"{rep['report_vs_read_ratio']:.3f}"))
        out.append(Row(f"snapshot, {snap['symbols_on_tape']} symbols, median ms", f"{snap['snapshot_ms_median']:.3f}", "< 2 ms",
                       check(snap["snapshot_ms_median"] < 2.0),
                       why=f"p95 {snap['snapshot_ms_p95']} ms; the moods are about half of a snapshot, and the "
                           "p95 is the 5-minute mood clock rolling over, when every mood is rebuilt at once"))
        out.append(Row(f"RSS after {mem['first_events']:,} / {mem['total_events']:,} events, MB",
                       f"{mem['rss_mb_at_first']} / {mem['rss_mb_at_total']}"))
        out.append(Row("  RSS growth, MB", f"{mem['rss_growth_mb']}", "< 20 MB", check(mem["rss_growth_mb"] < 20.0)))
    p = figures.get("peer")
    if p is None:
        out.append(Row("report / DuckDB, wall time", "missing", why="bench/peer.py is not in this tree"))
    elif "duckdb" not in p["best_wall_s"]:
        out.append(Row("report / DuckDB, wall time", "skipped", "<= 2x", why=str(p["agree"].get("duckdb"))))
    else:
        agree = all(v is True for v in p["agree"].values())
        w, c = p["best_wall_s"], p["best_cpu_s"]
        out.append(Row(f"report / DuckDB on {p['events']:,} events, wall (CPU)",
                       f"{p['ratio_vs_duckdb']:.2f}x ({p['cpu_ratio_vs_duckdb']:.2f}x)", "<= 2x, values agree",
                       check(agree and p["ratio_vs_duckdb"] <= 2.0),
                       why="; ".join(f"{k} disagrees: {v}" for k, v in p["agree"].items() if v is not True)
                       or (_report_shortfall(r["report"]) if r else "")))
        out.append(Row("  best wall s: liqwatch / duckdb / polars",
                       " / ".join(f"{w[k]:.2f}" for k in ("liqwatch", "duckdb", "polars") if k in w)))
        out.append(Row("  best CPU s: liqwatch / duckdb / polars",
                       " / ".join(f"{c[k]:.2f}" for k in ("liqwatch", "duckdb", "polars") if k in c)))
    a = figures.get("anxiety")
    if a is None:
        out.append(Row("anxiety, us per candle / per tick", "missing", why="bench/anxiety.py is not in this tree"))
    else:
        out.append(Row(f"anxiety on {a['bars']:,} candles and {a['ticks']:,} ticks, us per candle / per tick",
                       f"{a['us_per_candle']} / {a['us_per_tick']}"))
    for t in figures["tui"]["rates"]:
        rate = int(t["rate"])
        label = f"TUI {rate:,}/s, {figures['tui']['size']}, {t.get('seconds', 0):g} s"
        if "error" in t:
            out.append(Row(label, "error", ok=check(False), why=t["error"]))
            continue
        cpu_target = {0: tui.TARGET_CPU_IDLE, 1000: tui.TARGET_CPU_1K}.get(rate)
        out.append(Row(f"{label}: CPU % of one core", f"{t['cpu_pct']:.1f}",
                       f"<= {cpu_target:g} %" if cpu_target is not None else "",
                       check(t["cpu_pct"] <= cpu_target) if cpu_target is not None else None,
                       why="with nothing arriving the app redraws only its clock at 1 Hz and writes the status "
                           "file each second; Textual's own loop and input thread are about half" if rate == 0 else ""))
        if rate:
            p99 = t.get("latency_ms_p99")
            out.append(Row("  event-to-screen p50 / p99, ms",
                           f"{_num(t.get('latency_ms_p50'), '.0f')} / {_num(p99, '.0f')}  ({t['events_drawn']:,} drawn of {t['events_emitted']:,})",
                           "p99 <= 500 ms" if rate == 1000 else "",
                           check(p99 is not None and p99 <= tui.TARGET_P99_MS) if rate == 1000 else None))
        out.append(Row("  terminal output, KiB/s", f"{t['kib_per_s']:.1f}", "<= 60 KiB/s" if rate == 1000 else "",
                       check(t["kib_per_s"] <= tui.TARGET_KIB_S) if rate == 1000 else None,
                       why=f"the tape moves at every 4 Hz redraw, so its visible rows are rewritten with their colour codes "
                           f"each time (~{t['kib_per_s'] / 4:.0f} KiB per redraw)" if rate == 1000 and t["kib_per_s"] > tui.TARGET_KIB_S else ""))
    ff = figures["tui"]["first_frame"]
    slow = ff["first_frame_s_median"] is None or ff["first_frame_s_median"] > tui.TARGET_FIRST_FRAME_S
    imports = ff.get("imports_ms", {})
    out.append(Row(f"first frame of liqwatch --demo, s (median of {ff['runs']})", _num(ff["first_frame_s_median"], ".2f"),
                   f"<= {tui.TARGET_FIRST_FRAME_S} s", check(not slow),
                   why=(f"a bare Textual app paints in {ff.get('bare_textual_s_median')} s here now; imports before the "
                        f"first paint: tui.app {imports.get('tui.app')} ms, of which textual.app "
                        f"{imports.get('textual.app')} ms") if slow and imports else ""))
    if ff.get("bare_textual_s_median"):
        out.append(Row("  baseline: a bare Textual app, s (median)", _num(ff["bare_textual_s_median"], ".2f")))
    out.extend(_bus_rows(figures.get("bus"), check))
    st = figures["status"]
    if st is None:
        out.append(Row("liqwatch status latency, ms", "missing", "< 50 ms", why="bench/status.py is not in this tree"))
    elif "skipped" in st:
        out.append(Row("liqwatch status latency, ms", "skipped", "< 50 ms", why=st["skipped"]))
    else:
        timed = st["figures"]
        # As users install it when that install worked, else this (editable) venv.
        name = next((n for n in timed if "pip install ." in n), "liqwatch status (this venv)")
        ms = timed[name]["median_ms"]
        out.append(Row(f"{name}, median ms", _num(ms, ".1f"), "< 50 ms", check(ms < 50)))
        floor = timed.get("python -c pass (this venv)")
        if floor:
            out.append(Row("  baseline: python -c pass, median ms", _num(floor["median_ms"], ".1f")))
    return out


def _bus_rows(bus: dict[str, Any] | None, check: Callable[[bool], bool | None]) -> list[Row]:
    """Desk mode: one collector, N viewers, a real nats-server (bench/bus.py)."""
    from bench.bus import TARGET_P99_MS

    if bus is None:
        return [Row("desk over NATS", "missing", why="bench/bus.py is not in this tree")]
    out = []
    for r in bus["runs"]:
        label = f"desk {r['rate']:,}/s, {r['viewers']} viewer(s), {r['seconds']:g} s"
        p99 = r["latency_ms_p99"]
        out.append(Row(f"{label}: event-to-viewer p50 / p99, ms", f"{_num(r['latency_ms_p50'])} / {_num(p99)}",
                       f"p99 <= {TARGET_P99_MS:g} ms", check(p99 is not None and p99 <= TARGET_P99_MS),
                       why="the collector, nats-server and every viewer share this machine's two cores"))
        out.append(Row("  CPU % of one core: collector / nats-server", f"{r['collector_cpu_pct']} / "
                       f"{r['nats_server_cpu_pct']}"))
        out.append(Row("  CPU % of one core per viewer: mean / max", f"{r['viewer_cpu_pct_mean']} / "
                       f"{r['viewer_cpu_pct_max']}"))
        out.append(Row("  every viewer got every event, once", "yes" if r["every_viewer_got_every_event_once"] else "NO",
                       "yes", check(r["every_viewer_got_every_event_once"])))
    return out


def table(rows_: list[Row]) -> str:
    w1 = max(len(r.figure) for r in rows_)
    w2 = max(len(r.value) for r in rows_)
    w3 = max(len(r.target) for r in rows_)
    lines = [f"{'figure':<{w1}}  {'value':>{w2}}  {'target':<{w3}}  verdict", "-" * (w1 + w2 + w3 + 20)]
    for r in rows_:
        line = f"{r.figure:<{w1}}  {r.value:>{w2}}  {r.target:<{w3}}  {r.verdict}"
        if r.why:
            line += f": {r.why}"
        lines.append(line.rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", "--smoke", action="store_true", help="tiny sizes; checks that everything runs, no speed verdicts")
    ap.add_argument("--tui-seconds", type=float, default=20.0, help="measured seconds per TUI rate other than 1,000/s")
    ap.add_argument("--results-dir", type=Path, default=RESULTS)
    args = ap.parse_args(argv)
    started = datetime.datetime.now(datetime.timezone.utc)
    print(f"liqwatch benchmarks{' (quick: no verdicts)' if args.quick else ''}", file=sys.stderr)
    figures = run_all(args.quick, args.tui_seconds)
    table_rows = rows(figures, judge=not args.quick)
    for row in table_rows:
        if row.ok is not False and row.value not in ("missing", "skipped"):
            row.why = ""  # a reason is given for a shortfall only
    text = table(table_rows)
    print(text)
    info = {"date": started.isoformat(timespec="seconds"), "quick": args.quick, "machine": machine(), "commit": commit()}
    doc = info | {
        "table": [{"figure": r.figure, "value": r.value, "target": r.target, "verdict": r.verdict, "why": r.why} for r in table_rows],
        "figures": figures,
    }
    args.results_dir.mkdir(parents=True, exist_ok=True)
    name = f"{started:%Y-%m-%dT%H%M}_{info['commit']['hash'][:10]}{'_quick' if args.quick else ''}.json"
    path = args.results_dir / name
    path.write_text(json.dumps(doc, indent=1, default=str) + "\n")
    print(f"\n{info['machine']['cpu']} ({info['machine']['cores']} cores), Python {info['machine']['python']}, "
          f"commit {info['commit']['hash'][:10]}{' (dirty)' if info['commit']['dirty'] else ''}; saved {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
