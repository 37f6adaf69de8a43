"""Leverage retreat: liquidations per volume (LVR), open interest, the flush.

The article's argument is not the size of the storm but that "liquidation
volume [keeps] decreasing under equivalent trading volume": leverage is
leaving.  So LVR relates liquidations to the volume of the *same* venues and
symbols (a venue that reports a whole-venue total ``*`` is counted once, by
that total, never again by its symbols), and its trend compares medians of
hourly samples, which a single storm hour cannot move.

Samples are taken once per hour when the data clock crosses an hour (the
engine calls ``on_hour``), from the liquidation windows, so no per-event work
happens here beyond keeping the latest volume and OI per venue/symbol.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from itertools import islice
from operator import itemgetter, le
from statistics import median
from typing import Mapping, Sequence

import math

import numpy as np

from feeds.events import DAY_MS, HOUR_MS, MarketCap, OpenInterest, Volume
from indicators.batch import Pair
from indicators.history import MAX, Buckets
from indicators.hourly import final_harvest
from indicators.params import IndicatorParams
from indicators.snapshot import LeverageSnapshot

PER_BILLION = 1e9
VENUE_TOTAL = "*"
# Fewest hourly samples on each side of a trend comparison.
MIN_TREND_SAMPLES = 6
_TS = itemgetter(0)
_VALUE = itemgetter(1)


def _values_in(samples: list[tuple[int, float]], tss: list[int] | None, lo: float, hi: float) -> list[float]:
    """The values of the samples with lo < ts <= hi, in order; ``tss``: their
    timestamps when those are in order (then bisected), else None."""
    if tss is None:
        return [v for ts, v in samples if lo < ts <= hi]
    return list(map(_VALUE, samples[bisect_right(tss, lo):bisect_right(tss, hi)]))


def lvr(by_pair: Mapping[Pair, Sequence[float]], volumes: Mapping[Pair, float], hours: float = 24.0,
        by_exchange: Mapping[str, Sequence[float]] | None = None) -> float | None:
    """USD liquidated per 1B USD traded over ``hours``, on the pairs that have volume.

    ``by_pair`` maps (exchange, symbol) to (long_usd, short_usd, ...);
    ``volumes`` to the latest rolling 24 h volume (``*`` = the whole venue).
    With ``by_exchange`` (the same liquidations per venue), a whole venue is
    read from it and ``by_pair`` is only looked up, never walked.
    """
    # Ordered (a dict, not a set), so that the venues' sum below comes out
    # the same whatever the interpreter's hash seed.
    whole = dict.fromkeys(ex for ex, sym in volumes if sym == VENUE_TOTAL)
    traded = 0.0
    for (ex, sym), usd in volumes.items():
        if sym == VENUE_TOTAL or ex not in whole:
            traded += usd
    traded *= hours / 24.0
    if traded <= 0:
        return None
    liquidated = 0.0
    if by_exchange is None:
        for key, v in by_pair.items():
            if key[0] in whole or key in volumes:
                liquidated += v[0] + v[1]
    else:
        for ex in whole:
            v = by_exchange.get(ex)
            if v is not None:
                liquidated += v[0] + v[1]
        for key in volumes:
            if key[0] not in whole:
                v = by_pair.get(key)
                if v is not None:
                    liquidated += v[0] + v[1]
    return liquidated / traded * PER_BILLION


def _covered(by_pair: Mapping[Pair, Sequence[float]], oi: Mapping[Pair, float]) -> float:
    return sum(v[0] + v[1] for key, v in by_pair.items() if key in oi)


class Leverage:
    """LVR samples and trend, open interest and its changes, the flush flag."""

    def __init__(self, params: IndicatorParams) -> None:
        self.p = params
        self.volumes: dict[Pair, float] = {}
        self.oi: dict[Pair, float] = {}
        self.oi_total = 0.0
        self.cap_usd: float | None = None
        keep = int(max(params.lvr_peak_days, params.lvr_median_days + params.lvr_trend_days) * 24) + 48
        # (hour end ms, value): hourly LVR, total OI, hourly liquidations / OI.
        self.lvr_samples: deque[tuple[int, float]] = deque(maxlen=keep)
        self.oi_samples: deque[tuple[int, float]] = deque(maxlen=8 * 24 + 2)
        self.liq_oi_samples: deque[tuple[int, float]] = deque(maxlen=7 * 24)
        self._days = math.ceil(params.lvr_peak_days)
        self._daily_key: tuple | None = None
        self._daily = Buckets(DAY_MS, self._days, MAX)

    def on_volume(self, ev: Volume) -> None:
        if ev.usd_24h >= 0:
            self.volumes[(ev.exchange, ev.symbol)] = ev.usd_24h

    def on_open_interest(self, ev: OpenInterest) -> None:
        key = (ev.exchange, ev.symbol)
        self.oi_total += ev.usd - self.oi.get(key, 0.0)
        self.oi[key] = ev.usd

    def on_market_cap(self, ev: MarketCap) -> None:
        self.cap_usd = ev.usd

    def load_samples(self, lvr: list[tuple[int, float]], oi: list[tuple[int, float]]) -> None:
        """Warm start from stored hourly samples (oldest first)."""
        self.lvr_samples.extend(lvr)
        self.oi_samples.extend(oi)

    def on_hour(self, end: int, hour_by_pair: Mapping[Pair, Sequence[float]]) -> None:
        """The UTC hour ending at ``end`` is over: take its samples.

        ``hour_by_pair``: that hour's liquidations per (exchange, symbol)."""
        value = lvr(hour_by_pair, self.volumes, hours=1.0)
        if value is not None:
            self.lvr_samples.append((end, value))
        if self.oi:
            self.oi_samples.append((end, self.oi_total))
            if self.oi_total > 0:
                self.liq_oi_samples.append((end, _covered(hour_by_pair, self.oi) / self.oi_total))

    # -- reading ------------------------------------------------------------

    def lvr_24h(self, by_pair: Mapping[Pair, Sequence[float]],
                by_exchange: Mapping[str, Sequence[float]] | None = None) -> float | None:
        """LVR over the last 24 h of liquidations (see ``lvr``) against the latest volumes."""
        return lvr(by_pair, self.volumes, by_exchange=by_exchange)

    def trend(self, t: int) -> tuple[str, float | None, float | None, int | None, float | None]:
        """(trend word, median now, median then, falling since, lag in days).

        The median over lvr_median_days now against the same median
        lvr_trend_days ago.  With a shorter history both spans shrink to half
        of what is covered (at least MIN_TREND_SAMPLES hours each), so a young
        recording compares its later half with its earlier half; the lag used
        is returned so the UI can say so.

        Every snapshot asks, over up to lvr_peak_days of hourly samples (720
        for 30 days): the spans are cut by bisection when the samples are in
        time order (as ``on_hour`` appends them; a filter otherwise), and the
        peak search runs in numpy, with the same sums."""
        tss: list[int] | None = list(map(_TS, self.lvr_samples))
        if all(map(le, tss, islice(tss, 1, None))):
            n = bisect_right(tss, t)
            samples, tss = list(islice(self.lvr_samples, n)), tss[:n]
        else:
            samples, tss = [s for s in self.lvr_samples if s[0] <= t], None
        if len(samples) < 2 * MIN_TREND_SAMPLES:
            return "unknown", None, None, None, None
        span = self.p.lvr_median_days * DAY_MS
        lag = self.p.lvr_trend_days * DAY_MS
        covered = t - samples[0][0] + HOUR_MS
        if covered < span + lag:
            span = lag = covered / 2
        now_vals = _values_in(samples, tss, t - span, t)
        then_vals = _values_in(samples, tss, t - lag - span, t - lag)
        if len(now_vals) < MIN_TREND_SAMPLES or len(then_vals) < MIN_TREND_SAMPLES:
            return "unknown", None, None, None, None
        now_m, then_m = median(now_vals), median(then_vals)
        tol = self.p.lvr_flat_tolerance
        if now_m < then_m * (1 - tol):
            word = "falling"
        elif now_m > then_m * (1 + tol):
            word = "rising"
        else:
            word = "flat"
        since = self._peak_time(samples, tss, t - self.p.lvr_peak_days * DAY_MS) if word == "falling" else None
        return word, now_m, then_m, since, lag / DAY_MS

    @staticmethod
    def _peak_time(samples: list[tuple[int, float]], tss: list[int] | None, start: float) -> int | None:
        """When the 24 h LVR (the mean of 24 consecutive hourly samples) last
        peaked since ``start``: the end of that 24 h window.

        The 24 h figure, not the hourly one, so a single storm hour does not
        make a peak unless it outweighs a whole day (as a crash does).

        The running 24-sample sum is the first 24 summed, then each step adds
        the newest value less the oldest one, left to right
        (``np.add.accumulate`` adds in order, as a loop would); the peak is
        the last step at the highest sum (a later equal sum is the later
        peak).  A NaN sum (and every one after it: NaN absorbs) is passed
        over, as a loop's comparisons pass it over."""
        recent = samples[bisect_right(tss, start):] if tss is not None else [s for s in samples if s[0] > start]
        if len(recent) < 24:
            return None
        v = np.fromiter(map(_VALUE, recent), np.float64, len(recent))
        with np.errstate(invalid="ignore"):  # inf - inf is NaN, silently, as in Python
            sums = np.add.accumulate(np.concatenate(([sum(map(_VALUE, recent[:24]))], v[24:] - v[:-24])))
        nan = np.isnan(sums)
        if nan.any():
            sums = sums[:int(nan.argmax())]
            if len(sums) == 0:
                return recent[23][0]
        last = len(sums) - 1 - int((sums[::-1] == sums.max()).argmax())
        return recent[23 + last][0]

    def daily(self, t: int, falling_since: int | None) -> tuple[tuple[float | None, ...], int, int | None]:
        """(the LVR's picture over lvr_peak_days, the start of its first day,
        the index of the peak to mark).

        Each day holds the highest 24 h LVR (the mean of 24 consecutive hourly
        samples, as ``_peak_time`` reads it) of the windows that ended in it,
        so the tallest day is the one "falling since" names: the picture and
        the words point at the same day.  Rebuilt from the samples when they
        change (once an hour; a warm start replaces them wholesale), so it
        never drifts from them.  The peak marked is "falling since"'s day when
        the trend is falling, else the highest day."""
        samples = self.lvr_samples
        key = (len(samples), samples[0][0], samples[-1][0]) if samples else None
        if key != self._daily_key:
            self._daily_key = key
            self._daily = Buckets(DAY_MS, self._days, MAX)
            # A NaN or inf sample (no volume) is no picture: passed over, as the peak search does.
            ordered = [s for s in sorted(samples, key=_TS) if math.isfinite(s[1])]
            running = 0.0
            for i, (end, value) in enumerate(ordered):
                running += value
                if i >= 24:
                    running -= ordered[i - 24][1]
                if i >= 23:
                    self._daily.add(end, running / 24)
        values = self._daily.values(t)
        first = self._daily.first_start(t)
        if falling_since is not None:
            peak = (falling_since - first) // DAY_MS
            if 0 <= peak < len(values) and values[peak] is not None:
                return values, first, peak
        known = [(v, i) for i, v in enumerate(values) if v is not None]
        return values, first, max(known)[1] if known else None

    def _oi_change(self, t: int, back_ms: int) -> float | None:
        """Relative change of total OI from the latest sample at or before t - back."""
        then = None
        for ts, v in self.oi_samples:
            if ts <= t - back_ms:
                then = v
            else:
                break
        if then is None or then <= 0 or not self.oi:
            return None
        return self.oi_total / then - 1.0

    def flush(self, t: int, oi_change_24h: float | None, min_samples: int) -> bool:
        """OI down >= flush_oi_drop in 24 h while the hourly liquidations/OI of
        the last day reached flush_liq_oi_multiple x its 7-day median."""
        if oi_change_24h is None or oi_change_24h > -self.p.flush_oi_drop:
            return False
        ratios = [(ts, r) for ts, r in self.liq_oi_samples if ts <= t]
        if len(ratios) < min_samples:
            return False
        base = median(r for _, r in ratios)
        recent = max((r for ts, r in ratios if ts > t - DAY_MS), default=0.0)
        return base > 0 and recent >= self.p.flush_liq_oi_multiple * base

    def snapshot(self, t: int, day: tuple[Mapping[str, Sequence[float]], Mapping[Pair, Sequence[float]]] | None,
                 storm_now: bool) -> LeverageSnapshot:
        """``day``: the last 24 h of liquidations per exchange and per
        (exchange, symbol); None when the engine keeps no 24 h window."""
        word, now_m, then_m, since, lag_days = self.trend(t)
        oi = self.oi_total if self.oi else None
        change_24h = self._oi_change(t, DAY_MS)
        daily, daily_from, peak = self.daily(t, since)
        return LeverageSnapshot(
            lvr_24h=self.lvr_24h(day[1], day[0]) if day is not None else None,
            lvr_trend=word,
            lvr_median_7d=now_m,
            lvr_median_then=then_m,
            falling_since=since,
            oi_usd=oi,
            oi_change_24h=change_24h,
            oi_change_7d=self._oi_change(t, 7 * DAY_MS),
            oi_to_cap=oi / self.cap_usd if oi is not None and self.cap_usd else None,
            flush=self.flush(t, change_24h, self.p.storm_min_baseline_hours),
            final_harvest=final_harvest(storm_now, word),
            lvr_trend_days=lag_days,
            lvr_daily=daily,
            lvr_daily_from=daily_from if daily else None,
            lvr_peak_index=peak,
        )
