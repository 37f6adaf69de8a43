"""MoodSeries keeps its per-bar state incrementally and lets calm ticks skip
the formulas; both must give exactly (to the bit) what the plain formulas give."""

from __future__ import annotations

import math
import random

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from indicators.anxiety import Bar, Level, MoodSeries, _ba, _maturity, round_level
from indicators.params import IndicatorParams

H = 3_600_000
T0 = 1_760_000_400_000 - 1_760_000_400_000 % H
# A two-day window slides often (the buffer too, after four days); young,
# once-tested floors mature fast enough for anchors to form and decay.
PARAMS = IndicatorParams(bai_window_days=2.0, bai_maturity_days=0.25, bai_maturity_touches=1, bai_half_life_days=0.2)


def plain_state(bars: list[Bar], window: int, first_bar: int | None, eps_min: float):
    """eps, floor, ceiling and mean close as DESIGN.md defines them, recomputed
    from scratch over the window with numpy (the first bar of ``bars`` is bar 0)."""
    start = max(0, len(bars) - window)
    win = bars[start:]
    ts = np.array([b.ts for b in win], dtype=np.int64)
    highs = np.array([b.high for b in win])
    lows = np.array([b.low for b in win])
    closes = np.array([b.close for b in win])
    k = min(14, len(win) - 1)
    eps = eps_min
    if k >= 1:
        h, lo, pc = highs[-k:], lows[-k:], closes[-k - 1:-1]
        tr = np.maximum(h - lo, np.maximum(np.abs(h - pc), np.abs(lo - pc)))
        eps = max(eps_min, float(tr.mean()) / float(closes[-1]))
    f0 = max(start, first_bar) - start if first_bar is not None else 0
    fl, fc = lows[f0:], closes[f0:]
    i = int(fl.argmin())
    f = float(fl[i])
    floor = Level(f, int(ts[f0 + i]), int(np.count_nonzero((fl[i + 1:] <= f * (1 + eps)) & (fc[i + 1:] > f))))
    j = int(highs.argmax())
    c = float(highs[j])
    ceiling = Level(c, int(ts[j]), int(np.count_nonzero((highs[j + 1:] >= c * (1 - eps)) & (closes[j + 1:] < c))))
    return eps, floor, ceiling, float(closes.mean())


def grid_bars(seed: int, count: int) -> list[Bar]:
    """A random walk on a coarse grid of prices, so that equal lows and highs
    (ties) are common, in regimes (ranges, slides, climbs) with bar ranges
    that make eps swing well past its minimum.  Some closes fall outside
    their bar's range: only then can a floor searched from an anchor's break
    differ from the window's (a sane break bar's low is the window's new low)."""
    rnd = random.Random(seed)
    bars = []
    mid, drift = 40, 0
    for n in range(count):
        if rnd.random() < 0.05:
            drift = rnd.choice((-1, 0, 0, 1))
        mid = min(80, max(8, mid + drift + rnd.randint(-2, 2)))
        lo = 1.0 + (mid - rnd.randint(0, 6)) / 8
        hi = 1.0 + (mid + rnd.randint(0, 6)) / 8
        close = rnd.choice((lo, hi, lo + (hi - lo) * rnd.randint(0, 8) / 8))
        if rnd.random() < 0.05:  # a close outside its bar's range: bad data must not change the rules
            close = rnd.choice((lo - 0.125, hi + 0.125)) if lo > 0.125 else hi + 0.125
        bars.append(Bar(T0 + n * H, hi, lo, close, 1e6, None, None))
    return bars


@given(st.integers(0, 2**32 - 1), st.integers(1, 400))
def test_the_incremental_state_is_the_plain_formula(seed, count):
    series = MoodSeries("X", PARAMS)
    bars: list[Bar] = []
    for n, bar in enumerate(grid_bars(seed, count)):
        series.add_bar(bar)
        bars.append(bar)
        a = series.anchor
        eps, floor, ceiling, mean = plain_state(bars, series.window, a.first_bar if a else None, PARAMS.bai_eps_min)
        assert (series.eps, series.floor, series.ceiling, series.mean_close) == (eps, floor, ceiling, mean)
        check_ticks(series, seed + n)


def plain_scores(series: MoodSeries, now: int) -> tuple[float, float]:
    """BA and euphoria at ``now`` by DESIGN.md's formulas, every one taken."""
    p, price, eps = series.p, series.price, series.eps
    floor, c, a = series.floor, series.ceiling, series.anchor
    ba = 0.0
    if price < floor.price or math.log(price / floor.price) < eps:
        ba = _ba(price, floor.price, _maturity(floor, now, p), eps, series.k_down, p)
    if a is not None:
        e = a.maturity * 2.0 ** (-max(0, now - a.broke_at) / series.half_life_ms)
        if e >= p.bai_anchor_min_maturity:
            ba = max(ba, _ba(price, a.floor.price, e, eps, series.k_down, p))
    eu = 0.0
    if price > c.price:
        g = min(1.0, (math.log(price / c.price) / p.bai_full_breach) ** p.bai_pain_exponent)
        eu = _maturity(c, now, p) * (0.60 * g + 0.15 * round_level(price, c.price) + 0.25 * series.k_up)
    elif math.log(c.price / price) < eps:
        eu = 0.3 * _maturity(c, now, p) * (1 - math.log(c.price / price) / eps)
    ext = math.log(price / series.mean_close)
    x_term = min(1.0, max(0.0, ext) / math.log1p(p.euphoria_full_extension)) * min(1.0, price / c.price)
    return ba, max(eu, x_term)


def check_ticks(series: MoodSeries, seed: int) -> None:
    """Ticks right at the thresholds a calm tick is told by, and at random,
    score as the plain formulas, in the tick's path and in the mood's."""
    rnd = random.Random(seed)
    f, c, eps, mean = series.floor.price, series.ceiling.price, series.eps, series.mean_close
    edges = [f * math.exp(eps), c * math.exp(-eps), mean, f, c]
    prices = [math.nextafter(x, d) for x in edges for d in (0.0, math.inf)] + edges
    prices += [f * math.exp(rnd.uniform(-0.3, 0.3)) for _ in range(3)] + [c * math.exp(rnd.uniform(-0.3, 0.3))]
    ts = series.price_ts
    for price in prices:
        series.on_price(ts, price)
        plain = plain_scores(series, series._at)
        assert series._scores(series._at) == plain
        ev = series._evaluate(series._at)
        assert (ev.ba, ev.eu) == plain


def test_a_bar_with_a_price_that_is_not_positive_and_finite_is_ignored():
    series = MoodSeries("X", IndicatorParams())
    series.add_bar(Bar(T0, 1.1, 0.9, 1.0, 1e6, None, None))
    before = (series.nbars, series.floor, series.ceiling, series.eps, series.mean_close)
    for high, low, close in ((1.1, 0.0, 1.0), (math.nan, 0.9, 1.0), (1.1, 0.9, math.inf), (1.1, 0.9, -1.0)):
        series.add_bar(Bar(T0 + H, high, low, close, 1e6, None, None))
        assert (series.nbars, series.floor, series.ceiling, series.eps, series.mean_close) == before
    series.add_bar(Bar(T0 + H, 1.2, 0.8, 1.0, 1e6, None, None))
    assert series.floor.price == 0.8 and series.nbars == 2
