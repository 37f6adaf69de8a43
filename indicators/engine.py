"""The engine: events in, immutable snapshots out.

One object that the UI, ``report`` and the benchmarks drive the same way:
``apply`` every event as it comes (synchronous, O(1) for the frequent kinds),
``snapshot(now_ms)`` on a timer.  The snapshot's windows are taken as of
``now_ms``: the UI passes the wall clock in live mode and the data clock in
replay; the default is the newest event seen.
"""

from __future__ import annotations

from operator import attrgetter
from types import MappingProxyType
from typing import Callable, Iterable, Sequence

import numpy as np

from feeds.events import (
    HOUR_MS,
    VENUES_STATUS,
    Candle,
    Event,
    FeedStatus,
    Liquidation,
    MarketCap,
    OpenInterest,
    Price,
    Volume,
)
from indicators.anxiety import Bar, MoodSeries
from indicators.batch import LiquidationBatch, PairCodes, base_of, fold_keyed
from indicators.caprange import CapRange
from indicators.leverage import Leverage
from indicators.params import IndicatorParams
from indicators.snapshot import FeedHealth, HourBar, HourVerdict, LiquidationSnapshot, Mood, Snapshot, WindowTotals
from indicators.windows import WINDOWS, LiquidationWindows, WindowView, hour_of, storm_of

TOTAL = "TOTAL"  # the total market cap as a mood series
MARKETCAP_FEED = "marketcap"
HOURLY_BARS = 48
CLOCK_SKEW_MS = 2000
# Per-base hourly liquidations are kept this long: a candle closes an hour
# and reads its hour's liquidations, and candles may arrive a little late.
_BASE_HOURS_KEEP = 48
_SYMBOL = attrgetter("symbol")
_BAI = attrgetter("bai")
_TOTAL = attrgetter("total_usd")
MEMORY_HOURS = 24  # the storm memory looks back this many hours, the current one included


