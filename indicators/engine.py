"""The engine: events in, immutable snapshots out.

One object that the UI, ``report`` and the benchmarks drive the same way:
``apply`` every event as it comes (synchronous, O(1) for the frequent kinds),
``snapshot(now_ms)`` on a timer.  The snapshot's windows are taken as of
``now_ms``: the UI passes the wall clock in live mode and the data clock in
replay; the default is the newest event seen.  ``report_view`` is the
report's: what a summary of a recording needs beyond the snapshot.

The engine's own jobs are the dispatch of events (liquidations queued and
folded in bulk where they can be), the data clock (the newest event, the
hours it leaves) and those two views.  The figures live in their homes:
``liq`` (windows.py: every liquidation totalled), ``hours`` (hourly.py: bars,
storms, the final harvest), ``leverage``, ``cap`` (caprange.py), ``health``
(feed health), and ``series``, one bottom-anxiety series per symbol
(anxiety.py), which the engine feeds with closed candles and prices.  Those
attributes may be read (warm start, the history, tests); the panes and the
report read only the two views.
"""

from __future__ import annotations

from operator import attrgetter
from types import MappingProxyType
from typing import Iterable, Sequence

from feeds.events import HOUR_MS, Candle, Event, FeedStatus, Liquidation, MarketCap, OpenInterest, Price, Volume
from indicators.anxiety import Bar, MoodSeries
from indicators.batch import LiquidationBatch, PairCodes, base_of
from indicators.caprange import CapRange
from indicators.health import MARKETCAP_FEED, FeedHealthBook
from indicators.hourly import HourlyLiquidations, SampledBars, hour_of
from indicators.leverage import Leverage
from indicators.params import IndicatorParams
from indicators.snapshot import LiquidationSnapshot, Mood, MoodPeaks, ReportView, SideTotals, Snapshot, WindowTotals
from indicators.windows import WINDOWS, LiquidationWindows, WindowView

TOTAL = "TOTAL"  # the total market cap as a mood series
CLOCK_SKEW_MS = 2000
_SYMBOL = attrgetter("symbol")
_BAI = attrgetter("bai")


