"""The storm memory: the last 24 hours' peak hour, with its verdict, beside the
quietest closed hour, for a day after the storm (the article's first sentence)."""

from __future__ import annotations

import pytest

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.events import HOUR_MS, Liquidation
from feeds.recording import read_events
from indicators.engine import Engine
from indicators.params import IndicatorParams

META = demo_metadata()
T0 = 1_700_000_000_000 - 1_700_000_000_000 % HOUR_MS


def liq(ts: int, usd: float) -> Liquidation:
    return Liquidation(ts, "binance", "BTC/USDT:USDT", "long", 1.0, usd, usd)


def engine_with(hours: dict[int, float]) -> Engine:
    """An engine fed one liquidation in each hour T0 + k hours of ``hours`` (k -> usd)."""
    e = Engine(IndicatorParams(storm_min_usd=100.0))
    e.apply_many(liq(T0 + k * HOUR_MS + 1000, usd) for k, usd in sorted(hours.items()))
    return e


def test_nothing_to_remember_before_any_liquidation():
    snap = Engine().snapshot(T0)
    assert snap.liquidations.peak is None and snap.liquidations.quiet is None


def test_the_storm_hour_is_the_peak_and_the_quiet_hour_is_a_closed_one():
    # 24 quiet hours of $10 (one of $5), then the storm at hour 24, then a small current hour.
    hours = {k: 10.0 for k in range(24)} | {9: 5.0, 24: 1000.0, 25: 1.0}
    snap = engine_with(hours).snapshot(T0 + 25 * HOUR_MS + 60_000)
    peak, quiet = snap.liquidations.peak, snap.liquidations.quiet
    assert peak.bar.start == T0 + 24 * HOUR_MS and peak.bar.storm and peak.bar.multiple == pytest.approx(100.0)
    # The current hour ($1 so far) is still filling: it is not the quiet hour.
    assert quiet.bar.start == T0 + 9 * HOUR_MS and quiet.bar.total_usd == 5.0
    # No LVR samples: the trend is unknown, so no final harvest.
    assert peak.lvr_trend == "unknown" and not peak.final_harvest


def test_the_current_hour_is_the_peak_while_it_is_the_storm():
    hours = {k: 10.0 for k in range(24)} | {24: 1000.0}
    snap = engine_with(hours).snapshot(T0 + 24 * HOUR_MS + 60_000)
    assert snap.liquidations.peak.bar.start == T0 + 24 * HOUR_MS
    assert snap.liquidations.peak.bar == snap.liquidations.storm


def test_the_storm_is_remembered_for_a_day_and_then_leaves():
    hours = {k: 10.0 for k in range(24)} | {24: 1000.0} | {k: 20.0 for k in range(25, 50)}
    e = engine_with(hours)
    # 23 hours after the storm hour it is still among the last 24 hours.
    assert e.snapshot(T0 + 47 * HOUR_MS + 1).liquidations.peak.bar.start == T0 + 24 * HOUR_MS
    # 24 hours after, it has left: the peak is a $20 hour, and not a storm.
    peak = e.snapshot(T0 + 48 * HOUR_MS + 1).liquidations.peak
    assert peak.bar.total_usd == 20.0 and not peak.bar.storm and not peak.final_harvest


def test_hours_before_coverage_are_not_quiet():
    e = engine_with({0: 50.0, 1: 70.0})
    quiet = e.snapshot(T0 + 2 * HOUR_MS + 1).liquidations.quiet
    assert quiet.bar.start == T0  # not one of the empty hours before the first liquidation


@pytest.fixture(scope="module")
def demo_after_storm():
    """The demo an hour and ten minutes after its storm hour began."""
    until = int(META["hour_600m_start"]) + 70 * 60_000
    e = Engine()
    e.apply_many(ev for ev in read_events(DEMO_RECORDING) if ev.ts <= until)
    return e.snapshot(until)


def test_the_demo_an_hour_after_its_storm_remembers_a_final_harvest(demo_after_storm):
    liq = demo_after_storm.liquidations
    storm = int(META["hour_600m_start"])
    truth = {h["start"]: h["long_usd"] + h["short_usd"] for h in META["truth"]["liquidations"]["hourly"]}
    assert liq.storm is None  # the storm hour is over...
    assert liq.peak.bar.start == storm and liq.peak.bar.storm  # ...and still on screen
    assert liq.peak.bar.total_usd == pytest.approx(META["truth"]["liquidations"]["hour_600m_usd"], rel=1e-9)
    assert liq.peak.bar.multiple == pytest.approx(33.3, abs=0.1)
    assert liq.peak.lvr_trend == "falling" and liq.peak.final_harvest
    # The quiet hour: the smallest closed hour of the last 24, by the generator's own totals.
    closed = [h for h in truth if storm - 22 * HOUR_MS <= h <= storm]
    want = min(closed, key=lambda h: (truth[h], -h))
    assert liq.quiet.bar.start == want
    assert liq.quiet.bar.total_usd == pytest.approx(truth[want], rel=1e-9)
