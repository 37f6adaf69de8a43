"""Bottom anxiety (BAI) and height euphoria of one price series (DESIGN.md, indicator 5).

The article's point is that panic is not proportional to the drop: a slide
from 10 to 0.1 numbs, a break of 0.1 after it held for weeks terrifies.  So
the score is driven by the *maturity* of the floor that breaks (its age and
how often it was tested), then by how far below it the price is (pain), by a
round level inside the break, and by confirmation from volume and long
liquidations.  Greed mirrors it on the ceiling, plus the extension above the
30-day mean (a surge to new highs is euphoric even without a mature ceiling).

The work happens once per closed bar, incrementally (the floor and ceiling
move with the bars; numpy sums the true ranges and the window's closes); a
live price only evaluates the formulas against the cached floor, and a calm
one (far from the floor and the ceiling) skips most of them, so a tick costs
a few float operations.
"""

from __future__ import annotations

import math
from bisect import bisect_left, bisect_right, insort
from collections import deque
from typing import NamedTuple

import numpy as np

from feeds.events import DAY_MS, HOUR_MS
from indicators.params import IndicatorParams
from indicators.snapshot import Mood

LN2 = math.log(2.0)
_SQRT2 = math.sqrt(2.0)
MIN_Z_SAMPLES = 24  # a z over fewer bars than a day is noise: K stays 0.5
MOOD_CLOCK_MS = 300_000  # moods are re-read at most every 5 minutes between updates
# The calm-tick thresholds (MoodSeries._thresholds): a relative margin far above
# the rounding of the exact tests, and the ranges where the thresholds' own
# arithmetic stays in normal floats (outside them a tick takes the formulas).
_MARGIN = 1e-9
_EXP_SAFE = 30.0
_TINY = 1e-200
_HUGE = 1e200


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / _SQRT2))


def round_level(a: float, b: float) -> float:
    """R: 1 if [min, max] of a, b holds a 1x10^k level, 0.5 for 2x or 5x10^k, else 0."""
    lo, hi = (a, b) if a <= b else (b, a)
    if lo <= 0:
        return 0.0
    best = 0.0
    k = math.floor(math.log10(lo) - 1e-9)
    top = math.floor(math.log10(hi) + 1e-9)
    tol = 1e-9
    while k <= top:
        p = 10.0 ** k
        for m, r in ((1.0, 1.0), (2.0, 0.5), (5.0, 0.5)):
            level = m * p
            if lo * (1 - tol) <= level <= hi * (1 + tol):
                if r == 1.0:
                    return 1.0
                best = r
        k += 1
    return best


class Bar(NamedTuple):
    ts: int  # open, ms
    high: float
    low: float
    close: float
    volume: float | None  # USD; None when the series has none (TOTAL)
    long_liq: float | None  # observed long liquidations in the bar's hour
    short_liq: float | None


class Level(NamedTuple):
    """A floor (or ceiling) as found in the bars, with what makes it mature."""

    price: float
    ts: int  # open of the bar that set it
    touches: int


class Anchor(NamedTuple):
    """A broken floor that people keep in mind (DESIGN.md, the anchor rule)."""

    floor: Level
    maturity: float  # E when it broke
    broke_at: int  # ms, close of the bar that closed below it
    first_bar: int  # index (in bar count) of the break bar: new floors come from here on


def _maturity(level: Level, now: int, p: IndicatorParams) -> float:
    # min(1.0, x) and max(0, x) written out: this runs on price ticks.
    age = now - level.ts
    by_age = (age if age > 0 else 0) / DAY_MS / p.bai_maturity_days
    by_tests = level.touches / p.bai_maturity_touches
    return (by_age if by_age < 1.0 else 1.0) * (by_tests if by_tests < 1.0 else 1.0)