class Engine:
    """Incremental indicator state for every pane of the UI and for ``report``."""

    # Fewer queued liquidations than this are folded one at a time: below it,
    # numpy's per-call cost outweighs folding in bulk.
    batch_min = 64

    def __init__(self, params: IndicatorParams | None = None, watchlist: Sequence[str] = (),
                 rolling: bool = True) -> None:
        """``rolling``: the UI's shape, the four windows rolling as of any
        clock.  ``report`` builds it with ``rolling=False``: no per-event cost
        for the windows, which ``report_view`` computes exactly at the end
        from the last day of liquidations, folded in bulk (batch.py)."""
        self.params = params if params is not None else IndicatorParams()
        self.watchlist = tuple(watchlist)
        p = self.params
        # The codes a batch's pair column is in.
        self._codes = PairCodes()
        self.liq = LiquidationWindows(WINDOWS, rolling, self._codes)
        self.hours = HourlyLiquidations(p)
        self.cap = CapRange(p.cap_range_days, p.cap_band or None, p.cap_range_min_days)
        self.leverage = Leverage(p)
        self.series: dict[str, MoodSeries] = {}
        self.events = 0
        self.newest_ts: int | None = None
        self.oldest_ts: int | None = None
        self._candle_source: dict[str, str] = {}  # symbol -> the venue whose 1h candles it follows
        self._prices: dict[str, tuple[int, float]] = {}  # symbols with a price but no candles yet
        self._bases: dict[str, str] = {}
        self._total_bars = SampledBars()  # the market cap's hourly bars: the TOTAL series' candles
        self.health = FeedHealthBook()
        self._seen = self.health.seen
        self._last_data = self.health.last_data  # written inline on the hot paths
        self._next_hour = 0
        # The last snapshot's moods: as built (to see a change) and as sorted;
        # and the moods of symbols with a price or in the watchlist but no bars.
        self._mood_list: list[Mood] = []
        self._mood_tuple: tuple[Mood, ...] = ()
        self._blank_moods: dict[str, Mood] = {}
        # Liquidations queued by apply_many, not yet in the totals (see _settle).
        self._pending: list[Liquidation] = []
        # Liquidations, the common kind, are handled inline by apply and apply_many.
        self._dispatch = {
            Volume: self._on_volume,
            OpenInterest: self._on_open_interest,
            Candle: self._on_candle,
            Price: self._on_price,
            MarketCap: self._on_market_cap,
            FeedStatus: self.health.on_status,
        }

    # -- events ------------------------------------------------------------

    def apply(self, ev: Event) -> None:
        """One event, the plain way; ``apply_many`` is the same in one loop.

        A ``feed_status`` never moves the data clock: its ts may be another
        clock's (a wall-clock status in a recording of older data)."""
        self.events += 1
        if type(ev) is FeedStatus:
            self.health.on_status(ev)
            return
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
        hours = self.hours
        if hours.covers(end - HOUR_MS):
            self.leverage.on_hour(end, hours.pairs_of(end - HOUR_MS))
        hours.left(end, self._lvr_trend)

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
                kind = type(ev)
                if kind is FeedStatus:  # never moves the data clock (see apply)
                    dispatch[kind](ev)
                    continue
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
        window) and the batch is big enough to pay for numpy; else one at a
        time.  The hourly bars take a batch that goes back to a closed hour
        one event at a time too."""
        if not self._pending:
            return
        evs = self._pending.copy()  # the same list stays queued to (apply_many holds its append)
        self._pending.clear()
        if self.liq.rolling or len(evs) < self.batch_min:
            for ev in evs:
                self._on_liquidation(ev)
            return
        codes = self._codes
        b = LiquidationBatch.of(evs, codes, HOUR_MS)
        self.liq.take(b)
        if self.hours.can_take(b):
            self.hours.take(b, codes)
        else:
            for ev in evs:
                self.hours.add(ev, self._base(ev.symbol))
        self.health.seen_batch(b, codes)

    def _on_liquidation(self, ev: Liquidation) -> None:
        last = self._last_data.get(ev.exchange)
        if last is None or ev.ts > last:
            self._last_data[ev.exchange] = ev.ts
        self.liq.add(ev)
        base = self._bases.get(ev.symbol)  # _base, inline: the UI's per-event path
        if base is None:
            base = self._bases[ev.symbol] = base_of(ev.symbol)
        self.hours.add(ev, base)

    def _base(self, symbol: str) -> str:
        base = self._bases.get(symbol)
        if base is None:
            base = self._bases[symbol] = base_of(symbol)
        return base

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
        return self.hours.liquidations_of(base, h)

    def _lvr_trend(self, t: int) -> str:
        return self.leverage.trend(t)[0]

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
        series = self.series.get(TOTAL)
        if series is None:
            series = self.series[TOTAL] = MoodSeries(TOTAL, self.params)
        closed = self._total_bars.add(ev.ts, ev.usd)
        if closed is not None:
            h, high, low, close = closed
            long_liq, short_liq = self._liq_of_hour(None, h)
            series.add_bar(Bar(h, high, low, close, None, long_liq, short_liq))
        series.on_price(ev.ts, ev.usd)

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
            feeds=self.health.snapshot(),
        )

    def report_view(self, now_ms: int | None = None) -> ReportView:
        """What ``report`` reads beyond the snapshot, as of ``now_ms`` (default:
        the newest event): all-time figures by venue, the largest liquidations,
        the windows exact to the millisecond, every hour with its verdict, the
        mood peaks, the 24 h LVR pair by pair.

        Only for the report's shape (``rolling=False``, else ValueError): the
        exact windows come from the last day kept as columns, for a clock at
        or after the newest liquidation's hour (the end of a recording)."""
        self._settle()
        t = now_ms if now_ms is not None else (self.newest_ts or 0)
        liq = self.liq
        windows, day_by_pair = liq.exact(t)
        return ReportView(
            as_of=t,
            long_usd=liq.long_usd,
            short_usd=liq.short_usd,
            by_exchange=MappingProxyType({ex: SideTotals(*v) for ex, v in liq.by_exchange.items()}),
            top=tuple(liq.top),
            windows=MappingProxyType(windows),
            hours=self.hours.since_first(hour_of(t), self._lvr_trend),
            peaks=MappingProxyType({sym: MoodPeaks(100.0 * m.peak_bai, m.peak_bai_ts, 100.0 * m.peak_euphoria,
                                                   m.peak_euphoria_ts) for sym, m in self.series.items()}),
            lvr_24h=self.leverage.lvr_24h(day_by_pair),
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
        hourly = self.hours.recent(hour_of(t))
        current = hourly[-1]
        # The current hour's verdict is the trend now, as the leverage pane's final harvest is.
        memory = self.hours.extremes(hour_of(t), lambda end: self._lvr_trend(min(end, t)))
        peak, quiet = memory if memory is not None else (None, None)
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
