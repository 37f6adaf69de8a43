"""Hourly liquidations: the bars, the storm baseline and verdict, the final harvest.

One home for everything the engine knows per UTC hour:

* the hourly bars, [long_usd, short_usd, count] per hour open, kept
  ``keep_hours`` (8 days) back from the newest liquidation; a late event
  that lands in a closed hour bumps ``version``, so verdicts on closed hours
  can be cached until then; a warm start loads pre-aggregated hours (from
  the SQLite history) that the baseline reads like any other;
* the storm verdict of an hour against the median of the 24 before it
  (DESIGN.md, indicator 1), and the one "final harvest" rule (a storm hour
  while the LVR trend is falling) that the snapshot and the report share;
* the verdict of every hour as the data clock left it, with the LVR trend at
  its close (what ``report`` lists for hours older than the bars kept);
* the current hour's liquidations per (exchange, symbol), which the hourly
  LVR and liquidations/OI samples read when the hour closes, and each hour's
  liquidations per base asset, which a closing candle reads for the anxiety
  confirmation (candles may come late: those are kept 48 hours);
* the hourly bar of a sampled series (the total market cap as the mood
  series TOTAL), built from its samples.

Why per hour and not per event: the storm rule, the LVR samples and the
candles all speak in UTC hours, and an hour only changes while it is the
newest one (or when a late event reaches back), so each verdict is computed
once and cached.
"""

from __future__ import annotations

from operator import attrgetter
from statistics import median
from typing import Callable, Mapping

from feeds.events import HOUR_MS, Liquidation
from indicators.batch import LiquidationBatch, Pair, PairCodes, add_entry, fold_keyed, running_sum
from indicators.params import IndicatorParams
from indicators.snapshot import HourBar, HourVerdict

HOURLY_BARS = 48  # the hours a snapshot shows, the current one last
KEEP_HOURS = 8 * 24  # the hourly bars kept back from the newest liquidation
BASELINE_HOURS = 24  # the storm baseline is the median of this many hours before
# Per-base hourly liquidations are kept this long: a candle closes an hour
# and reads its hour's liquidations, and candles may arrive a little late.
BASE_HOURS_KEEP = 48
# The LVR trend word that makes a storm hour the article's "final harvest".
HARVEST_TREND = "falling"

LvrTrend = Callable[[int], str]  # the LVR trend word as of a clock (ms)
_TOTAL = attrgetter("total_usd")


def hour_of(ts: int) -> int:
    return ts - ts % HOUR_MS


def storm_of(total: float, base: float | None, multiple: float, min_usd: float) -> tuple[bool, float | None]:
    """(is a storm, total / baseline): DESIGN.md's rule on one hour."""
    if base is None:
        return False, None
    if base <= 0:
        return total >= min_usd, None
    ratio = total / base
    return ratio >= multiple and total >= min_usd, ratio


def final_harvest(storm: bool, lvr_trend: str) -> bool:
    """The article's "final harvest": a storm hour while liquidations per
    volume are trending down, i.e. a flush of what leverage is left, not a
    new wave of it.  The one rule, for the snapshot's current hour and for
    every hour the report lists."""
    return storm and lvr_trend == HARVEST_TREND