class Engine:
    """Incremental indicator state for every pane of the UI and for ``report``."""

    def __init__(self, params: IndicatorParams | None = None, watchlist: Sequence[str] = (),
                 windows: Sequence[tuple[str, int]] = WINDOWS) -> None:
        """``windows``: the rolling windows to keep (label, seconds).  The UI
        wants all four; ``report`` keeps none (it computes its windows at the
        end of the recording itself) and skips their per-event cost."""
        self.params = params if params is not None else IndicatorParams()
        self.watchlist = tuple(watchlist)
        p = self.params
        self.liq = LiquidationWindows(windows)
        self.cap = CapRange(p.cap_range_days, p.cap_band or None, p.cap_range_min_days)
        self.leverage = Leverage(p)
        self.series: dict[str, MoodSeries] = {}
        self.events = 0
        self.newest_ts: int | None = None
        self.oldest_ts: int | None = None
        self._candle_source: dict[str, str] = {}  # symbol -> the venue whose 1h candles it follows
        self._prices: dict[str, tuple[int, float]] = {}  # symbols with a price but no candles yet
        self._bases: dict[str, str] = {}
        # hour open -> base -> [long_usd, short_usd]: what a closing candle reads for K.
        self._liq_base_hour: dict[int, dict[str, list[float]]] = {}
        self._base_hour_cut = 0
        self._total_bar: list | None = None  # [hour, high, low, close] of the TOTAL bar in progress
        self._status: dict[str, FeedStatus] = {}
        self._since: dict[str, int] = {}
        self._last_data: dict[str, int] = {}
        self._next_hour = 0
        self._hour_cache: dict[int, HourBar] = {}
        self._hour_cache_version = -1
        # The hours before the snapshot's own, once all closed (see _hourly).
        self._closed_key: tuple[int, int] | None = None
        self._closed_bars: tuple[HourBar, ...] = ()
        self._closed_baseline: float | None = None
        self._hourly_last: tuple[HourBar, ...] = ()
        # The LVR trend at the close of the last storm hour judged, by hour and samples.
        self._peak_trend: tuple[tuple[int, int, int], str] | None = None
        # The last snapshot's moods: as built (to see a change) and as sorted;
        # and the moods of symbols with a price or in the watchlist but no bars.
        self._mood_list: list[Mood] = []
        self._mood_tuple: tuple[Mood, ...] = ()
        self._blank_moods: dict[str, Mood] = {}
        # Called with the end (ms) of each hour the data clock leaves (report uses it).
        self.hour_listeners: list[Callable[[int], None]] = []
        # Liquidations queued by apply_many, not yet in the totals (see _settle).
        self._pending: list[Liquidation] = []
        # The codes a batch's pair column is in (listeners read names through them).
        self.pair_codes = PairCodes()
        # Called with every batch of liquidations as it is folded, as columns (report uses it).
        self.batch_listeners: list[Callable[[LiquidationBatch], None]] = []
        # Below this many, numpy's per-call cost outweighs folding in bulk.
        self.batch_min = 64
        # Liquidations, the common kind, are handled inline by apply and apply_many.
        self._dispatch = {
            Volume: self._on_volume,
            OpenInterest: self._on_open_interest,
            Candle: self._on_candle,
            Price: self._on_price,
            MarketCap: self._on_market_cap,
            FeedStatus: self._on_feed_status,
        }

    # -- events ------------------------------------------------------------

    def apply(self, ev: Event) -> None:
        """One event, the plain way; ``apply_many`` is the same in one loop."""
        self.events += 1
        ts = ev.ts
        if self.newest_ts is None or ts > self.newest_ts:
            if ts >= self._next_hour and self.newest_ts is not None:
                self._close_hour(self._next_hour)
            self.newest_ts = ts
            self._next_hour = ts - ts % HOUR_MS + HOUR_MS
        if self.oldest_ts is None or ts < self.oldest_ts:
            self.oldest_ts = ts
        if type(ev) is Liquidation:
            self._on_liquidation(ev)
        else:
            self._dispatch[type(ev)](ev)

    def _close_hour(self, end: int) -> None:
        """The data clock left the hour ending at ``end``: take the hourly samples.

        Hours without any event in between (a gap in the recording) are not
        sampled: silence there is missing data, not a quiet market."""
        self._settle()
        liq = self.liq
        if liq.first_ts is not None and liq.first_ts <= end - HOUR_MS:
            pairs = liq.hour_pairs if liq.pairs_hour == end - HOUR_MS else {}
            self.leverage.on_hour(end, pairs)
        for listener in self.hour_listeners:
            listener(end)

    def apply_many(self, events: Iterable[Event]) -> int:
        """Apply events in order, exactly as ``apply`` on each; returns how many.

        This is the path of the UI's pipeline and of ``report``.  A busy tape
        is three quarters liquidations, and they only add to totals, so they
        are queued here and folded in one go (``_settle``) just before
        anything reads those totals: an hour closing, a candle or a market-cap
        bar taking its hour's liquidations, a snapshot, the end of the call.
        Prices, the next most common kind, are handled inline.  A property
        test holds this to ``apply``."""
        pend = self._pending.append
        last_data = self._last_data
        dispatch = self._dispatch
        series_of = self.series.get
        newest, oldest, next_hour = self.newest_ts, self.oldest_ts, self._next_hour
        n = 0
        try:
            for ev in events:
                n += 1
                ts = ev[0]
                if newest is None or ts > newest:
                    if ts >= next_hour and newest is not None:
                        self._close_hour(next_hour)
                    newest = self.newest_ts = ts
                    next_hour = self._next_hour = ts - ts % HOUR_MS + HOUR_MS
                    if oldest is None:
                        oldest = self.oldest_ts = ts
                elif ts < oldest:
                    oldest = self.oldest_ts = ts
                kind = type(ev)
                if kind is Liquidation:
                    pend(ev)
                elif kind is Price:  # _on_price, inline
                    ex = ev[1]
                    last = last_data.get(ex)
                    if last is None or ts > last:
                        last_data[ex] = ts
                    series = series_of(ev[2])
                    if series is not None:
                        series.on_price(ts, ev[3])
                    else:
                        self._prices[ev[2]] = (ts, ev[3])
                else:
                    dispatch[kind](ev)
        finally:
            self.events += n
            self._settle()
        return n

    def _settle(self) -> None:
        """Fold the queued liquidations into the totals (see ``apply_many``).

        In bulk when nothing slides per event (``report`` keeps no rolling
        window) and the batch is big enough to pay for numpy; else, and for
        batches that go back to a closed hour, one at a time.  Batch
        listeners (the report's collector) get every batch as columns."""
        if not self._pending:
            return
        evs = self._pending.copy()  # the same list stays queued to (apply_many holds its append)
        self._pending.clear()
        listeners = self.batch_listeners
        if not listeners and (self.liq.rolling or len(evs) < self.batch_min):
            for ev in evs:
                self._on_liquidation(ev)
            return
        b = LiquidationBatch.of(evs, self.pair_codes, HOUR_MS)
        if len(evs) >= self.batch_min and self.liq.can_take(b):
            self._take(b)
        else:
            for ev in evs:
                self._on_liquidation(ev)
        for listener in listeners:
            listener(b)

    def _take(self, b: LiquidationBatch) -> None:
        """``_on_liquidation`` on each event of a batch the windows can take, in bulk."""
        codes = self.pair_codes
        self.liq.take(b, codes.pairs)
        last_data = self._last_data
        ex = codes.exchange_of[b.pair]
        for e in np.unique(ex).tolist():
            name = codes.exchanges[e]
            newest = int(b.ts[ex == e].max())
            last = last_data.get(name)
            if last is None or newest > last:
                last_data[name] = newest
        bases = codes.base_of[b.pair]
        # Its hours never decrease (can_take), so none is behind the per-base cut.
        for h, a, e in b.runs():
            by_base = self._liq_base_hour.get(h)
            if by_base is None:
                by_base = self._liq_base_hour[h] = {}
                if h - HOUR_MS * _BASE_HOURS_KEEP > self._base_hour_cut:
                    self._prune_base_hours(h)
            fold_keyed(by_base, codes.bases, bases[a:e], b.usd[a:e], b.long[a:e], count=False)

    def _seen(self, feed: str, ts: int) -> None:
        last = self._last_data.get(feed)
        if last is None or ts > last:
            self._last_data[feed] = ts

    def _on_liquidation(self, ev: Liquidation) -> None:
        last = self._last_data.get(ev.exchange)
        if last is None or ev.ts > last:
            self._last_data[ev.exchange] = ev.ts
        self.liq.add(ev)
        base = self._bases.get(ev.symbol)
        if base is None:
            base = self._bases[ev.symbol] = base_of(ev.symbol)
        h = ev.ts - ev.ts % HOUR_MS
        if h < self._base_hour_cut:
            return
        by_base = self._liq_base_hour.get(h)
        if by_base is None:
            by_base = self._liq_base_hour[h] = {}
            if h - HOUR_MS * _BASE_HOURS_KEEP > self._base_hour_cut:
                self._prune_base_hours(h)
        cur = by_base.get(base)
        if cur is None:
            cur = by_base[base] = [0.0, 0.0]
        cur[0 if ev.side == "long" else 1] += ev.usd

    def _prune_base_hours(self, newest_hour: int) -> None:
        self._base_hour_cut = newest_hour - HOUR_MS * _BASE_HOURS_KEEP
        cut = self._base_hour_cut
        for h in [h for h in self._liq_base_hour if h < cut]:
            del self._liq_base_hour[h]

    def _on_volume(self, ev: Volume) -> None:
        self._seen(ev.exchange, ev.ts)
        self.leverage.on_volume(ev)

    def _on_open_interest(self, ev: OpenInterest) -> None:
        self._seen(ev.exchange, ev.ts)
        self.leverage.on_open_interest(ev)

    def _on_candle(self, ev: Candle) -> None:
        self._seen(ev.exchange, ev.ts)
        if ev.tf != "1h":
            return
        source = self._candle_source.setdefault(ev.symbol, ev.exchange)
        if source != ev.exchange:
            return  # one venue per symbol, so bars never interleave
        series = self.series.get(ev.symbol)
        if series is None:
            series = self.series[ev.symbol] = MoodSeries(ev.symbol, self.params)
            pending = self._prices.pop(ev.symbol, None)
            if pending is not None:
                series.on_price(*pending)
        base = self._bases.get(ev.symbol) or base_of(ev.symbol)
        long_liq, short_liq = self._liq_of_hour(base, ev.ts)
        series.add_bar(Bar(ev.ts, ev.high, ev.low, ev.close, ev.volume_usd, long_liq, short_liq))

    def _liq_of_hour(self, base: str | None, h: int) -> tuple[float | None, float | None]:
        """Observed (long, short) liquidations of an hour, None before coverage began."""
        self._settle()
        first = self.liq.first_ts
        if first is None or h + HOUR_MS <= first or h < self._base_hour_cut:
            return None, None
        if base is None:
            bar = self.liq.hourly.get(h)
            return (bar[0], bar[1]) if bar else (0.0, 0.0)
        cur = self._liq_base_hour.get(h, {}).get(base)
        return (cur[0], cur[1]) if cur else (0.0, 0.0)

    def _on_price(self, ev: Price) -> None:
        self._seen(ev.exchange, ev.ts)
        series = self.series.get(ev.symbol)
        if series is not None:
            series.on_price(ev.ts, ev.last)
        else:
            self._prices[ev.symbol] = (ev.ts, ev.last)

    def _on_market_cap(self, ev: MarketCap) -> None:
        self._seen(MARKETCAP_FEED, ev.ts)
        if self.cap.last is not None and ev.ts <= self.cap.last.ts:
            return
        self.cap.add(ev)
        self.leverage.on_market_cap(ev)
        h = hour_of(ev.ts)
        bar = self._total_bar
        series = self.series.get(TOTAL)
        if series is None:
            series = self.series[TOTAL] = MoodSeries(TOTAL, self.params)
        if bar is not None and h > bar[0]:
            long_liq, short_liq = self._liq_of_hour(None, bar[0])
            series.add_bar(Bar(bar[0], bar[1], bar[2], bar[3], None, long_liq, short_liq))
            bar = None
        if bar is None:
            self._total_bar = [h, ev.usd, ev.usd, ev.usd]
        else:
            bar[1] = max(bar[1], ev.usd)
            bar[2] = min(bar[2], ev.usd)
            bar[3] = ev.usd
        series.on_price(ev.ts, ev.usd)

    def _on_feed_status(self, ev: FeedStatus) -> None:
        prev = self._status.get(ev.feed)
        if prev is not None and ev.ts < prev.ts:
            return  # an older status than the one we hold says nothing new
        if prev is None or prev.state != ev.state:
            self._since[ev.feed] = ev.ts
        self._status[ev.feed] = ev

    # -- snapshot ------------------------------------------------------------

    def snapshot(self, now_ms: int | None = None) -> Snapshot:
        """Everything the UI shows, as of ``now_ms`` (default: the newest event).

        Events stamped up to CLOCK_SKEW_MS after ``now_ms`` count as now:
        venue clocks run a little ahead of ours, and a wall-clock snapshot
        should not hide the liquidation that just arrived.  ``as_of`` stays
        the clock the caller gave."""
        self._settle()
        as_of = now_ms if now_ms is not None else (self.newest_ts or 0)
        t = as_of
        if self.newest_ts is not None and t < self.newest_ts <= t + CLOCK_SKEW_MS:
            t = self.newest_ts
        views = self.liq.views(t)
        day = next((v for v in views if v.label == "24h"), None)
        liquidations = self._liquidations(t, views)
        return Snapshot(
            as_of=as_of,
            events=self.events,
            liquidations=liquidations,
            leverage=self.leverage.snapshot(t, (day.by_exchange, day.by_pair) if day else None,
                                            liquidations.storm is not None),
            cap=self.cap.snapshot(),
            moods=self._moods(t),
            feeds=self._feeds(),
        )

    def _liquidations(self, t: int, views: list[WindowView]) -> LiquidationSnapshot:
        liq = self.liq
        windows = tuple(
            WindowTotals(
                label=v.label,
                seconds=v.seconds,
                long_usd=v.long_usd,
                short_usd=v.short_usd,
                count=v.count,
                largest=v.largest,
                by_exchange=MappingProxyType(v.by_exchange),
                by_symbol=MappingProxyType(v.by_symbol),
            )
            for v in views
        )
        hourly = self._hourly(hour_of(t))
        current = hourly[-1]
        peak, quiet = self._memory(hourly, t)
        return LiquidationSnapshot(
            windows=windows,
            hourly=hourly,
            storm=current if current.storm else None,
            peak=peak,
            quiet=quiet,
            count=liq.count,
            usd=liq.usd,
            largest=liq.largest,
        )

    def _hourly(self, now_h: int) -> tuple[HourBar, ...]:
        """The last HOURLY_BARS hours, oldest first, the hour ``now_h`` last.

        Once every hour before ``now_h`` is closed (the newest liquidation is
        in ``now_h`` or later), those bars and the current hour's baseline
        change only with a late event into a closed hour (``past_version``):
        they are kept until then, and a snapshot computes the current hour's
        bar alone.  While that bar too is unchanged, the previous tuple is
        handed out again."""
        liq = self.liq
        newest = liq.newest_ts
        if newest is None or now_h > newest - newest % HOUR_MS:
            return tuple(self.hour_bar(now_h - i * HOUR_MS) for i in range(HOURLY_BARS - 1, -1, -1))
        key = (now_h, liq.past_version)
        if self._closed_key != key:
            self._closed_key = key
            self._closed_bars = tuple(self.hour_bar(now_h - i * HOUR_MS) for i in range(HOURLY_BARS - 1, 0, -1))
            self._closed_baseline = liq.baseline(now_h, self.params.storm_min_baseline_hours)
            self._hourly_last = ()
        current = self._hour_bar(now_h, self._closed_baseline)
        if not self._hourly_last or self._hourly_last[-1] != current:
            self._hourly_last = (*self._closed_bars, current)
        return self._hourly_last

    def _memory(self, hourly: tuple[HourBar, ...], t: int) -> tuple[HourVerdict | None, HourVerdict | None]:
        """(peak, quiet): the largest hour of the last MEMORY_HOURS (the current
        one included, the later on a tie) judged with the LVR trend at its
        close (as of ``t`` while it is the current hour), and the smallest closed hour among them (the current hour is
        still filling: it would always look quiet).  Only hours since coverage
        began count: before it nothing was watched.

        The storm stays on screen a day after its hour: "peak 21:00 $600M, 33x
        baseline, final harvest" beside "quiet 15:00 $12M"."""
        first = self.liq.first_ts
        if first is None:
            return None, None
        first_h = hour_of(first)
        day = [b for b in hourly[-MEMORY_HOURS:] if b.start >= first_h]
        if not day:
            return None, None
        newest_first = day[::-1]
        peak = max(newest_first, key=_TOTAL)
        closed = newest_first[1:]
        quiet = HourVerdict(min(closed, key=_TOTAL)) if closed else None
        if not peak.storm:
            return HourVerdict(peak), quiet
        trend = self._trend_at(min(t, peak.start + HOUR_MS))
        return HourVerdict(peak, trend, trend == "falling"), quiet

    def _trend_at(self, t: int) -> str:
        """The LVR trend word as of ``t``, kept while the hourly samples stay as they were."""
        samples = self.leverage.lvr_samples
        key = (t, len(samples), samples[-1][0] if samples else 0)
        if self._peak_trend is None or self._peak_trend[0] != key:
            self._peak_trend = (key, self.leverage.trend(t)[0])
        return self._peak_trend[1]

    def hour_bar(self, h: int) -> HourBar:
        """One hour of liquidations with its storm verdict against its own baseline.

        A closed hour (and its baseline, the 24 hours before it) only changes
        when a late event lands in the past, so its bar is cached until then."""
        self._settle()
        liq = self.liq
        newest = liq.newest_ts
        closed = newest is not None and h < newest - newest % HOUR_MS
        if closed:
            if self._hour_cache_version != liq.past_version:
                self._hour_cache.clear()
                self._hour_cache_version = liq.past_version
            cached = self._hour_cache.get(h)
            if cached is not None:
                return cached
        bar = self._hour_bar(h, liq.baseline(h, self.params.storm_min_baseline_hours))
        if closed:
            if len(self._hour_cache) > 4 * HOURLY_BARS:
                self._hour_cache.clear()
            self._hour_cache[h] = bar
        return bar

    def _hour_bar(self, h: int, baseline: float | None) -> HourBar:
        p = self.params
        bar = self.liq.hourly.get(h)
        lg, sh, n = (bar[0], bar[1], bar[2]) if bar else (0.0, 0.0, 0)
        storm, multiple = storm_of(lg + sh, baseline, p.storm_multiple, p.storm_min_usd)
        return HourBar(start=h, long_usd=lg, short_usd=sh, count=n, storm=storm, multiple=multiple)

    def _moods(self, t: int) -> tuple[Mood, ...]:
        """Every series' mood, the highest BAI first (then by symbol).

        A tick changes a few moods at most (a price tick rebuilds one series'
        mood, the others are the objects ``mood`` cached), so while every mood
        is the one of the previous snapshot its sorted tuple is handed out
        again: no sort, and an identical object the UI need not redraw."""
        out: dict[str, Mood] = {sym: series.mood(t) for sym, series in self.series.items()}
        for sym, (_ts, last) in self._prices.items():
            if sym not in out:
                out[sym] = self._blank_mood(sym, last)
        for sym in self.watchlist:
            if sym not in out:
                out[sym] = self._blank_mood(sym, None)
        built = list(out.values())
        if built != self._mood_list:
            # Two sorts on C-level keys, stable, make the order (-bai, symbol)
            # at a third of the cost of one sort on a Python key.
            moods = sorted(built, key=_SYMBOL)
            moods.sort(key=_BAI, reverse=True)
            self._mood_list, self._mood_tuple = built, tuple(moods)
        return self._mood_tuple

    def _blank_mood(self, sym: str, price: float | None) -> Mood:
        """The mood of a symbol without bars (a price at most), kept while its price stays."""
        m = self._blank_moods.get(sym)
        if m is None or m.price != price:
            m = self._blank_moods[sym] = Mood(symbol=sym, price=price)
        return m

    def _feeds(self) -> tuple[FeedHealth, ...]:
        # The supervisor's reachability signal is not a feed: it is not listed.
        names = sorted((set(self._status) | set(self._last_data)) - {VENUES_STATUS})
        out = []
        for name in names:
            st = self._status.get(name)
            if st is None:
                # Data but no status event (a plain recording): the feed delivered, so it was live.
                out.append(FeedHealth(feed=name, state="live", last_data=self._last_data.get(name)))
            else:
                out.append(FeedHealth(feed=name, state=st.state, detail=st.detail,
                                      since=self._since.get(name, st.ts), last_data=self._last_data.get(name)))
        return tuple(out)
