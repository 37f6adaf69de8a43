"""``liqwatch report`` against DuckDB and polars on the same file, in the same run.

    python -m bench.peer [--events N]

Each peer computes the report's liquidation figures from the recording:
the count, the long / short totals (whole file and per venue), the
1h/4h/12h/24h windows ending at the newest event, and every hourly bar.  The
figures are checked against ``liqwatch report --json`` (counts exactly,
sums to 1e-9 relative: a peer adds in its own order, the report in file
order), so a peer that skips a line or misreads a field fails the bench
rather than winning it.  Each tool's wall time is the best of ``repeat``
runs of a fresh process, start-up included, as a user would run it; the
ratio report / best peer is the figure (target: <= 2x DuckDB).

The peers need the ``bench`` extra (``pip install -e '.[bench]'``); without
it the entry says so instead of guessing.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WINDOWS_MS = {"1h": 3_600_000, "4h": 4 * 3_600_000, "12h": 12 * 3_600_000, "24h": 24 * 3_600_000}
HOUR_MS = 3_600_000
TARGET_RATIO = 2.0

# Both peers print the same JSON: {"count", "long_usd", "short_usd", "by_exchange": {ex: [long, short, count]},
# "windows": {label: [long, short, count]}, "hourly": {hour_start: [long, short, count]}}.
_DUCKDB = r"""
import json, sys, duckdb
path, windows = sys.argv[1], json.loads(sys.argv[2])
con = duckdb.connect()
quoted = "'" + path.replace("'", "''") + "'"
con.execute(f'''CREATE TEMP TABLE ev AS SELECT * FROM read_json({quoted}, format='newline_delimited',
    columns={{'type': 'VARCHAR', 'ts': 'BIGINT', 'exchange': 'VARCHAR', 'side': 'VARCHAR', 'usd': 'DOUBLE'}})''')
con.execute("CREATE TEMP TABLE liq AS SELECT ts, exchange, side = 'long' AS long, usd FROM ev WHERE type = 'liquidation'")
end = con.execute("SELECT max(ts) FROM ev").fetchone()[0]
agg = "sum(usd) FILTER (WHERE long), sum(usd) FILTER (WHERE NOT long), count(*)"
out = {"end_ts": end}
out["count"], out["long_usd"], out["short_usd"] = con.execute(
    "SELECT count(*), sum(usd) FILTER (WHERE long), sum(usd) FILTER (WHERE NOT long) FROM liq").fetchone()
out["by_exchange"] = {ex: [l or 0.0, s or 0.0, n] for ex, l, s, n in con.execute(
    f"SELECT exchange, {agg} FROM liq GROUP BY exchange").fetchall()}
out["windows"] = {}
for label, ms in windows.items():
    l, s, n = con.execute(f"SELECT {agg} FROM liq WHERE ts <= ? AND ts > ?", [end, end - ms]).fetchone()
    out["windows"][label] = [l or 0.0, s or 0.0, n]
out["hourly"] = {str(h): [l or 0.0, s or 0.0, n] for h, l, s, n in con.execute(
    f"SELECT ts - ts % 3600000 AS h, {agg} FROM liq GROUP BY h").fetchall()}
print(json.dumps(out))
"""

_POLARS = r"""
import json, sys, polars as pl
path, windows = sys.argv[1], json.loads(sys.argv[2])
schema = {"type": pl.String, "ts": pl.Int64, "exchange": pl.String, "side": pl.String, "usd": pl.Float64}
ev = pl.read_ndjson(path, schema=schema)
end = ev["ts"].max()
liq = ev.filter(pl.col("type") == "liquidation").with_columns(long=pl.col("side") == "long")
aggs = [pl.col("usd").filter(pl.col("long")).sum().alias("l"), pl.col("usd").filter(~pl.col("long")).sum().alias("s"),
        pl.len().alias("n")]
def rows(df, key):
    return {str(r[key]): [r["l"], r["s"], r["n"]] for r in df.iter_rows(named=True)}
t = liq.select(aggs).row(0, named=True)
out = {"end_ts": end, "count": t["n"], "long_usd": t["l"], "short_usd": t["s"]}
out["by_exchange"] = rows(liq.group_by("exchange").agg(aggs), "exchange")
out["windows"] = {}
for label, ms in windows.items():
    w = liq.filter((pl.col("ts") <= end) & (pl.col("ts") > end - ms)).select(aggs).row(0, named=True)
    out["windows"][label] = [w["l"], w["s"], w["n"]]
