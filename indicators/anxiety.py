"""Bottom anxiety (BAI) and height euphoria of one price series (docs/indicators.md).

The article's point is that panic is not proportional to the drop: a slide
from 10 to 0.1 numbs, a break of 0.1 after it held for weeks terrifies.  So
the score is driven by the *maturity* of the floor that breaks (how long it
held, how often it was tested), then by how far below it the price is
(pain), by a round level inside the break, and by confirmation (volume, long
liquidations, or the price staying below).  Greed mirrors it on the ceiling,
plus the extension above the 30-day mean (a surge to new highs is euphoric
even without a mature ceiling).

Floors are found the way a trader sees them, on daily structure: the hourly
bars fold into UTC days, and the floor is the lowest low of the completed
days of the window (``bai_window_days``, long enough to remember a floor
while it holds).  Its age runs from the bar that set it; a test is a
separate visit, a day that comes back within eps of it after a day away.
A broken floor is not forgotten (the *anchor*): whether a wick or a close
broke it, it stays the reference until the price reclaims it and holds
there, and its maturity decays only while the price stops making new lows
below it.  The same rules, mirrored, hold for the ceiling (``CEILING``).

The work is incremental: a closed bar folds into its day and updates a few
running figures (O(1)); a completed day rescans the window's days (at most
``bai_window_days`` of them, once a day) for the floor, the ceiling and their
tests; a live price takes one log and a few float operations per side.
"""

from __future__ import annotations

import math
import zlib
from collections import deque
from typing import NamedTuple

from feeds.events import DAY_MS, HOUR_MS
from indicators.history import MAX, Buckets
from indicators.params import IndicatorParams
from indicators.snapshot import Mood

_SQRT2 = math.sqrt(2.0)
MIN_Z_SAMPLES = 24  # a z over fewer bars than a day is noise: K stays 0.5
MOOD_CLOCK_MS = 300_000  # moods are re-read at most every 5 minutes between updates
ATR_BARS = 14  # eps is the mean log true range of this many bars
# The mood pane's sparklines: the highest score of each 12 hours over 7 days.
HISTORY_SPAN_MS = 12 * HOUR_MS
HISTORY_BUCKETS = 14
# BA beyond a level of maturity E: E * (W_PAIN S + W_ROUND R + W_CONFIRM K);
# near it on its safe side (a test): at most W_TEST E.
W_PAIN = 0.60
W_ROUND = 0.15
W_CONFIRM = 0.25
W_TEST = 0.3
ROUND_TOL = 1e-9  # a round level exactly at a bound of the range counts
_CALM_MARGIN = 1e-9  # in log price: far above the rounding of a log or a difference of logs
FLOOR = 1  # the side of bottom anxiety: beyond the level means below it
CEILING = -1  # the side of euphoria: beyond means above


def normal_cdf(z: float) -> float:
    return 0.5 * (1.0 + math.erf(z / _SQRT2))


def round_level(a: float, b: float) -> float:
    """R: 1 if [min, max] of a, b holds a 1x10^k level, 0.5 for 2x or 5x10^k, else 0.

    The definition; a level keeps its R as two price marks (``round_marks``),
    so a tick compares instead of searching the decades."""
    lo, hi = (a, b) if a <= b else (b, a)
    if lo <= 0:
        return 0.0
    best = 0.0
    k = math.floor(math.log10(lo) - 1e-9)
    top = math.floor(math.log10(hi) + 1e-9)
    while k <= top:
        p = 10.0 ** k
        for m, r in ((1.0, 1.0), (2.0, 0.5), (5.0, 0.5)):
            level = m * p
            if lo * (1 - ROUND_TOL) <= level <= hi * (1 + ROUND_TOL):
                if r == 1.0:
                    return 1.0
                best = r
        k += 1
    return best


