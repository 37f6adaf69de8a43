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

from feeds.events import Event, Liquidation
from indicators.engine import Engine
from indicators.params import IndicatorParams
from indicators.snapshot import EUPHORIA_BANDS, HourVerdict, ReportView, SideTotals, Snapshot, band
from indicators.windows import WINDOWS


def _liq(ev: Liquidation) -> dict[str, Any]:
    return {"ts": ev.ts, "exchange": ev.exchange, "symbol": ev.symbol, "side": ev.side, "usd": ev.usd}


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
    """Run events through a fresh engine and summarise them (stable keys first).

    The engine in the report's shape (no rolling window: liquidations folded
    in bulk, the last day kept as columns) and read once at the end of the
    recording: its snapshot, and its report view for the rest."""
    engine = Engine(params, rolling=False)
    with _collector_paused():
        n = engine.apply_many(events)
    end_ts = engine.newest_ts
    if end_ts is None:
        return _empty_report()
    return _assemble(n, engine.oldest_ts, engine.snapshot(end_ts), engine.report_view(end_ts))


def _sides(v: SideTotals) -> dict[str, Any]:
    return {"long_usd": v.long_usd, "short_usd": v.short_usd, "count": v.count}


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
                         "by_exchange": {}, "windows": {label: _sides(SideTotals()) for label, _seconds in WINDOWS},
                         "hourly": [], "storms": [], "top": []},
        "market_cap": None,
        "anxiety": {},
        "leverage": {"lvr_24h": None},
    }


def _assemble(n: int, start_ts: int | None, snap: Snapshot, view: ReportView) -> dict[str, Any]:
    liq = snap.liquidations
    # Every UTC hour from the first liquidation on, quiet ones included.
    hourly = [_hour(v) for v in view.hours]
    storms = [h for h in hourly if h["storm"]]
    cap = snap.cap
    lev = snap.leverage
    anxiety: dict[str, dict[str, Any]] = {}
    for m in snap.moods:
        peaks = view.peaks.get(m.symbol)
        if peaks is None:
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
            "broke_at": m.broke_at,  # the floor is a broken one (the episode's anchor) since then
            "ceiling_broke_at": m.ceiling_broke_at,
            "peak_bai": peaks.bai,
            "peak_bai_ts": peaks.bai_ts,
            "peak_euphoria": peaks.euphoria,
            "peak_euphoria_ts": peaks.euphoria_ts,
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
        "end_ts": view.as_of,
        "liquidations": {
            "count": liq.count,
            "usd": liq.usd,
            "long_usd": view.long_usd,
            "short_usd": view.short_usd,
            "largest": _liq(liq.largest) if liq.largest else None,
            "by_exchange": {ex: _sides(v) for ex, v in sorted(view.by_exchange.items())},
            "windows": {label: _sides(v) for label, v in view.windows.items()},
            "hourly": hourly,
            "storms": storms,
            "top": [_liq(ev) for ev in view.top],
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
            "covered_days": cap.covered_days,
        },
        "anxiety": anxiety,
        "anxiety_peaks": peaks,
        "leverage": {
            "lvr_24h": view.lvr_24h,
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