class MoodSeries:
    """Incremental BAI and euphoria of one symbol (or ``TOTAL``) from closed bars and live prices."""

    def __init__(self, symbol: str, params: IndicatorParams, bar_ms: int = HOUR_MS) -> None:
        self.symbol = symbol
        self.p = params
        self.bar_ms = bar_ms
        self.window = max(2, int(round(params.bai_window_days * DAY_MS / bar_ms)))
        self.confirm = max(2, int(round(params.bai_confirm_days * DAY_MS / bar_ms)))
        self.half_life_ms = params.bai_half_life_days * DAY_MS
        self.buf = _Columns(self.window + 1)
        self._z_vol = RollingZ(self.confirm)
        self._z_long = RollingZ(self.confirm)
        self._z_short = RollingZ(self.confirm)
        self.nbars = 0  # bars ever added (indexes for the anchor)
        self.last_ts: int | None = None
        self.price: float | None = None
        self.price_ts: int | None = None
        # Cached per bar close.
        self.floor: Level | None = None
        self.ceiling: Level | None = None
        self.anchor: Anchor | None = None
        self.eps = params.bai_eps_min
        self.k_down = 0.5
        self.k_up = 0.5
        self.mean_close: float | None = None
        self._floor = _Extreme(self.buf, lowest=True)
        self._ceiling = _Extreme(self.buf, lowest=False)
        self._calm_above = math.inf  # see _thresholds
        self._warm_above = 0.0
        # Scores: the decayed running maxima and when they were set.
        self.bai = 0.0
        self.bai_ts = 0
        self.euphoria = 0.0
        self.euphoria_ts = 0
        self.peak_bai = 0.0
        self.peak_bai_ts: int | None = None
        self.peak_euphoria = 0.0
        self.peak_euphoria_ts: int | None = None
        self._at: int | None = None  # the clock of the last update: mood() explains the scores as of then
        self._ext_full = math.log1p(params.euphoria_full_extension)
        self._version = 0  # bumped on every change of price, bar or score
        self._mood_key: tuple[int, int] | None = None
        self._mood: Mood | None = None

    # -- input ------------------------------------------------------------

    def add_bar(self, bar: Bar) -> None:
        """A closed bar.  Bars must come in order; a repeated or older bar is ignored,
        and so is one whose high, low or close is not a positive finite number
        (it would end in a division by zero, or a NaN floor for 30 days)."""
        if self.last_ts is not None and bar.ts <= self.last_ts:
            return
        high, low, close = float(bar.high), float(bar.low), float(bar.close)
        if not (0.0 < low < math.inf and 0.0 < high < math.inf and 0.0 < close < math.inf):
            return
        close_time = bar.ts + self.bar_ms
        a = self.anchor
        if a is None:
            f = self.floor
            if f is not None and close < f.price:
                e = _maturity(f, close_time, self.p)
                if e >= self.p.bai_anchor_min_maturity:
                    self.anchor = Anchor(f, e, close_time, self.nbars)
        elif close > a.floor.price:
            self.anchor = None  # a close back above the old floor ends the episode
        self.buf.append(bar.ts, high, low, close)
        # Confirmation: z of this bar's log volume and log liquidations over the last 30 days.
        k_vol = self._z_vol.push(math.log(bar.volume) if bar.volume is not None and bar.volume > 0 else None)
        k_long = self._z_long.push(math.log1p(bar.long_liq) if bar.long_liq is not None else None)
        k_short = self._z_short.push(math.log1p(bar.short_liq) if bar.short_liq is not None else None)
        self.k_down = (k_vol + k_long) / 2
        self.k_up = (k_vol + k_short) / 2
        self.nbars += 1
        self.last_ts = bar.ts
        self._refresh(high, low, close, bar.ts)
        if self.price_ts is None or close_time >= self.price_ts:
            self.price, self.price_ts = close, close_time
        self._update(close_time)

    def on_price(self, ts: int, last: float) -> None:
        if last <= 0 or (self.price_ts is not None and ts < self.price_ts):
            return
        self.price, self.price_ts = last, ts
        if self.floor is not None:
            self._update(ts)
        else:
            self._version += 1

    # -- per-bar work ----------------------------------------------------

    def _refresh(self, high: float, low: float, close: float, ts: int) -> None:
        """The per-bar state (eps, floor, ceiling, mean close) with the new bar in the window.

        The floor and ceiling move incrementally (``_Extreme``); what numpy
        still does is one sum of 14 true ranges and one of the window's closes,
        the same reductions over the same values as a full recomputation."""
        buf = self.buf
        n = buf.n
        nbars = self.nbars
        base = nbars - n  # the bar number at buffer position 0
        start = nbars - self.window if nbars > self.window else 0  # the window's first bar
        p = self.p
        # eps = max(eps_min, ATR14 %): the mean true range of the newest bars
        # whose previous close is in the window.
        k = min(14, nbars - start - 1)
        eps = p.bai_eps_min
        if k >= 1:
            atr = float(_sum(buf.tr[n - k:n])) / k / close
            if atr > eps:
                eps = atr
        self.eps = eps
        # An anchor is forgotten once its maturity has decayed away.
        a = self.anchor
        if a is not None and self._anchor_maturity(a, ts + self.bar_ms) < p.bai_anchor_min_maturity:
            self.anchor = a = None
        # Floor (only among bars from the break on, while anchored) and its tests.
        f_start = a.first_bar if a is not None and a.first_bar > start else start
        self.floor = floor = self._floor.advance(f_start, base, n, eps, low, close, ts)
        # Ceiling over the whole window, tested from below.
        self.ceiling = ceiling = self._ceiling.advance(start, base, n, eps, high, close, ts)
        f, c = floor.price, ceiling.price
        self.mean_close = _mean(buf.close[start - base:n])
        self._thresholds(f, c, eps)

    def _thresholds(self, f: float, c: float, eps: float) -> None:
        """Where a price is surely calm on the floor (at or above ``_calm_above``)
        and surely far from the ceiling (at or below ``_warm_above``), so that a
        tick skips a log: the exact tests are ln(price / f) < eps and
        ln(c / price) < eps, whose division, log and exp err by an ulp or two,
        and the thresholds stand a relative 1e-9 (millions of ulps) beyond
        f * e^eps and c * e^-eps.  Outside the ranges where that arithmetic
        stays in normal floats, no price is sure and the tests are taken."""
        if eps < _EXP_SAFE and _TINY < f < _HUGE and _TINY < c < _HUGE:
            self._calm_above = f * math.exp(eps) * (1.0 + _MARGIN)
            self._warm_above = c * math.exp(-eps) * (1.0 - _MARGIN)
        else:
            self._calm_above = math.inf
            self._warm_above = 0.0

    def _anchor_maturity(self, a: Anchor, now: int) -> float:
        return a.maturity * 2.0 ** (-max(0, now - a.broke_at) / self.half_life_ms)

    # -- scores -----------------------------------------------------------

    def _update(self, now: int) -> None:
        """New scores at ``now``: a price tick or a closed bar.

        The hot path of a replay (every price tick lands here), so it computes
        the two scores alone; ``mood()`` builds their explanation, the same
        formulas, on demand (``_evaluate``), from the state as of ``_at``."""
        self._version += 1
        self._at = now
        ba, eu = self._scores(now)
        bai, euphoria = self._decayed(now)
        # max(ba, bai) and max(eu, euphoria), written out.
        self.bai = bai = bai if bai > ba else ba
        self.bai_ts = now
        self.euphoria = euphoria = euphoria if euphoria > eu else eu
        self.euphoria_ts = now
        if bai > self.peak_bai:
            self.peak_bai, self.peak_bai_ts = bai, now
        if euphoria > self.peak_euphoria:
            self.peak_euphoria, self.peak_euphoria_ts = euphoria, now

    def _decayed(self, now: int) -> tuple[float, float]:
        """(BAI, euphoria) decayed from the last update to ``now``: one factor
        for both, as they are updated together."""
        bai, euphoria = self.bai, self.euphoria
        since = self.bai_ts
        if now > since and (bai > 0 or euphoria > 0):
            f = 2.0 ** (-(now - since) / self.half_life_ms)
            if bai > 0:
                bai = bai * f
            if euphoria > 0:
                euphoria = euphoria * f
        return bai, euphoria

    def _scores(self, now: int) -> tuple[float, float]:
        """(BA, euphoria) at ``now``: the hot path of a tick, so the formulas
        are only taken where they can be non-zero: on the floor's below
        ``_calm_above``, on the ceiling's above ``_warm_above`` (see
        ``_thresholds``), the extension's above the mean (ln(price / mean)
        > 0 exactly then: the rounded quotient of positives exceeds 1 exactly
        when price exceeds the mean, and ln is 0 at 1 and increasing)."""
        price = self.price
        floor = self.floor
        c = self.ceiling
        assert price is not None and floor is not None and c is not None
        p = self.p
        eps = self.eps
        ba = 0.0
        if price < self._calm_above:
            f = floor.price
            if price < f:
                ba = _ba(price, f, _maturity(floor, now, p), eps, self.k_down, p)
            else:
                up = math.log(price / f)
                if up < eps:  # testing: _ba's formula, its log taken once
                    ba = 0.3 * _maturity(floor, now, p) * (1 - up / eps)
        a = self.anchor
        if a is not None:
            e = self._anchor_maturity(a, now)
            if e >= p.bai_anchor_min_maturity:
                anchored = _ba(price, a.floor.price, e, eps, self.k_down, p)
                if anchored > ba:
                    ba = anchored
        # Height euphoria: the mirror on the ceiling...
        cp = c.price
        eu = 0.0
        if price > cp:
            x = math.log(price / cp)
            g = min(1.0, (x / p.bai_full_breach) ** p.bai_pain_exponent)
            eu = _maturity(c, now, p) * (0.60 * g + 0.15 * round_level(price, cp) + 0.25 * self.k_up)
        elif price > self._warm_above:
            down = math.log(cp / price)
            if down < eps:
                eu = 0.3 * _maturity(c, now, p) * (1 - down / eps)
        # ...or the extension above the mean, faded by the distance from the
        # high: greed lives at the top, and leaves as the price falls away.
        # max(eu, min(1.0, ext / full) * min(1.0, price / ceiling)), written out.
        mean = self.mean_close
        if mean and price > mean:
            x = math.log(price / mean) / self._ext_full
            r = price / cp
            x_term = (x if x < 1.0 else 1.0) * (r if r < 1.0 else 1.0)
            if x_term > eu:
                eu = x_term
        return ba, eu

    def _evaluate(self, now: int) -> _Eval:
        """The scores at ``now`` (the tick's ``_scores``) with their why: which
        floor, how mature, how far through."""
        p = self.p
        price = self.price
        eps = self.eps
        floor = self.floor
        assert price is not None and floor is not None
        ba, eu = self._scores(now)
        # Bottom anxiety's why: the anchored (broken) floor and the current floor; the worse wins.
        e = _maturity(floor, now, p)
        if price >= self._calm_above:  # calm for sure (see _thresholds)
            best = _new(_Breach, (0.0, "calm", e, 0.0, 0.0))
        else:
            best = _breach(price, floor.price, e, eps, self.k_down, p)
        ref = floor
        a = self.anchor
        if a is not None:
            e = self._anchor_maturity(a, now)
            if e >= p.bai_anchor_min_maturity:
                anchored = _breach(price, a.floor.price, e, eps, self.k_down, p)
                if anchored.ba >= best.ba:
                    best, ref = anchored, a.floor
        ext = math.log(price / self.mean_close) if self.mean_close else 0.0
        return _new(_Eval, (ba, eu, best, ref, ext))

    def mood(self, now: int | None = None) -> Mood:
        """The scores as of ``now`` (decayed since the last update), with their why.

        Cached per update and per 5 minutes of ``now``: the UI asks four times
        a second (and a 60x replay moves 15 s a tick), and between updates only
        the decay (3-day half-life: 0.08 points in 5 minutes) and the floor's
        age (shown in tenths of a day) move."""
        t = self.bai_ts if now is None or now < self.bai_ts else now
        key = (self._version, t // MOOD_CLOCK_MS)
        if key != self._mood_key:
            self._mood = self._mood_at(t)
            self._mood_key = key
        return self._mood

    def _mood_at(self, t: int) -> Mood:
        if self._at is None:
            return Mood(symbol=self.symbol, price=self.price)
        ev = self._evaluate(self._at)
        bai, eu = self._decayed(t)
        bai = max(ev.ba, bai)
        eu = max(ev.eu, eu)
        b = ev.breach
        ref = ev.ref
        return Mood(
            symbol=self.symbol,
            price=self.price,
            bai=100.0 * bai,
            euphoria=100.0 * eu,
            floor=ref.price,
            floor_age_days=max(0, t - ref.ts) / DAY_MS,
            touches=ref.touches,
            breach_pct=b.breach_pct,
            round_level=b.round_level,
            confirmation=self.k_down,
            maturity=b.maturity,
            state=b.state,
            ceiling=self.ceiling.price if self.ceiling else None,
            extension_pct=100.0 * (math.exp(ev.extension) - 1.0),
        )


def _mean(a: np.ndarray) -> float:
    """``float(a.mean())`` of a 1-D array, the same sum and division without
    the Python layer numpy's mean goes through (a bar close does several)."""
    return float(_sum(a)) / len(a)


_sum = np.add.reduce
_new = tuple.__new__  # a NamedTuple built without its Python-level __new__ (two Levels a bar, a few a mood)


class _Breach(NamedTuple):
    ba: float
    state: str
    maturity: float
    breach_pct: float
    round_level: float


class _Eval(NamedTuple):
    ba: float
    eu: float
    breach: _Breach
    ref: Level
    extension: float  # ln(price / 30-day mean close)


def _ba(price: float, floor: float, e: float, eps: float, k: float, p: IndicatorParams) -> float:
    """DESIGN.md's BA for one floor of maturity ``e``."""
    if price < floor:
        return _breached_ba(price, floor, e, k, round_level(price, floor), p)
    up = math.log(price / floor)
    if up < eps:
        return 0.3 * e * (1 - up / eps)
    return 0.0


def _breached_ba(price: float, floor: float, e: float, k: float, r: float, p: IndicatorParams) -> float:
    """BA below the floor, its round level ``r`` given."""
    x = math.log(floor / price)
    s = min(1.0, (x / p.bai_full_breach) ** p.bai_pain_exponent)
    return e * (0.60 * s + 0.15 * r + 0.25 * k)


def _breach(price: float, floor: float, e: float, eps: float, k: float, p: IndicatorParams) -> _Breach:
    """BA for one floor with its why: breached, testing (within eps above) or calm."""
    if price < floor:
        r = round_level(price, floor)
        return _new(_Breach, (_breached_ba(price, floor, e, k, r, p), "breached", e, 100.0 * (1 - price / floor), r))
    up = math.log(price / floor)
    if up < eps:
        return _new(_Breach, (0.3 * e * (1 - up / eps), "testing", e, 0.0, 0.0))
    return _new(_Breach, (0.0, "calm", e, 0.0, 0.0))


class RollingZ:
    """Normal CDF of the z of the newest value among the last ``n`` (unknowns skipped).

    Running sums of x and x^2 over a ring, so a bar costs O(1) instead of a
    pass over 30 days of bars; the population std, as numpy's default."""

    __slots__ = ("values", "n", "sum", "sumsq", "count")

    def __init__(self, n: int) -> None:
        self.values: deque[float | None] = deque(maxlen=n)
        self.n = n
        self.sum = 0.0
        self.sumsq = 0.0
        self.count = 0

    def push(self, x: float | None) -> float:
        vals = self.values
        if len(vals) == self.n:
            old = vals[0]
            if old is not None:
                self.sum -= old
                self.sumsq -= old * old
                self.count -= 1
        vals.append(x)
        if x is None:
            return 0.5
        self.sum = total = self.sum + x
        self.sumsq = sumsq = self.sumsq + x * x
        self.count = count = self.count + 1
        if count < MIN_Z_SAMPLES:
            return 0.5
        mean = total / count
        var = sumsq / count - mean * mean
        m2 = mean * mean
        if var <= 1e-12 * (m2 if m2 > 1.0 else 1.0):  # max(1.0, mean * mean), written out
            return 0.5
        return normal_cdf((x - mean) / math.sqrt(var))


class _Columns:
    """The last ``keep`` bars as numpy columns: appends are O(1) amortised and
    a window is a zero-copy slice (the buffer is twice ``keep`` and slides
    down when full).  Each bar's true range is computed as it comes, from
    Python floats: the same subtractions, abs and max as numpy's elementwise
    ones, so eps is one sum over stored values."""

    def __init__(self, keep: int) -> None:
        self.keep = keep
        size = 2 * keep
        self.ts = np.zeros(size, dtype=np.int64)
        self.high = np.zeros(size)
        self.low = np.zeros(size)
        self.close = np.zeros(size)
        self.tr = np.zeros(size)  # true range; the first bar ever has no previous close: its high - low
        self.n = 0
        self._prev_close: float | None = None

    def append(self, ts: int, h: float, lo: float, c: float) -> None:
        if self.n == len(self.ts):
            keep = self.keep
            for col in (self.ts, self.high, self.low, self.close, self.tr):
                col[:keep] = col[self.n - keep:self.n]
            self.n = keep
        n = self.n
        pc = self._prev_close
        tr = h - lo
        if pc is not None:
            up, down = abs(h - pc), abs(lo - pc)
            tr = max(tr, up, down)
        self.ts[n] = ts
        self.high[n] = h
        self.low[n] = lo
        self.close[n] = c
        self.tr[n] = tr
        self._prev_close = c
        self.n = n + 1


class _Extreme:
    """The lowest low (``lowest``) or the highest high of a run of bars that
    grows at its newest end, kept bar by bar, with the later bars that test it.

    numpy rescans the run only when it loses the extreme's bar (the window
    slid past it), starts earlier than before (an anchor ended) or eps
    outgrew the kept tests; otherwise the newest bar either sets a new extreme
    (strictly beyond it: the first of equal bars stays, as with argmin and
    argmax) or may test it.  The candidate tests are kept sorted: the later
    bars' lows (highs) within ``reach`` (twice eps as of the list's making)
    of the extreme that closed on its inner side, so the count within eps is
    one bisection.  A rescan counts its tests with numpy and leaves the list
    to be made if the extreme survives a bar: in a trend, or on a flat
    market's equal lows, the extreme leaves the window bar after bar."""

    __slots__ = ("lowest", "values", "closes", "ts", "first", "idx", "price", "when", "reach", "limit", "tests")

    def __init__(self, cols: _Columns, lowest: bool) -> None:
        self.lowest = lowest
        self.values = cols.low if lowest else cols.high
        self.closes = cols.close
        self.ts = cols.ts
        self.first = 0  # the run's first bar number
        self.idx = -1  # the extreme's bar number; -1 before the first bar
        self.price = 0.0
        self.when = 0  # the extreme bar's open, ms
        self.reach = math.inf  # what the tests list holds (inf while it is not made)
        self.limit = 0.0  # price * (1 + reach) for a floor, price * (1 - reach) for a ceiling
        self.tests: list[float] | None = None

    def advance(self, first: int, base: int, n: int, eps: float, value: float, close: float, ts: int) -> Level:
        """The run is now bars ``first`` to the newest (``value``, ``close``,
        ``ts``: its low or high, close and open), at buffer position ``n - 1``;
        position 0 is bar number ``base``.  Returns the extreme with its tests
        within eps."""
        if self.idx < first or first < self.first or eps > self.reach:
            self.first = first
            return self._rescan(first - base, n, base, eps)
        self.first = first
        price = self.price
        lowest = self.lowest
        if value < price if lowest else value > price:
            self.idx, self.price, self.when = base + n - 1, value, ts
            self._keep([], 2 * eps)
            return _new(Level, (value, ts, 0))
        tests = self.tests
        if tests is None:
            tests = self._make(self.idx - base + 1, n - 1, eps)
        if lowest:
            if value <= self.limit and close > price:
                insort(tests, value)
            touches = bisect_right(tests, price * (1 + eps))
        else:
            if value >= self.limit and close < price:
                insort(tests, value)
            touches = len(tests) - bisect_left(tests, price * (1 - eps))
        return _new(Level, (price, self.when, touches))

    def _rescan(self, start: int, n: int, base: int, eps: float) -> Level:
        """The extreme of buffer positions ``start:n``, its tests counted with numpy."""
        run = self.values[start:n]
        i = int(run.argmin() if self.lowest else run.argmax())
        self.idx = base + start + i
        self.price = price = float(run[i])
        self.when = int(self.ts[start + i])
        self.tests, self.reach = None, math.inf
        later, closes = run[i + 1:], self.closes[start + i + 1:n]
        if self.lowest:
            tested = (later <= price * (1 + eps)) & (closes > price)
        else:
            tested = (later >= price * (1 - eps)) & (closes < price)
        return _new(Level, (price, self.when, int(np.count_nonzero(tested))))

    def _make(self, start: int, end: int, eps: float) -> list[float]:
        """The tests list from buffer positions ``start:end`` (the bars after the extreme)."""
        reach = 2 * eps
        price = self.price
        later, closes = self.values[start:end], self.closes[start:end]
        if self.lowest:
            kept = (later <= price * (1 + reach)) & (closes > price)
        else:
            kept = (later >= price * (1 - reach)) & (closes < price)
        tests = np.sort(later[kept]).tolist()
        self._keep(tests, reach)
        return tests

    def _keep(self, tests: list[float], reach: float) -> None:
        self.tests, self.reach = tests, reach
        self.limit = self.price * (1 + reach) if self.lowest else self.price * (1 - reach)
