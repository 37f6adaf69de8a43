"""MoodSeries keeps its per-bar state incrementally and lets calm ticks skip
the formulas; both must give exactly (to the bit) what the plain formulas give."""

from __future__ import annotations

import math
import random

from hypothesis import given
from hypothesis import strategies as st

from indicators.anxiety import (CEILING, FLOOR, Bar, Level, MoodSeries, _r, beyond_ba, maturity, near_ba,
                                round_level, round_marks)
from indicators.params import IndicatorParams

H = 3_600_000
DAY = 24 * H
T0 = 1_760_000_400_000 - 1_760_000_400_000 % DAY + 5 * H  # bars start at 05:00, so days are partial at first
# A three-day window slides often; young floors mature fast enough for anchors
# to form, decay, be reclaimed and leave their zones behind.
PARAMS = IndicatorParams(bai_window_days=3.0, bai_maturity_days=0.5, bai_maturity_touches=1, bai_half_life_days=0.3,
                         bai_reclaim_days=0.25, bai_sustain_days=0.25, euphoria_mean_days=2.0)


def plain_days(bars: list[Bar]) -> list[tuple[int, float, int, float, int, float]]:
    """The completed UTC days of ``bars`` (start, low, low_ts, high, high_ts, close),
    from scratch; a day is complete once its last hour closed or a later day began."""
    days: dict[int, list[Bar]] = {}
    for b in bars:
        days.setdefault(b.ts - b.ts % DAY, []).append(b)
    out = []
    last = bars[-1]
    for start, bs in days.items():
        if start == last.ts - last.ts % DAY and (last.ts + H) % DAY:
            continue  # the day in progress
        lo = min(bs, key=lambda b: b.low)  # the first of equal lows, as min does
        hi = max(bs, key=lambda b: b.high)
        out.append((start, lo.low, lo.ts, hi.high, hi.ts, bs[-1].close))
    return out


def plain_level(days, side: int, eps: float, inherit: dict[int, tuple[int, int]]) -> Level:
    """The window's extreme and its tests (separate visits: a near day after a day away)."""
    values = [d[1] if side == FLOOR else d[3] for d in days]
    best = min(values) if side == FLOOR else max(values)
    i = values.index(best)
    ts = days[i][2] if side == FLOOR else days[i][4]
    edge = best * math.exp(side * eps)
    touches, visiting = 0, True
    for v in values[i + 1:]:
        near = side * (edge - v) >= 0
        touches += near and not visiting
        visiting = near
    if ts in inherit:  # the zone extreme of a reclaimed break (path history: the series' own record)
        ts, touches = inherit[ts][0], inherit[ts][1] + touches
    return Level(best, ts, touches)


def plain_state(bars: list[Bar], series: MoodSeries):
    """eps, floor, ceiling and mean close by the definitions, from scratch."""
    p = series.p
    trs, eps_after = [], []
    for i, b in enumerate(bars):
        pc = bars[i - 1].close if i else None
        hi, lo = (b.high, b.low) if pc is None else (max(b.high, pc), min(b.low, pc))
        trs.append(math.log(hi / lo))
        last = trs[-14:]
        eps_after.append(min(p.bai_eps_max, max(p.bai_eps_min, sum(last) / len(last))))
    days = plain_days(bars)
    if not days:
        return eps_after[-1], None, None, None
    end = days[-1][0]
    # The levels' tests use eps as of the day's close: after its last bar.
    day_eps = eps_after[max(i for i, b in enumerate(bars) if b.ts - b.ts % DAY == end)]
    window = [d for d in days if d[0] > end - p.bai_window_days * DAY]
    closes = [d[5] for d in window if d[0] > end - p.euphoria_mean_days * DAY]
    return (eps_after[-1], plain_level(window, FLOOR, day_eps, series.down.inherit),
            plain_level(window, CEILING, day_eps, series.up.inherit), sum(closes) / len(closes))


def grid_bars(seed: int, count: int) -> list[Bar]:
    """A random walk on a coarse grid of prices, so that equal lows and highs
    (ties) are common, in regimes (ranges, slides, climbs, crashes) with bar
    ranges that make eps swing past both its bounds, and hours missing now
    and then (days that end without their last bar)."""
    rnd = random.Random(seed)
    bars = []
    mid, drift = 40, 0
    ts = T0
    for _ in range(count):
        if rnd.random() < 0.05:
            drift = rnd.choice((-2, -1, 0, 0, 1))
        mid = min(80, max(8, mid + drift + rnd.randint(-2, 2)))
        lo = 1.0 + (mid - rnd.randint(0, 6)) / 8
        hi = 1.0 + (mid + rnd.randint(0, 6)) / 8
        close = rnd.choice((lo, hi, lo + (hi - lo) * rnd.randint(0, 8) / 8))
        bars.append(Bar(ts, hi, lo, close, rnd.choice((1e6, 2e6, 5e6)), None, None))
        ts += H * (1 if rnd.random() < 0.97 else rnd.randint(2, 30))
    return bars


