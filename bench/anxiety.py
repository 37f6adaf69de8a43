"""Benchmark of bottom anxiety and euphoria: the cost of a closed candle and of a live tick.

    python -m bench.anxiety [--bars N] [--ticks-per-bar K]

One ``MoodSeries`` (the per-symbol state the engine keeps) is fed a seeded
market of ``N`` hourly bars that ranges, slides, breaks its floors and
surges, with ``K`` live prices inside each bar's range between closes, as a
live session sends them.  Candles and ticks are timed apart, each the best
of three runs (on a shared machine the slower runs measure the neighbours);
the mood the UI reads is built once per bar between them, untimed, as a
pane would, so its caches are exercised as in a session.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from typing import Any

from feeds.events import DAY_MS, HOUR_MS
from indicators.anxiety import Bar, MoodSeries
from indicators.params import IndicatorParams

T0 = 1_600_000_000_000 - 1_600_000_000_000 % DAY_MS


def market(n: int, seed: int = 11) -> list[tuple[Bar, list[tuple[int, float]]]]:
    """``n`` hourly bars in regimes (range, slide, climb, crash), each with ten tick prices inside it."""
    rnd = random.Random(seed)
    out = []
    p = 100.0
    drift = 0.0
    for i in range(n):
        if i % 300 == 0:
            drift = rnd.choice((0.0, 0.0, -0.003, 0.002, -0.02))
        o = p
        p = p * math.exp(rnd.gauss(drift, 0.01))
        hi = max(o, p) * math.exp(abs(rnd.gauss(0, 0.004)))
        lo = min(o, p) * math.exp(-abs(rnd.gauss(0, 0.004)))
        ts = T0 + i * HOUR_MS
        ticks = sorted((ts + HOUR_MS + rnd.randint(1, HOUR_MS - 1), rnd.uniform(lo, hi)) for _ in range(10))
        out.append((Bar(ts, hi, lo, p, rnd.uniform(1e6, 1e7), None, None), ticks))
    return out


def _run(bars: list[tuple[Bar, list[tuple[int, float]]]], ticks_per_bar: int) -> tuple[float, float]:
    series = MoodSeries("X/USDT:USDT", IndicatorParams())
    t_bar = t_tick = 0.0
    clock = time.perf_counter
    for bar, ticks in bars:
        t = clock()
        series.add_bar(bar)
        t_bar += clock() - t
        t = clock()
        for ts, price in ticks[:ticks_per_bar]:
            series.on_price(ts, price)
        t_tick += clock() - t
        series.mood(ticks[-1][0] if ticks else bar.ts)
    return t_bar, t_tick


def run(n_bars: int = 20_000, ticks_per_bar: int = 10, repeat: int = 3) -> dict[str, Any]:
    bars = market(n_bars)
    runs = [_run(bars, ticks_per_bar) for _ in range(repeat)]
    best_bar = min(r[0] for r in runs)
    best_tick = min(r[1] for r in runs)
    return {
        "bars": n_bars,
        "ticks": n_bars * ticks_per_bar,
        "us_per_candle": round(best_bar / n_bars * 1e6, 2),
        "us_per_tick": round(best_tick / (n_bars * ticks_per_bar) * 1e6, 3),
        "runs_us_per_candle": [round(r[0] / n_bars * 1e6, 2) for r in runs],
        "runs_us_per_tick": [round(r[1] / (n_bars * ticks_per_bar) * 1e6, 3) for r in runs],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.anxiety", description=__doc__.split("\n\n")[0])
    ap.add_argument("--bars", type=int, default=20_000)
    ap.add_argument("--ticks-per-bar", type=int, default=10)
    args = ap.parse_args(argv)
    r = run(args.bars, args.ticks_per_bar)
    print(f"anxiety  {r['bars']:,} candles, {r['ticks']:,} ticks: {r['us_per_candle']} us a candle, "
          f"{r['us_per_tick']} us a tick (best of {len(r['runs_us_per_candle'])}; every run "
          f"{' / '.join(map(str, r['runs_us_per_candle']))} and {' / '.join(map(str, r['runs_us_per_tick']))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