def round_marks(level: float, side: int) -> tuple[float, float]:
    """The prices beyond which ``round_level(price, level)`` is 1 and at least 0.5.

    For a floor, the range [price, level] holds a 1x10^k level exactly when
    price <= the nearest one at or under the level (by the tolerance), and
    likewise for 2x and 5x10^k; a ceiling mirrors it with the nearest levels
    at or over it.  Returned as (mark of 1, mark of 0.5), each to be reached
    from the level's side: price <= mark for a floor, >= for a ceiling."""
    if side == FLOOR:
        top = level * (1 + ROUND_TOL)
        k = math.floor(math.log10(top)) + 1
        ones = [10.0 ** j for j in range(k - 2, k + 1)]
        halves = [m * 10.0 ** j for j in range(k - 2, k + 1) for m in (2.0, 5.0)]
        r1 = max(x for x in ones if x <= top)
        r05 = max(x for x in halves if x <= top)
        return r1 / (1 - ROUND_TOL), r05 / (1 - ROUND_TOL)
    bottom = level * (1 - ROUND_TOL)
    k = math.floor(math.log10(bottom))
    ones = [10.0 ** j for j in range(k - 1, k + 2)]
    halves = [m * 10.0 ** j for j in range(k - 1, k + 2) for m in (2.0, 5.0)]
    r1 = min(x for x in ones if x >= bottom)
    r05 = min(x for x in halves if x >= bottom)
    return r1 / (1 + ROUND_TOL), r05 / (1 + ROUND_TOL)


class Bar(NamedTuple):
    ts: int  # open, ms
    high: float
    low: float
    close: float
    volume: float | None  # USD; None when the series has none (TOTAL)
    long_liq: float | None  # observed long liquidations in the bar's hour
    short_liq: float | None


class Level(NamedTuple):
    """A floor (or ceiling) as found in the days of the window, with what makes it mature."""

    price: float
    ts: int  # open of the bar that set it
    touches: int  # separate daily visits within eps since the day that set it


class Day(NamedTuple):
    """A completed UTC day of bars."""

    start: int  # ms
    low: float
    low_ts: int  # open of the bar that made the low (the first, of equal lows)
    high: float
    high_ts: int
    close: float


class Anchor:
    """A broken level that people keep in mind: the episode's reference until the
    price reclaims it and holds, or its maturity has decayed away."""

    __slots__ = ("level", "log", "maturity", "broke_at", "log_extreme", "extreme_at",
                 "beyond_since", "back_since", "zone", "zone_ts", "marks")

    def __init__(self, level: Level, log: float, maturity: float, now: int, lp: float,
                 marks: tuple[float, float], side: int) -> None:
        self.level = level
        self.log = log  # ln(level.price)
        self.maturity = maturity  # E when it broke
        self.broke_at = now
        # The farthest log price beyond it since: its maturity decays from the time it was reached.
        self.log_extreme = lp
        self.extreme_at = now
        # Open of the first bar of the current run of closes beyond it (None: the last close was back)...
        self.beyond_since: int | None = None
        # ...and of the first bar of the run of bars that traded wholly back on its safe
        # side (None: the last bar or tick went beyond it).
        self.back_since: int | None = None
        # The farthest bar extreme beyond it (its low, for a floor) and that bar's open:
        # the zone a reclaim leaves, set by the bars that close (see _Side.on_close).
        self.zone = side * math.inf
        self.zone_ts = 0
        self.marks = marks  # round_marks of the level

    def __eq__(self, other: object) -> bool:
        """Equal in every field: two engines fed the same events hold equal anchors."""
        if not isinstance(other, Anchor):
            return NotImplemented
        return all(getattr(self, f) == getattr(other, f) for f in self.__slots__)

    __hash__ = None  # type: ignore[assignment]  # mutable: not a dict key


class Explained(NamedTuple):
    """One side's BA at a price with its why: which level, how mature, how far through."""

    ba: float
    ref: Level | None  # the level that gives ba (None: no level yet)
    broke_at: int | None  # when ref broke, if it is an anchor
    state: str  # "breached" (beyond ref), "testing" (within eps on its safe side), "calm"
    maturity: float
    beyond_pct: float  # how far beyond ref, in percent of it
    round_level: float
    confirmation: float