class HourlyLiquidations:
    """Liquidations per UTC hour: bars, baseline, storm verdicts, the hours' records."""

    def __init__(self, params: IndicatorParams, keep_hours: int = KEEP_HOURS) -> None:
        self.params = params
        self._keep_ms = keep_hours * HOUR_MS
        # hour open (ms) -> [long_usd, short_usd, count]
        self.bars: dict[int, list] = {}
        self.first_ts: int | None = None  # coverage starts here (storm baseline)
        self.newest_ts: int | None = None  # of the newest liquidation
        # Bumped whenever a closed hour changes (late events, warm start), so
        # verdicts on closed hours can be cached until then.
        self.version = 0
        # The current UTC hour's liquidations per (exchange, symbol).
        self.pairs_hour = -1
        self.hour_pairs: dict[Pair, list] = {}
        # hour open -> base -> [long_usd, short_usd]: what a closing candle reads for K.
        self._by_base: dict[int, dict[str, list[float]]] = {}
        self._base_cut = 0
        self._cache: dict[int, HourBar] = {}
        self._cache_version = -1
        # The hours before the snapshot's own, once all closed (see recent).
        self._closed_key: tuple[int, int] | None = None
        self._closed_bars: tuple[HourBar, ...] = ()
        self._closed_baseline: float | None = None
        self._recent: tuple[HourBar, ...] = ()
        # hour open -> the verdict it had when the data clock left it.
        self._left: dict[int, HourVerdict] = {}

    # -- liquidations in ------------------------------------------------

    def add(self, ev: Liquidation, base: str) -> None:
        """One liquidation; ``base``: its symbol's base asset."""
        ts, ex, sym, side, _price, _qty, usd = ev
        is_long = side == "long"
        first = self.first_ts
        if first is None or ts < first:
            self.first_ts = ts
        newest = self.newest_ts
        if newest is None or ts > newest:
            self.newest_ts = newest = ts
        h = ts - ts % HOUR_MS
        key = (ex, sym)
        if h == self.pairs_hour:
            # The newest hour (pairs_hour is the newest event's hour), by far
            # the common case: its bar exists, nothing closed changes.
            bar = self.bars[h]
            cur = self.hour_pairs.get(key)
            if is_long:
                bar[0] += usd
                bar[2] += 1
                if cur is None:
                    self.hour_pairs[key] = [usd, 0.0, 1]
                else:
                    cur[0] += usd
                    cur[2] += 1
            else:
                bar[1] += usd
                bar[2] += 1
                if cur is None:
                    self.hour_pairs[key] = [0.0, usd, 1]
                else:
                    cur[1] += usd
                    cur[2] += 1
        else:
            self._add_to_hour(h, newest, key, is_long, usd)
        if h < self._base_cut:
            return
        by_base = self._by_base.get(h)
        if by_base is None:
            by_base = self._by_base[h] = {}
            if h - HOUR_MS * BASE_HOURS_KEEP > self._base_cut:
                self._prune_base_hours(h)
        cur = by_base.get(base)
        if cur is None:
            cur = by_base[base] = [0.0, 0.0]
        cur[0 if is_long else 1] += usd

    def _add_to_hour(self, h: int, newest: int, key: Pair, is_long: bool, usd: float) -> None:
        """An event outside the newest hour: the first of a new hour, or a late one."""
        if h < newest - newest % HOUR_MS:
            self.version += 1  # a late event changed a closed hour
        bar = self.bars.get(h)
        if bar is None:
            if newest - h < self._keep_ms:
                self.bars[h] = [usd, 0.0, 1] if is_long else [0.0, usd, 1]
                self._prune(newest)
        elif is_long:
            bar[0] += usd
            bar[2] += 1
        else:
            bar[1] += usd
            bar[2] += 1
        if h >= self.pairs_hour:
            if h > self.pairs_hour:
                self.pairs_hour = h
                self.hour_pairs = {}
            if is_long:
                add_entry(self.hour_pairs, key, usd, 0.0, 1)
            else:
                add_entry(self.hour_pairs, key, 0.0, usd, 1)

    def can_take(self, b: LiquidationBatch) -> bool:
        """Whether ``take`` may fold this batch: only when no liquidation goes
        back to an hour behind the newest (a late one may reopen a closed
        hour, or find it pruned: ``add`` handles it)."""
        h = b.hour
        return h[0] >= self.pairs_hour and bool((h[1:] >= h[:-1]).all())

    def take(self, b: LiquidationBatch, codes: PairCodes) -> None:
        """Fold a batch that ``can_take``, exactly as ``add`` on each event.

        Its hours never decrease, so each run of one hour is either the
        current hour or the first run of a new one, as one at a time."""
        lo = int(b.ts.min())
        if self.first_ts is None or lo < self.first_ts:
            self.first_ts = lo
        bases = codes.base_of[b.pair]
        for h, a, e in b.runs():
            if h > self.pairs_hour:
                # The run's first event opens the hour; the newest ts is its own.
                if h not in self.bars:
                    self.bars[h] = [0.0, 0.0, 0]
                    self._prune(int(b.ts[a]))
                self.pairs_hour = h
                self.hour_pairs = {}
            usd, long = b.usd[a:e], b.long[a:e]
            bar = self.bars[h]
            bar[0] = running_sum(bar[0], usd[long])
            bar[1] = running_sum(bar[1], usd[~long])
            bar[2] += e - a
            fold_keyed(self.hour_pairs, codes.pairs, b.pair[a:e], usd, long)
        hi = int(b.ts.max())
        if self.newest_ts is None or hi > self.newest_ts:
            self.newest_ts = hi
        # Its hours never decrease, so none is behind the per-base cut.
        for h, a, e in b.runs():
            by_base = self._by_base.get(h)
            if by_base is None:
                by_base = self._by_base[h] = {}
                if h - HOUR_MS * BASE_HOURS_KEEP > self._base_cut:
                    self._prune_base_hours(h)
            fold_keyed(by_base, codes.bases, bases[a:e], b.usd[a:e], b.long[a:e], count=False)

    def load(self, hours: Mapping[int, tuple[float, float, int]]) -> None:
        """Warm start: pre-aggregated hourly totals (hour open ms -> long, short, count).

        They feed the hourly bars and the storm baseline (the rolling
        windows start empty: hourly sums cannot be split back into seconds)."""
        self.version += 1
        for h, (lg, sh, n) in hours.items():
            h = hour_of(h)
            self.bars[h] = [float(lg), float(sh), int(n)]
            if self.first_ts is None or h < self.first_ts:
                self.first_ts = h

    def _prune(self, newest: int) -> None:
        if len(self.bars) > self._keep_ms // HOUR_MS + 4:
            cut = newest - self._keep_ms
            for old in [old for old in self.bars if old <= cut]:
                del self.bars[old]

    def _prune_base_hours(self, newest_hour: int) -> None:
        self._base_cut = newest_hour - HOUR_MS * BASE_HOURS_KEEP
        cut = self._base_cut
        for h in [h for h in self._by_base if h < cut]:
            del self._by_base[h]

    # -- what other indicators read --------------------------------------

    def pairs_of(self, h: int) -> Mapping[Pair, list]:
        """Hour ``h``'s liquidations per (exchange, symbol) while it is the
        newest hour with any (the LVR samples read it as the hour closes)."""
        return self.hour_pairs if self.pairs_hour == h else {}

    def covers(self, h: int) -> bool:
        """Whether liquidation coverage had begun when hour ``h`` opened."""
        return self.first_ts is not None and self.first_ts <= h

    def liquidations_of(self, base: str | None, h: int) -> tuple[float | None, float | None]:
        """Observed (long, short) liquidations of hour ``h``, of one base asset
        (None: of all), or (None, None) before coverage began."""
        first = self.first_ts
        if first is None or h + HOUR_MS <= first or h < self._base_cut:
            return None, None
        if base is None:
            bar = self.bars.get(h)
            return (bar[0], bar[1]) if bar else (0.0, 0.0)
        cur = self._by_base.get(h, {}).get(base)
        return (cur[0], cur[1]) if cur else (0.0, 0.0)

    # -- bars and verdicts ------------------------------------------------

    def total(self, h: int) -> float:
        bar = self.bars.get(h)
        return bar[0] + bar[1] if bar else 0.0

    def baseline(self, h: int) -> float | None:
        """Median of the previous 24 hourly totals within coverage, or None
        when fewer than ``storm_min_baseline_hours`` of them are covered."""
        if self.first_ts is None:
            return None
        first_hour = hour_of(self.first_ts)
        totals = [self.total(h - i * HOUR_MS) for i in range(1, BASELINE_HOURS + 1) if h - i * HOUR_MS >= first_hour]
        if len(totals) < self.params.storm_min_baseline_hours:
            return None
        return median(totals)

    def bar(self, h: int) -> HourBar:
        """One hour of liquidations with its storm verdict against its own baseline.

        A closed hour (and its baseline, the 24 hours before it) only changes
        when a late event lands in the past, so its bar is cached until then."""
        newest = self.newest_ts
        closed = newest is not None and h < newest - newest % HOUR_MS
        if closed:
            if self._cache_version != self.version:
                self._cache.clear()
                self._cache_version = self.version
            cached = self._cache.get(h)
            if cached is not None:
                return cached
        bar = self._bar(h, self.baseline(h))
        if closed:
            if len(self._cache) > 4 * HOURLY_BARS:
                self._cache.clear()
            self._cache[h] = bar
        return bar

    def _bar(self, h: int, baseline: float | None) -> HourBar:
        p = self.params
        bar = self.bars.get(h)
        lg, sh, n = (bar[0], bar[1], bar[2]) if bar else (0.0, 0.0, 0)
        storm, multiple = storm_of(lg + sh, baseline, p.storm_multiple, p.storm_min_usd)
        return HourBar(start=h, long_usd=lg, short_usd=sh, count=n, storm=storm, multiple=multiple)

    def recent(self, now_h: int) -> tuple[HourBar, ...]:
        """The last HOURLY_BARS hours, oldest first, the hour ``now_h`` last.

        Once every hour before ``now_h`` is closed (the newest liquidation is
        in ``now_h`` or later), those bars and the current hour's baseline
        change only with a late event into a closed hour (``version``): they
        are kept until then, and a call computes the current hour's bar
        alone.  While that bar too is unchanged, the previous tuple is handed
        out again (the UI asks four times a second)."""
        newest = self.newest_ts
        if newest is None or now_h > newest - newest % HOUR_MS:
            return tuple(self.bar(now_h - i * HOUR_MS) for i in range(HOURLY_BARS - 1, -1, -1))
        key = (now_h, self.version)
        if self._closed_key != key:
            self._closed_key = key
            self._closed_bars = tuple(self.bar(now_h - i * HOUR_MS) for i in range(HOURLY_BARS - 1, 0, -1))
            self._closed_baseline = self.baseline(now_h)
            self._recent = ()
        current = self._bar(now_h, self._closed_baseline)
        if not self._recent or self._recent[-1] != current:
            self._recent = (*self._closed_bars, current)
        return self._recent

    def verdict(self, h: int, lvr_trend: LvrTrend) -> HourVerdict:
        """Hour ``h``'s bar as it stands, judged with the LVR trend at its close."""
        return self._judged(self.bar(h), lvr_trend)

    @staticmethod
    def _judged(bar: HourBar, lvr_trend: LvrTrend) -> HourVerdict:
        if not bar.storm:
            return HourVerdict(bar)  # the trend is only asked of storm hours
        trend = lvr_trend(bar.start + HOUR_MS)
        return HourVerdict(bar, trend, final_harvest(bar.storm, trend))

    def left(self, end: int, lvr_trend: LvrTrend) -> None:
        """The data clock left the hour ending at ``end``: keep its verdict as it was then.

        One small record an hour, never pruned: the report lists every hour of
        a recording, and an hour older than the bars kept is known only so."""
        self._left[end - HOUR_MS] = self.verdict(end - HOUR_MS, lvr_trend)

    def since_first(self, now_h: int, lvr_trend: LvrTrend) -> tuple[HourVerdict, ...]:
        """Every hour from the first liquidation's to ``now_h``, quiet ones included.

        An hour still held in the bars is judged as it stands (late events
        included); an older one as it was when the data clock left it."""
        if self.first_ts is None:
            return ()
        bars, left = self.bars, self._left
        return tuple(left[h] if h not in bars and h in left else self.verdict(h, lvr_trend)
                     for h in range(hour_of(self.first_ts), now_h + 1, HOUR_MS))

    def extremes(self, now_h: int, lvr_trend: LvrTrend) -> tuple[HourVerdict, HourVerdict | None] | None:
        """(peak, quiet): the hour with the largest total of the last 24
        (``now_h`` included) and the closed one with the smallest, since
        coverage began, the later one on a tie; None before any liquidation,
        and no quiet hour before one has closed.  ``now_h`` is still filling:
        it can be the peak (a storm under way), never the quiet hour (any hour
        looks quiet a minute in).

        The storm memory: "peak 21:00 $600M, 33.3x baseline, final harvest /
        quiet 15:00 $12.0M" is these two verdicts.  Read from ``recent``, so a
        snapshot that shows the hourly bars gets it for the cost of two scans;
        a closed storm peak takes the LVR trend it had when the data clock left
        it (``left``), so a snapshot asks the trend only while a storm is on."""
        if self.first_ts is None:
            return None
        first = hour_of(self.first_ts)
        newest_first = [bar for bar in reversed(self.recent(now_h)[-BASELINE_HOURS:]) if bar.start >= first]
        if not newest_first:
            return None
        peak = max(newest_first, key=_TOTAL)
        closed = newest_first[1:] if newest_first[0].start == now_h else newest_first
        quiet = HourVerdict(min(closed, key=_TOTAL)) if closed else None
        was = self._left.get(peak.start)
        if peak.storm and was is not None and was.lvr_trend is not None:
            return HourVerdict(peak, was.lvr_trend, final_harvest(True, was.lvr_trend)), quiet
        return self._judged(peak, lvr_trend), quiet


class SampledBars:
    """Hourly bars (high, low, close) of a sampled series: the total market
    cap, whose samples become the mood series TOTAL's candles."""

    def __init__(self) -> None:
        self._bar: list | None = None  # [hour, high, low, close] of the bar in progress

    def add(self, ts: int, value: float) -> tuple[int, float, float, float] | None:
        """A sample, newer than the last; returns the bar of the hour it leaves, if it leaves one."""
        h = hour_of(ts)
        bar = self._bar
        closed = None
        if bar is not None and h > bar[0]:
            closed = (bar[0], bar[1], bar[2], bar[3])
            bar = None
        if bar is None:
            self._bar = [h, value, value, value]
        else:
            bar[1] = max(bar[1], value)
            bar[2] = min(bar[2], value)
            bar[3] = value
        return closed