out["hourly"] = rows(liq.with_columns(h=pl.col("ts") - pl.col("ts") % 3600000).group_by("h").agg(aggs), "h")
print(json.dumps(out))
"""

PEERS = {"duckdb": _DUCKDB, "polars": _POLARS}


def available() -> dict[str, bool]:
    """Which peers are installed (the ``bench`` extra)."""
    import importlib.util

    return {name: importlib.util.find_spec(name) is not None for name in PEERS}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed_json(name: str, argv: list[str]) -> tuple[float, float, Any]:
    """Wall and CPU seconds (user + system, every thread) of one process, and its JSON.

    The CPU figure is the steadier one on a shared machine: neighbours
    stretch the wall time, not the work done (but DuckDB and polars spread
    their work over every core, so their wall time can be under their CPU)."""
    cpu, t = _children_cpu(), time.perf_counter()
    proc = subprocess.run(argv, capture_output=True, text=True, check=False)
    wall, cpu = time.perf_counter() - t, _children_cpu() - cpu
    if proc.returncode != 0:
        raise RuntimeError(f"{name} failed: {proc.stderr.strip().splitlines()[-1:]}")
    return wall, cpu, json.loads(proc.stdout)


def figures_of_report(r: dict[str, Any]) -> dict[str, Any]:
    """The peer-shaped figures of a ``liqwatch report --json`` document."""
    liq = r["liquidations"]
    return {
        "end_ts": r["end_ts"],
        "count": liq["count"],
        "long_usd": liq["long_usd"],
        "short_usd": liq["short_usd"],
        "by_exchange": {ex: [v["long_usd"], v["short_usd"], v["count"]] for ex, v in liq["by_exchange"].items()},
        "windows": {k: [v["long_usd"], v["short_usd"], v["count"]] for k, v in liq["windows"].items()},
        # The report lists quiet hours too; a peer's GROUP BY has only the hours with a liquidation.
        "hourly": {str(h["start"]): [h["long_usd"], h["short_usd"], h["count"]] for h in liq["hourly"] if h["count"]},
    }


def disagreements(ours: dict[str, Any], theirs: dict[str, Any], rel: float = 1e-9) -> list[str]:
    """Where two sets of figures differ: counts exactly, sums to ``rel``."""
    out: list[str] = []

    def same(a: Any, b: Any, where: str) -> None:
        if isinstance(a, dict) and isinstance(b, dict):
            if set(a) != set(b):
                out.append(f"{where}: keys {sorted(set(a) ^ set(b))[:5]} on one side only")
            for k in sorted(set(a) & set(b)):
                same(a[k], b[k], f"{where}.{k}")
        elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
            for i, (x, y) in enumerate(zip(a, b)):
                same(x, y, f"{where}[{i}]")
        elif isinstance(a, int) and isinstance(b, int):
            if a != b:
                out.append(f"{where}: {a} != {b}")
        elif isinstance(a, (int, float)) and isinstance(b, (int, float)):
            if not math.isclose(a, b, rel_tol=rel, abs_tol=1e-6):
                out.append(f"{where}: {a!r} != {b!r}")
        else:
            out.append(f"{where}: {a!r} != {b!r}")

    same(ours, theirs, "liquidations")
    return out


def compare(path: Path, repeat: int = 2) -> dict[str, Any]:
    """Each tool on ``path``, best of ``repeat`` fresh processes, the figures checked."""
    arg = json.dumps(WINDOWS_MS)
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}

    def timed(name: str, argv: list[str]) -> Any:
        w, c, doc = _timed_json(name, argv)
        wall.setdefault(name, []).append(round(w, 3))
        cpu.setdefault(name, []).append(round(c, 3))
        return doc

    for _ in range(repeat):
        doc = timed("liqwatch", [sys.executable, "-m", "tui", "report", str(path), "--json"])
    ours = figures_of_report(doc)
    out: dict[str, Any] = {"events": doc["events"], "wall_s": wall, "cpu_s": cpu, "agree": {}}
    have = available()
    for name, script in PEERS.items():
        if not have[name]:
            out["agree"][name] = "not installed (pip install -e '.[bench]')"
            continue
        for _ in range(repeat):
            theirs = timed(name, [sys.executable, "-c", script, str(path), arg])
        diff = disagreements(ours, theirs)
        out["agree"][name] = True if not diff else "; ".join(diff[:3])
    out["best_wall_s"] = best = {k: min(v) for k, v in wall.items()}
    out["best_cpu_s"] = best_cpu = {k: min(v) for k, v in cpu.items()}
    for name in PEERS:
        if name in best:
            out[f"ratio_vs_{name}"] = round(best["liqwatch"] / best[name], 2)
            out[f"cpu_ratio_vs_{name}"] = round(best_cpu["liqwatch"] / best_cpu[name], 2)
    return out


def run(n_events: int = 1_000_000, repeat: int = 2) -> dict[str, Any]:
    """A generated recording of ``n_events`` (bench.report's), compared."""
    from bench.report import write_recording

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "peer.jsonl"
        write_recording(path, n_events)
        return compare(path, repeat)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.peer", description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--file", type=Path, help="an existing recording instead of a generated one")
    ap.add_argument("--repeat", type=int, default=2)
    args = ap.parse_args(argv)
    out = compare(args.file, args.repeat) if args.file else run(args.events, args.repeat)
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
