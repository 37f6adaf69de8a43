"""Liquidations per volume, open interest and the flush, on hand-made numbers."""

from __future__ import annotations

import pytest

from feeds.events import Liquidation, OpenInterest, Volume
from indicators.engine import Engine
from indicators.leverage import Leverage, lvr
from indicators.params import IndicatorParams

H = 3_600_000
DAY = 24 * H
T0 = 1_762_000_000_000 - 1_762_000_000_000 % H


def test_lvr_counts_a_venue_total_once_and_only_covered_pairs():
    volumes = {
        ("binance", "*"): 10e9,
        ("binance", "BTC/USDT:USDT"): 4e9,  # ignored: binance reports its total
        ("okx", "BTC/USDT:USDT"): 2e9,
    }
    by_pair = {
        ("binance", "BTC/USDT:USDT"): (1e6, 0.0),
        ("binance", "DOGE/USDT:USDT"): (0.0, 1e6),  # covered by binance's total
        ("okx", "BTC/USDT:USDT"): (0.5e6, 0.5e6),
        ("okx", "ETH/USDT:USDT"): (9e6, 0.0),  # okx ETH volume unknown: left out
        ("bybit", "BTC/USDT:USDT"): (9e6, 0.0),  # bybit volume unknown: left out
    }
    assert lvr(by_pair, volumes) == pytest.approx(3e6 / 12e9 * 1e9)
    # The engine's path: whole venues read from the per-exchange totals.
    by_exchange = {"binance": (1e6, 1e6), "okx": (9.5e6, 0.5e6), "bybit": (9e6, 0.0)}
    assert lvr(by_pair, volumes, by_exchange=by_exchange) == pytest.approx(3e6 / 12e9 * 1e9)
    assert lvr(by_pair, {}) is None


def hourly_story(e: Engine, hours: int, liq_per_hour, volume=24e9, oi=None):
    """One liquidation mid-hour, a volume snapshot and OI every hour."""
    for i in range(hours):
        t = T0 + i * H
        e.apply(Volume(t, "binance", "*", volume))
        if oi is not None:
            e.apply(OpenInterest(t + 1, "binance", "BTC/USDT:USDT", oi(i)))
        e.apply(Liquidation(t + H // 2, "binance", "BTC/USDT:USDT", "long", 1, 1, liq_per_hour(i)))
    e.apply(Volume(T0 + hours * H, "binance", "*", volume))  # closes the last hour


def test_trend_falling_since_the_peak():
    e = Engine()
    # 16 days: a peak on day 2, then liquidations shrinking on the same volume.
    hourly_story(e, 16 * 24, lambda i: 4e6 if 48 <= i < 72 else 1e6 * 0.995 ** i)
    lev = e.snapshot().leverage
    assert lev.lvr_trend == "falling" and lev.lvr_trend_days == 7.0
    assert lev.lvr_median_7d < lev.lvr_median_then
    assert T0 + 2 * DAY <= lev.falling_since <= T0 + 4 * DAY


def test_trend_rising_and_flat():
    rising = Engine()
    hourly_story(rising, 4 * 24, lambda i: 1e6 * 1.01 ** i)
    lev = rising.snapshot().leverage
    # Four days of history: the spans shrink to half of it each.
    assert lev.lvr_trend == "rising" and lev.lvr_trend_days == pytest.approx(2.0, abs=0.05)
    assert lev.falling_since is None
    flat = Engine()
    hourly_story(flat, 4 * 24, lambda i: 1e6)
    assert flat.snapshot().leverage.lvr_trend == "flat"
    young = Engine()
    hourly_story(young, 6, lambda i: 1e6)
    assert young.snapshot().leverage.lvr_trend == "unknown"


def test_open_interest_changes_and_the_flush():
    e = Engine()
    # Seven quiet days, then a day where OI drops 20 % and liquidations spike.
    hourly_story(e, 8 * 24, lambda i: 5e7 if i == 8 * 24 - 3 else 1e6,
                 oi=lambda i: 10e9 if i < 7 * 24 else 10e9 * (1 - 0.2 * (i - 7 * 24 + 1) / 24))
    lev = e.snapshot().leverage
    assert lev.oi_usd == pytest.approx(8e9)
    assert lev.oi_change_24h == pytest.approx(-0.2, abs=0.01)
    assert lev.oi_change_7d == pytest.approx(-0.2, abs=0.01)
    assert lev.flush


def test_no_flush_without_the_spike():
    e = Engine()
    hourly_story(e, 8 * 24, lambda i: 1e6,
                 oi=lambda i: 10e9 if i < 7 * 24 else 10e9 * (1 - 0.2 * (i - 7 * 24 + 1) / 24))
    assert e.snapshot().leverage.oi_change_24h < -0.1
    assert not e.snapshot().leverage.flush


def test_warm_start_from_stored_samples():
    lev = Leverage(IndicatorParams())
    lev.load_samples([(T0 + i * H, 2.0 - i / 400) for i in range(16 * 24)], [(T0, 1e9)])
    assert lev.trend(T0 + 16 * DAY)[0] == "falling"


def test_warm_start_hourly_totals_feed_the_storm_baseline():
    e = Engine()
    e.hours.load({T0 + i * H: (10e6, 10e6, 100) for i in range(24)})
    e.apply(Liquidation(T0 + 24 * H + 5, "binance", "BTC/USDT:USDT", "long", 1, 1, 70e6))
    storm = e.snapshot().liquidations.storm
    assert storm is not None and storm.multiple == pytest.approx(3.5)