def maturity(age_ms: float, touches: int, p: IndicatorParams) -> float:
    """E of a level ``age_ms`` old with ``touches`` tests: min(1, a) * min(1, (touches + a) / N),
    a = age / ``bai_maturity_days``.  Belief grows with the time a level holds and
    with its tests; a level that held a few maturity spans untested is as
    believed as one tested N times (each span it holds counts as a test)."""
    a = (age_ms if age_ms > 0 else 0) / (p.bai_maturity_days * DAY_MS)
    t = (touches + a) / p.bai_maturity_touches
    return (a if a < 1.0 else 1.0) * (t if t < 1.0 else 1.0)


def beyond_ba(x: float, e: float, r: float, k: float, p: IndicatorParams) -> float:
    """BA at log-distance ``x`` > 0 beyond a level of maturity ``e``, round level ``r``,
    confirmation ``k``; its pain S = min(1, (x / ``bai_full_breach``) ** ``bai_pain_exponent``)."""
    ratio = x / p.bai_full_breach
    s = ratio**p.bai_pain_exponent if ratio < 1.0 else 1.0  # capped before the power: no overflow
    return e * (W_PAIN * s + W_ROUND * r + W_CONFIRM * k)


def near_ba(x: float, e: float, eps: float) -> float:
    """BA of a test: the price within eps of a level on its safe side (-eps < x <= 0)."""
    return W_TEST * e * (1 + x / eps)


def _r(price: float, side: int, marks: tuple[float, float]) -> float:
    """R of [price, level] from the level's marks (``round_marks``)."""
    if side * (marks[0] - price) >= 0:
        return 1.0
    return 0.5 if side * (marks[1] - price) >= 0 else 0.0


