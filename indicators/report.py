"""``liqwatch report``: a recording run through the engine, summarised as plain data.

The stable JSON keys (issue 2) come first; everything else is an addition a
trader wants when reading a past storm: the storm hours with their multiple of
the baseline (and whether LVR was falling: the article's "final harvest"), the
largest single liquidations, and the anxiety and euphoria peaks with their
times.  Pure data in, a dict out: the CLI prints it, the tests read it.
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Any, Iterable, Iterator

import numpy as np

from feeds.events import DAY_MS, HOUR_MS, Event, Liquidation
from indicators.batch import LiquidationBatch, fold_keyed, running_sum
from indicators.engine import Engine
from indicators.leverage import lvr
from indicators.params import IndicatorParams
from indicators.snapshot import EUPHORIA_BANDS, Snapshot, band
from indicators.hourly import hour_of
from indicators.snapshot import HourVerdict
from indicators.windows import WINDOWS

TOP_LIQUIDATIONS = 10
# The engine keeps no rolling window: the report's windows are computed once,
# exact to the millisecond at end_ts, from the last day of liquidations.
REPORT_WINDOWS: tuple[tuple[str, int], ...] = ()
WINDOW_MS = {label: seconds * 1000 for label, seconds in WINDOWS}


def _liq(ev: Liquidation) -> dict[str, Any]:
    return {"ts": ev.ts, "exchange": ev.exchange, "symbol": ev.symbol, "side": ev.side, "usd": ev.usd}


class _Collector:
    """What the report needs beyond the engine's snapshot, gathered in the same pass.

    The engine hands it every batch of liquidations as columns; they are
    folded into the totals and the top list, and the last day is kept as
    columns too (a day of event objects would make every full garbage
    collection walk a quarter of a million of them).  Sums are taken in file
    order (indicators/batch.py), so the figures do not depend on batching."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.codes = engine.pair_codes
        self.long_usd = 0.0
        self.short_usd = 0.0
        self.by_exchange: dict[str, list] = {}  # exchange -> [long_usd, short_usd, count]
        self.top: list[tuple[float, int, Liquidation]] = []  # (usd, -position, event), largest first
        self._seen = 0  # liquidations folded so far: positions for the top list's ties
        # The last day of liquidations in file order, in chunks of columns
        # (ts, usd, long, pair code): windows exact to the millisecond at end_ts.
        self._chunks: list[tuple[np.ndarray, ...]] = []
        engine.hour_listeners.append(self._on_hour)
        engine.batch_listeners.append(self._on_batch)

    def _on_batch(self, b: LiquidationBatch) -> None:
        fold_keyed(self.by_exchange, self.codes.exchanges, self.codes.exchange_of[b.pair], b.usd, b.long)
        self.long_usd = running_sum(self.long_usd, b.usd[b.long])
        self.short_usd = running_sum(self.short_usd, b.usd[~b.long])
        # The largest first; of equal sizes, the earliest in the file.
        usd = b.usd
        k = len(usd) - TOP_LIQUIDATIONS
        candidates = np.flatnonzero(usd >= np.partition(usd, k)[k]) if k > 0 else np.arange(len(usd))
        best = candidates[np.lexsort((candidates, -usd[candidates]))][:TOP_LIQUIDATIONS].tolist()
        seen = self._seen
        top = self.top + [(float(usd[i]), -(seen + i), b.events[i]) for i in best]
        self.top = sorted(top, key=lambda t: (t[0], t[1]), reverse=True)[:TOP_LIQUIDATIONS]
        self._seen = seen + len(b)
        self._chunks.append((b.ts, b.usd, b.long, b.pair))

    def _on_hour(self, end: int) -> None:
        # Every window ends at or after this hour: the liquidations older than
        # a day before it are never read again, up to the first newer one (a
        # late event may sit behind a newer one: it goes at a later hour).
        cut = end - DAY_MS - 1000
        chunks = self._chunks
        while chunks:
            newer = chunks[0][0] > cut
            if not newer.any():
                del chunks[0]
                continue
            i = int(newer.argmax())
            if i:
                chunks[0] = tuple(col[i:] for col in chunks[0])
            break

    def last_day(self, end_ts: int) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str], list]]:
        """The windows ending at end_ts, and the last 24 h per (exchange, symbol)
        for LVR (each sum in file order)."""
        if not self._chunks:  # no liquidation at all
            self._chunks.append((np.zeros(0, np.int64), np.zeros(0), np.zeros(0, np.bool_), np.zeros(0, np.intp)))
        ts, usd, long, pair = (np.concatenate(col) for col in zip(*self._chunks))
        inside = ts <= end_ts
        windows = {}
        for label, ms in WINDOW_MS.items():
            sel = inside & (ts > end_ts - ms)
            windows[label] = {"long_usd": running_sum(0.0, usd[sel & long]),
                              "short_usd": running_sum(0.0, usd[sel & ~long]), "count": int(sel.sum())}
        day = inside & (ts > end_ts - DAY_MS)
        by_pair: dict[tuple[str, str], list] = {}
        fold_keyed(by_pair, self.codes.pairs, pair[day], usd[day], long[day])
        return windows, by_pair


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Python's cycle collector off for the replay, as it was after.

    A replay allocates a tuple per line, and the queued liquidations live
    long enough to be walked by collection after collection: a tenth of
    the report's time, for nothing, since nothing in the replay forms a
    reference cycle (memory is freed by reference counting as usual)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def build_report(events: Iterable[Event], params: IndicatorParams | None = None) -> dict[str, Any]:
    """Run events through a fresh engine and summarise them (stable keys first)."""
    engine = Engine(params, windows=REPORT_WINDOWS)
    col = _Collector(engine)
    with _collector_paused():
        n = engine.apply_many(events)
    end_ts = engine.newest_ts
    if end_ts is None:
        return _empty_report()
    snap = engine.snapshot(end_ts)
    return _assemble(n, engine.oldest_ts, end_ts, snap, engine, col)