@given(st.integers(0, 2**32 - 1), st.integers(1, 400))
def test_the_incremental_state_is_the_plain_formula(seed, count):
    series = MoodSeries("X", PARAMS)
    bars: list[Bar] = []
    for n, bar in enumerate(grid_bars(seed, count)):
        series.add_bar(bar)
        bars.append(bar)
        eps, floor, ceiling, mean = plain_state(bars, series)
        assert (series.eps, series.floor, series.ceiling, series.mean_close) == (eps, floor, ceiling, mean)
        if floor is not None:
            check_ticks(series, seed + n)


def plain_side(series: MoodSeries, side: int, now: int) -> float:
    """One side's BA at the series' price, every term taken: the level's (unless it
    is the one that broke) and the anchor's, the larger."""
    p, price, eps = series.p, series.price, series.eps
    s = series.down if side == FLOOR else series.up
    k = series.k_down if side == FLOOR else series.k_up
    ba = 0.0
    level = s.level
    if (math.log(level.price), level.ts) != s.spent:
        x = side * (math.log(level.price) - math.log(price))
        e = maturity(series.last_ts + H - level.ts, level.touches, p)  # as of the last bar's close
        if x > 0:
            ba = beyond_ba(x, e, round_level(price, level.price), k, p)
        elif x > -eps:
            ba = near_ba(x, e, eps)
    a = s.anchor
    if a is not None:
        e = a.maturity * 2.0 ** ((a.extreme_at - now) / (p.bai_half_life_days * DAY))
        if e >= p.bai_anchor_min_maturity:
            x = side * (math.log(a.level.price) - math.log(price))
            acc = 0.0 if a.beyond_since is None else min(1.0, (now - a.beyond_since) / (p.bai_sustain_days * DAY))
            if x > 0:
                ba = max(ba, beyond_ba(x, e, round_level(price, a.level.price), max(k, acc), p))
            elif x > -eps:
                ba = max(ba, near_ba(x, e, eps))
    return ba


def plain_scores(series: MoodSeries, now: int) -> tuple[float, float]:
    """BA and euphoria at ``now`` by the formulas, every one taken (log distances
    are differences of logs, as everywhere)."""
    eu = plain_side(series, CEILING, now)
    ext = math.log(series.price) - math.log(series.mean_close)
    x_term = min(1.0, max(0.0, ext) / math.log1p(series.p.euphoria_full_extension)) * min(
        1.0, series.price / series.ceiling.price)
    return plain_side(series, FLOOR, now), max(eu, x_term)


def check_ticks(series: MoodSeries, seed: int) -> None:
    """Ticks right at the bounds a calm tick is told by, at the levels and the
    anchors, and at random, score as the plain formulas, in the tick's path
    and in the mood's explanation."""
    rnd = random.Random(seed)
    f, c, eps, mean = series.floor.price, series.ceiling.price, series.eps, series.mean_close
    edges = [f * math.exp(eps), c * math.exp(-eps), mean, f, c, math.exp(series.down.calm), math.exp(series.up.calm)]
    edges += [s.anchor.level.price for s in (series.down, series.up) if s.anchor is not None]
    prices = [math.nextafter(x, d) for x in edges for d in (0.0, math.inf)] + edges
    prices += [f * math.exp(rnd.uniform(-0.3, 0.3)) for _ in range(3)] + [c * math.exp(rnd.uniform(-0.3, 0.3))]
    ts = series.price_ts
    for price in prices:
        series.on_price(ts, price)
        plain = plain_scores(series, series._at)
        assert series.live == plain
        down, up = series._evaluate(series._at)
        assert (down.ba, up.ba) == (plain[0], plain_side(series, CEILING, series._at))


def test_round_marks_are_round_level():
    """A level's two marks give round_level's R for every price beyond it, round
    levels and their neighbours included."""
    rnd = random.Random(2)
    levels = [0.1, 1.0, 100.0, 2.0, 5e-5, 0.5, 123.4, 99_999.0, 100_000.0, 0.08, 7e4]
    levels += [10 ** rnd.uniform(-6, 6) for _ in range(200)]
    for level in levels:
        for side in (FLOOR, CEILING):
            marks = round_marks(level, side)
            for _ in range(20):
                price = level * math.exp(-side * rnd.uniform(0, 4))
                assert _r(price, side, marks) == round_level(price, level)
            for m in (1.0, 2.0, 5.0):
                for k in range(-7, 8):
                    price = m * 10.0 ** k
                    if side * (level - price) >= 0:
                        assert _r(price, side, marks) == round_level(price, level)


def test_a_bar_with_a_price_that_is_not_positive_and_finite_is_ignored():
    series = MoodSeries("X", IndicatorParams())
    series.add_bar(Bar(T0, 1.1, 0.9, 1.0, 1e6, None, None))
    before = (series.last_ts, series.eps, series._day)
    for high, low, close in ((1.1, 0.0, 1.0), (math.nan, 0.9, 1.0), (1.1, 0.9, math.inf), (1.1, 0.9, -1.0)):
        series.add_bar(Bar(T0 + H, high, low, close, 1e6, None, None))
        assert (series.last_ts, series.eps, series._day) == before
    series.add_bar(Bar(T0 + H, 1.2, 0.8, 1.0, 1e6, None, None))
    assert series._day[1] == 0.8 and series.last_ts == T0 + H