class _Side:
    """One side of the mood: the floor and its anchor (``FLOOR``: BAI), or the
    ceiling and its anchor (``CEILING``: euphoria).  Distances are taken in
    logs and signed by the side, so both read the same: x > 0 is beyond the
    level (below a floor, above a ceiling), -eps < x <= 0 is a test."""

    __slots__ = ("side", "p", "e_min", "half_life_ms", "reclaim_ms", "sustain_ms", "level", "log", "marks", "e",
                 "anchor", "spent", "broken", "inherit", "calm")

    def __init__(self, side: int, p: IndicatorParams) -> None:
        self.side = side
        self.p = p
        self.e_min = p.bai_anchor_min_maturity
        self.half_life_ms = p.bai_half_life_days * DAY_MS
        self.reclaim_ms = p.bai_reclaim_days * DAY_MS
        self.sustain_ms = p.bai_sustain_days * DAY_MS
        self.level: Level | None = None
        self.log = 0.0  # ln(level.price)
        self.marks = (0.0, 0.0)  # round_marks of the level
        self.e = 0.0  # the level's maturity as of the last bar's close (see mature)
        self.anchor: Anchor | None = None
        self.spent = (math.nan, 0)  # (ln price, ts) of the last level that broke: it is not broken twice...
        self.broken = False  # ...and whether the level is that one (it speaks through its anchor)
        # Reclaimed breaks (see on_close): the open of the bar that made a zone's
        # extreme -> (the broken level's ts, its tests + 1), for the level found there.
        self.inherit: dict[int, tuple[int, int]] = {}
        # Without an anchor, a log price on the far side of this (above it for a
        # floor) is calm for sure: farther than eps from the level (see set_calm).
        self.calm = math.inf if side == FLOOR else -math.inf

    def set_calm(self, eps: float) -> None:
        """The calm bound for this eps: the exact test is side * (log - lp) <= -eps,
        and the bound stands a margin (far above the rounding of either) beyond it."""
        if self.level is not None:
            self.calm = self.log + self.side * (eps + _CALM_MARGIN)

    def on_days(self, days: list[Day], eps: float, now: int) -> None:
        """The level of the window's completed days, with its tests.

        A level that a reclaimed break left behind (the wick's low, once its day
        is in the window) inherits the broken level's age and tests, plus one:
        the floor held, its zone now reaches down to the wick."""
        side = self.side
        if side == FLOOR:
            values = [d.low for d in days]
            i = values.index(min(values))
            price, ts = values[i], days[i].low_ts
            edge = price * math.exp(eps)
        else:
            values = [d.high for d in days]
            i = values.index(max(values))
            price, ts = values[i], days[i].high_ts
            edge = price * math.exp(-eps)
        touches = 0
        visiting = True  # the day that set it, and the days right after that stay near, are one visit
        for v in values[i + 1:]:
            near = side * (edge - v) >= 0
            if near and not visiting:
                touches += 1
            visiting = near
        if self.level is None or price != self.level.price:
            self.log = math.log(price)
            self.marks = round_marks(price, side)
        self._set_level(self._inherited(Level(price, ts, touches)), now)
        self.set_calm(eps)
        start = days[0].start
        for t in [t for t in self.inherit if t < start]:  # zones that left the window
            del self.inherit[t]

    def _set_level(self, level: Level, now: int) -> None:
        self.level = level
        self.broken = (self.log, level.ts) == self.spent
        self.mature(now)

    def mature(self, now: int) -> None:
        """The level's maturity as of a bar's close: it moves with the bars (age counts
        in days: an hour moves it by 1/168 at most), so a tick reads it, not recomputes it."""
        level = self.level
        if level is not None:
            self.e = maturity(now - level.ts, level.touches, self.p)

    def _inherited(self, level: Level) -> Level:
        """``level``, with the age and tests of the break it is the zone extreme of, if any."""
        got = self.inherit.get(level.ts)
        return level if got is None else Level(level.price, got[0], got[1] + level.touches)

    def anchor_maturity(self, a: Anchor, now: int) -> float:
        """A broken level's maturity: decayed from the time the price last went farther beyond it."""
        return a.maturity * 2.0 ** ((a.extreme_at - now) / self.half_life_ms)

    def acceptance(self, a: Anchor, now: int) -> float:
        """Confirmation by price: the share of ``bai_sustain_days`` the closes have stayed beyond the anchor."""
        since = a.beyond_since
        if since is None:
            return 0.0
        f = (now - since) / self.sustain_ms
        return f if f < 1.0 else 1.0

    def see(self, price: float, lp: float, now: int, k: float, eps: float, extreme: bool = False) -> float:
        """The side's BA at a price seen at ``now``: a tick, a bar's close, or
        (``extreme``) its extreme towards the level, the low for a floor.

        Seeing a price moves the anchor: beyond a level mature enough, it breaks
        it (the level becomes the anchor unless the current one is still
        believed more), and farther beyond the anchor, it renews the anchor's
        maturity.  A bar's extreme counts only where it went beyond: a wick
        that came near a level and turned is a test (in the level's touches),
        not unease; only the price now reads as testing."""
        p = self.p
        side = self.side
        e_min = self.e_min
        a = self.anchor
        ea = 0.0 if a is None else self.anchor_maturity(a, now)
        ba = 0.0
        level = self.level
        log = self.log
        if level is not None and not self.broken:
            x = side * (log - lp)
            if x > -eps:
                e = self.e
                if x <= 0:
                    if not extreme:
                        ba = near_ba(x, e, eps)
                elif e > ea and e >= e_min:
                    a = self.anchor = Anchor(level, log, e, now, lp, self.marks, side)
                    ea = e
                    self.spent, self.broken = (log, level.ts), True
                elif e > ea or ea < e_min or side * (a.log - log) <= 0:
                    # Unless an anchor believed as much lies beyond the level (then it
                    # scores at least as high: farther, with a wider round range and a
                    # confirmation at least k), the level scores on its own.
                    ba = beyond_ba(x, e, _r(price, side, self.marks), k, p)
        if a is None:
            return ba
        x = side * (a.log - lp)
        if x > 0:
            a.back_since = None
            if side * (a.log_extreme - lp) > 0:  # farther beyond: the anchor's maturity is renewed
                a.log_extreme, a.extreme_at = lp, now
                ea = a.maturity
        if ea >= e_min:
            if x > 0:
                kk = self.acceptance(a, now)
                s = beyond_ba(x, ea, _r(price, side, a.marks), k if k > kk else kk, p)
                if s > ba:
                    ba = s
            elif x > -eps and not extreme:
                s = near_ba(x, ea, eps)
                if s > ba:
                    ba = s
        return ba

    def on_close(self, close: float, inner: float, open_ts: int, close_time: int) -> None:
        """A bar closed (``inner``: its extreme towards the level, the low for a floor).

        The anchor is reclaimed once the price has traded wholly back on its safe
        side for ``bai_reclaim_days`` (a close back above that the next bars
        undercut is not holding), and forgotten once its maturity has decayed
        under ``bai_anchor_min_maturity``.  A reclaimed break was a deeper test:
        its zone's extreme (the bar beyond it that went farthest) inherits its
        age and tests, plus one, once the days find it (``inherit``)."""
        a = self.anchor
        if a is None:
            return
        side = self.side
        level = a.level.price
        if self.anchor_maturity(a, close_time) < self.p.bai_anchor_min_maturity:
            self.anchor = None
            return
        if side * (level - close) > 0:
            if a.beyond_since is None:
                a.beyond_since = open_ts
        else:
            a.beyond_since = None
        if side * (level - inner) > 0:
            a.back_since = None
            if side * (a.zone - inner) > 0:
                a.zone, a.zone_ts = inner, open_ts
        elif a.back_since is None:
            a.back_since = open_ts
        if a.back_since is not None and close_time - a.back_since >= self.reclaim_ms:
            self.anchor = None
            self.inherit[a.zone_ts] = (a.level.ts, a.level.touches + 1)
            if self.level is not None and self.level.ts == a.zone_ts:  # its day is in the window already
                self._set_level(self._inherited(self.level), close_time)

    def explain(self, price: float, lp: float, now: int, k: float, eps: float) -> Explained:
        """``see``'s BA at a price, with its why (no state moves): the level or
        anchor that gives it, and its terms; the anchor explains a tie."""
        p = self.p
        best = Explained(0.0, None, None, "calm", 0.0, 0.0, 0.0, k)
        level = self.level
        if level is not None:
            if self.broken:  # its anchor (if still believed) speaks for it
                best = Explained(0.0, level, None, "calm", 0.0, 0.0, 0.0, k)
            else:
                best = self._explained(price, lp, eps, level, self.log, self.e, self.marks, None, k)
        a = self.anchor
        if a is not None:
            e = self.anchor_maturity(a, now)
            if e >= p.bai_anchor_min_maturity:
                kk = self.acceptance(a, now)
                ex = self._explained(price, lp, eps, a.level, a.log, e, a.marks, a.broke_at, k if k > kk else kk)
                if ex.ba >= best.ba:
                    best = ex
        return best

    def _explained(self, price: float, lp: float, eps: float, ref: Level, log: float, e: float,
                   marks: tuple[float, float], broke_at: int | None, k: float) -> Explained:
        side = self.side
        x = side * (log - lp)
        if x > 0:
            r = _r(price, side, marks)
            return Explained(beyond_ba(x, e, r, k, self.p), ref, broke_at, "breached", e,
                             100.0 * abs(price / ref.price - 1.0), r, k)
        if x > -eps:
            return Explained(near_ba(x, e, eps), ref, broke_at, "testing", e, 0.0, 0.0, k)
        return Explained(0.0, ref, broke_at, "calm", e, 0.0, 0.0, k)