def _hour(v: HourVerdict) -> dict[str, Any]:
    bar = v.bar
    out: dict[str, Any] = {"start": bar.start, "long_usd": bar.long_usd, "short_usd": bar.short_usd,
                           "count": bar.count, "storm": bar.storm, "multiple": bar.multiple}
    if bar.storm:
        out["lvr_trend"] = v.lvr_trend
        out["final_harvest"] = v.final_harvest
    return out


def _empty_report() -> dict[str, Any]:
    return {
        "events": 0,
        "start_ts": None,
        "end_ts": None,
        "liquidations": {"count": 0, "usd": 0.0, "long_usd": 0.0, "short_usd": 0.0, "largest": None,
                         "by_exchange": {}, "windows": {label: {"long_usd": 0.0, "short_usd": 0.0, "count": 0}
                                                        for label in WINDOW_MS},
                         "hourly": [], "storms": [], "top": []},
        "market_cap": None,
        "anxiety": {},
        "leverage": {"lvr_24h": None},
    }


def _assemble(n: int, start_ts: int | None, end_ts: int, snap: Snapshot, engine: Engine,
              col: _Collector) -> dict[str, Any]:
    liq = engine.liq
    windows, day_by_pair = col.last_day(end_ts)
    # Every UTC hour from the first liquidation on, quiet ones included.
    hourly = [_hour(v) for v in engine.hours.since_first(hour_of(end_ts), engine._lvr_trend)]
    storms = [h for h in hourly if h["storm"]]
    top = [_liq(ev) for _usd, _seq, ev in sorted(col.top, reverse=True)]
    cap = snap.cap
    lev = snap.leverage
    anxiety: dict[str, dict[str, Any]] = {}
    for m in snap.moods:
        series = engine.series.get(m.symbol)
        if series is None:
            continue  # a price without candles has no floor to fear for
        anxiety[m.symbol] = {
            "bai": m.bai,
            "euphoria": m.euphoria,
            "floor": m.floor,
            "band": m.bai_band,
            "euphoria_band": m.euphoria_band,
            "price": m.price,
            "state": m.state,
            "floor_age_days": m.floor_age_days,
            "touches": m.touches,
            "breach_pct": m.breach_pct,
            "round_level": m.round_level,
            "confirmation": m.confirmation,
            "maturity": m.maturity,
            "ceiling": m.ceiling,
            "extension_pct": m.extension_pct,
            "peak_bai": 100.0 * series.peak_bai,
            "peak_bai_ts": series.peak_bai_ts,
            "peak_euphoria": 100.0 * series.peak_euphoria,
            "peak_euphoria_ts": series.peak_euphoria_ts,
        }
    peaks = sorted(
        ({"symbol": s, "kind": kind, "score": a[f"peak_{kind}"], "ts": a[f"peak_{kind}_ts"],
          "band": band(a[f"peak_{kind}"]) if kind == "bai" else band(a[f"peak_{kind}"], EUPHORIA_BANDS)}
         for s, a in anxiety.items() for kind in ("bai", "euphoria") if a[f"peak_{kind}_ts"] is not None),
        key=lambda p: -p["score"],
    )
    return {
        "events": n,
        "start_ts": start_ts,
        "end_ts": end_ts,
        "liquidations": {
            "count": liq.count,
            "usd": liq.usd,
            "long_usd": col.long_usd,
            "short_usd": col.short_usd,
            "largest": _liq(liq.largest) if liq.largest else None,
            "by_exchange": {ex: {"long_usd": v[0], "short_usd": v[1], "count": v[2]}
                            for ex, v in sorted(col.by_exchange.items())},
            "windows": windows,
            "hourly": hourly,
            "storms": storms,
            "top": top,
        },
        "market_cap": None if cap is None else {
            "usd": cap.usd,
            "low": cap.low,
            "high": cap.high,
            "position": cap.position,
            "state": cap.state,
            "ts": cap.ts,
            "source": cap.source,
            "days_in_range": cap.days_in_range,
            "marks": list(cap.marks),
            "fixed_band": cap.fixed_band,
        },
        "anxiety": anxiety,
        "anxiety_peaks": peaks,
        "leverage": {
            "lvr_24h": lvr(day_by_pair, engine.leverage.volumes),
            "lvr_trend": lev.lvr_trend,
            "lvr_median_7d": lev.lvr_median_7d,
            "lvr_median_then": lev.lvr_median_then,
            "lvr_trend_days": lev.lvr_trend_days,
            "falling_since": lev.falling_since,
            "oi_usd": lev.oi_usd,
            "oi_change_24h": lev.oi_change_24h,
            "oi_change_7d": lev.oi_change_7d,
            "oi_to_cap": lev.oi_to_cap,
            "flush": lev.flush,
            "final_harvest": any(h.get("final_harvest") for h in storms),
        },
    }