class MoodSeries:
    """Incremental BAI and euphoria of one symbol (or ``TOTAL``) from closed bars and live prices."""

    def __init__(self, symbol: str, params: IndicatorParams, bar_ms: int = HOUR_MS) -> None:
        self.symbol = symbol
        # Where in the 5-minute mood clock this series rolls over: spread by
        # symbol, so that 300 series do not all rebuild in the same snapshot
        # (that snapshot was the p95).  crc32, not hash(): the same in every run.
        self._clock_offset = zlib.crc32(symbol.encode()) % MOOD_CLOCK_MS
        self.p = params
        self.bar_ms = bar_ms
        self.window_ms = params.bai_window_days * DAY_MS
        self.mean_ms = params.euphoria_mean_days * DAY_MS
        confirm = max(2, int(round(params.bai_confirm_days * DAY_MS / bar_ms)))
        self.half_life_ms = params.bai_half_life_days * DAY_MS
        self._z_vol = RollingZ(confirm)
        self._z_long = RollingZ(confirm)
        self._z_short = RollingZ(confirm)
        self.down = _Side(FLOOR, params)
        self.up = _Side(CEILING, params)
        self.days: list[Day] = []  # the completed days of the window, oldest first
        self._day: list | None = None  # [start, low, low_ts, high, high_ts, close] of the day in progress
        self._tr: deque[float] = deque(maxlen=ATR_BARS)  # log true ranges of the last bars
        self._prev_close: float | None = None
        self.last_ts: int | None = None
        self.price: float | None = None
        self.price_ts: int | None = None
        self.eps = params.bai_eps_min
        self.k_down = 0.5
        self.k_up = 0.5
        self.mean_close: float | None = None  # of the completed days within euphoria_mean_days
        self._log_mean = 0.0
        self._ext_full = math.log1p(params.euphoria_full_extension)
        # Scores: the decayed running maxima as of bai_ts, and when a live BA last set them.
        self.bai = 0.0
        self.euphoria = 0.0
        self.bai_ts = 0
        self.bai_from = 0
        self.euphoria_from = 0
        self.peak_bai = 0.0
        self.peak_bai_ts: int | None = None
        self.peak_euphoria = 0.0
        self.peak_euphoria_ts: int | None = None
        self._at: int | None = None  # the clock of the last update: mood() explains the scores as of then
        self.live = (0.0, 0.0)  # (BA, euphoria) of the price at the last update
        self._version = 0  # bumped on every change of price, bar or score
        self._mood_key: tuple[int, int] | None = None
        self._mood: Mood | None = None
        # Each score as bars closed (a score is a decayed running maximum, so
        # what a tick between two closes reached still shows at the next one).
        self.bai_history = Buckets(HISTORY_SPAN_MS, HISTORY_BUCKETS, MAX)
        self.euphoria_history = Buckets(HISTORY_SPAN_MS, HISTORY_BUCKETS, MAX)

    @property
    def floor(self) -> Level | None:
        return self.down.level

    @property
    def ceiling(self) -> Level | None:
        return self.up.level

    # -- input ------------------------------------------------------------

    def add_bar(self, bar: Bar) -> None:
        """A closed bar.  Bars must come in order; a repeated or older bar is ignored,
        and so is one whose high, low or close is not a positive finite number
        (it would end in a division by zero, or a NaN floor for months)."""
        if self.last_ts is not None and bar.ts <= self.last_ts:
            return
        high, low, close = float(bar.high), float(bar.low), float(bar.close)
        if not (0.0 < low < math.inf and 0.0 < high < math.inf and 0.0 < close < math.inf):
            return
        ts = bar.ts
        now = ts + self.bar_ms
        start = ts - ts % DAY_MS
        day = self._day
        if day is not None and start > day[0]:
            self._close_day()  # a gap: the day in progress ended without its last bar
            day = None
        # eps = the mean log true range of the last bars, bounded.
        pc = self._prev_close
        hi, lo = (high, low) if pc is None else (max(high, pc), min(low, pc))
        self._tr.append(math.log(hi / lo))
        atr = sum(self._tr) / len(self._tr)
        p = self.p
        self.eps = eps = p.bai_eps_min if atr < p.bai_eps_min else (p.bai_eps_max if atr > p.bai_eps_max else atr)
        self.down.set_calm(eps)
        self.up.set_calm(eps)
        # Confirmation: z of this bar's log volume and log liquidations over bai_confirm_days.
        k_vol = self._z_vol.push(math.log(bar.volume) if bar.volume is not None and bar.volume > 0 else None)
        k_long = self._z_long.push(math.log1p(bar.long_liq) if bar.long_liq is not None else None)
        k_short = self._z_short.push(math.log1p(bar.short_liq) if bar.short_liq is not None else None)
        self.k_down = (k_vol + k_long) / 2
        self.k_up = (k_vol + k_short) / 2
        # The bar's extremes are prices it traded at: the floor sees its low, the ceiling its high.
        ba = eu = 0.0
        if self.days:
            ba = self.down.see(low, math.log(low), now, self.k_down, self.eps, extreme=True)
            eu = self.up.see(high, math.log(high), now, self.k_up, self.eps, extreme=True)
        self.down.on_close(close, low, ts, now)
        self.up.on_close(close, high, ts, now)
        if day is None:
            self._day = [start, low, ts, high, ts, close]
        else:
            if low < day[1]:
                day[1], day[2] = low, ts
            if high > day[3]:
                day[3], day[4] = high, ts
            day[5] = close
        self._prev_close = close
        self.last_ts = ts
        if now % DAY_MS == 0:
            self._close_day()
        self.down.mature(now)
        self.up.mature(now)
        if self.price_ts is None or now >= self.price_ts:
            self.price, self.price_ts = close, now
        if self.days:
            self._update(now, ba, eu)
            self.bai_history.add(now - 1, 100.0 * self.bai)
            self.euphoria_history.add(now - 1, 100.0 * self.euphoria)
        else:
            self._version += 1

    def on_price(self, ts: int, last: float) -> None:
        if last <= 0 or (self.price_ts is not None and ts < self.price_ts):
            return
        self.price, self.price_ts = last, ts
        if self.days:
            self._update(ts, 0.0, 0.0)
        else:
            self._version += 1

    # -- per-day work -----------------------------------------------------

    def _close_day(self) -> None:
        """The day in progress is complete: the window's floor, ceiling and mean close move."""
        d = self._day
        assert d is not None  # called only with a day in progress
        self._day = None
        days = self.days
        days.append(Day(*d))
        cut = d[0] - self.window_ms
        while days[0].start <= cut:
            del days[0]
        assert self.last_ts is not None  # a day in progress has had a bar
        now = self.last_ts + self.bar_ms  # the close of the day's last bar
        self.down.on_days(days, self.eps, now)
        self.up.on_days(days, self.eps, now)
        cut = d[0] - self.mean_ms
        closes = [x.close for x in days if x.start > cut]
        self.mean_close = sum(closes) / len(closes)
        self._log_mean = math.log(self.mean_close)

    # -- scores -----------------------------------------------------------

    def _update(self, now: int, ba: float, eu: float) -> None:
        """New scores at ``now`` (a price tick or a closed bar), at least ``ba`` and ``eu``
        (what the bar's extremes scored).

        The hot path of a replay (every price tick lands here), so it computes
        the two scores alone, and skips a side whose level is surely calm (no
        anchor, the price beyond its calm bound); ``mood()`` builds their
        explanation, the same formulas, on demand (``explain``), from the state
        as of ``_at``."""
        self._version += 1
        self._at = now
        price = self.price
        lp = math.log(price)
        down, up = self.down, self.up
        b = e = 0.0
        if down.anchor is not None or lp < down.calm:
            b = down.see(price, lp, now, self.k_down, self.eps)
        if up.anchor is not None or lp > up.calm:
            e = up.see(price, lp, now, self.k_up, self.eps)
        x = lp - self._log_mean  # ln(price / mean) > 0 exactly when price > mean
        if x > 0:
            # Greed from the extension above the mean close, full at euphoria_full_extension,
            # faded by the distance from the ceiling: it leaves as the price falls from its high.
            x /= self._ext_full
            r = price / up.level.price
            x = (x if x < 1.0 else 1.0) * (r if r < 1.0 else 1.0)
            if x > e:
                e = x
        self.live = (b, e)  # what the price scores now (the scores are at least that)
        if b > ba:
            ba = b
        if e > eu:
            eu = e
        bai, euphoria = self._decayed(now)
        if ba >= bai:
            bai = ba
            self.bai_from = now
        if eu >= euphoria:
            euphoria = eu
            self.euphoria_from = now
        self.bai, self.euphoria, self.bai_ts = bai, euphoria, now
        if bai > self.peak_bai:
            self.peak_bai, self.peak_bai_ts = bai, now
        if euphoria > self.peak_euphoria:
            self.peak_euphoria, self.peak_euphoria_ts = euphoria, now

    def _decayed(self, now: int) -> tuple[float, float]:
        """(BAI, euphoria) decayed from the last update to ``now``: one factor
        for both, as they are updated together."""
        bai, euphoria = self.bai, self.euphoria
        if now > self.bai_ts and (bai > 0 or euphoria > 0):
            f = 2.0 ** (-(now - self.bai_ts) / self.half_life_ms)
            bai *= f
            euphoria *= f
        return bai, euphoria

    def _evaluate(self, now: int) -> tuple[Explained, Explained]:
        """The two sides at ``now`` with their why (no state moves); the price's
        euphoria, the extension included, is ``live`` as of the last update."""
        price = self.price
        assert price is not None
        lp = math.log(price)
        return (self.down.explain(price, lp, now, self.k_down, self.eps),
                self.up.explain(price, lp, now, self.k_up, self.eps))

    def mood(self, now: int | None = None) -> Mood:
        """The scores as of ``now`` (decayed since the last update), with their why.

        Cached per update and per 5 minutes of ``now`` (each series on its own
        phase of the clock): the UI asks four times
        a second (and a 60x replay moves 15 s a tick), and between updates only
        the decay (3-day half-life: 0.08 points in 5 minutes) and the floor's
        age (shown in tenths of a day) move."""
        t = self.bai_ts if now is None or now < self.bai_ts else now
        key = (self._version, (t + self._clock_offset) // MOOD_CLOCK_MS)
        if key != self._mood_key:
            self._mood = self._mood_at(t)
            self._mood_key = key
        return self._mood

    def _mood_at(self, t: int) -> Mood:
        if self._at is None:
            return Mood(symbol=self.symbol, price=self.price)
        down, up = self._evaluate(self._at)
        eu_live = self.live[1]
        bai, eu = self._decayed(t)
        ref, cref = down.ref, up.ref
        bai_now, eu_now = 100.0 * max(down.ba, bai), 100.0 * max(eu_live, eu)
        return Mood(
            symbol=self.symbol,
            price=self.price,
            bai=bai_now,
            euphoria=eu_now,
            floor=ref.price if ref else None,
            floor_age_days=max(0, t - ref.ts) / DAY_MS if ref else None,
            touches=ref.touches if ref else 0,
            breach_pct=down.beyond_pct,
            round_level=down.round_level,
            confirmation=down.confirmation,
            maturity=down.maturity,
            state=down.state,
            ceiling=cref.price if cref else None,
            extension_pct=100.0 * (self.price / self.mean_close - 1.0) if self.mean_close else 0.0,
            broke_at=down.broke_at,
            bai_live=100.0 * down.ba,
            bai_from=self.bai_from if down.ba < bai and self.bai_from < self._at else None,
            ceiling_age_days=max(0, t - cref.ts) / DAY_MS if cref else None,
            ceiling_broke_at=up.broke_at,
            breakout_pct=up.beyond_pct,
            euphoria_live=100.0 * eu_live,
            euphoria_from=self.euphoria_from if eu_live < eu and self.euphoria_from < self._at else None,
            bai_7d=_with_now(self.bai_history.values(t), bai_now),
            euphoria_7d=_with_now(self.euphoria_history.values(t), eu_now),
        )


def _with_now(past: tuple[float | None, ...], now: float) -> tuple[float | None, ...]:
    """The closed bars' scores with the current 12 hours raised to the score now."""
    if not past:
        return ()
    last = past[-1]
    return past if last is not None and last >= now else (*past[:-1], now)


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
