"""The engine: every part of the snapshot filled from events, feed health, as-of queries."""

from __future__ import annotations

import pytest

from feeds.events import VENUES_STATUS, Candle, FeedStatus, Liquidation, MarketCap, OpenInterest, Price, Volume
from indicators.engine import TOTAL, Engine
from indicators.snapshot import SideTotals, Snapshot

H = 3_600_000
T0 = 1_700_000_000_000 - 1_700_000_000_000 % H


def test_empty_engine_gives_an_empty_snapshot():
    snap = Engine(watchlist=["BTC/USDT:USDT"]).snapshot()
    assert isinstance(snap, Snapshot)
    assert snap.events == 0 and snap.cap is None
    assert [w.label for w in snap.liquidations.windows] == ["1h", "4h", "12h", "24h"]
    assert len(snap.liquidations.hourly) == 48
    assert [m.symbol for m in snap.moods] == ["BTC/USDT:USDT"]


def test_snapshot_is_filled_and_taken_as_of_now():
    e = Engine()
    e.apply_many([
        FeedStatus(T0, "binance", "connecting"),
        FeedStatus(T0 + 1, "binance", "live", "stream open"),
        Liquidation(T0 + 1000, "binance", "BTC/USDT:USDT", "long", 90000, 1, 90000.0),
        Liquidation(T0 + 2 * H, "bybit", "ETH/USDT:USDT", "short", 3000, 10, 30000.0),
        Volume(T0 + 2 * H, "binance", "*", 1e9),
        OpenInterest(T0 + 2 * H, "binance", "BTC/USDT:USDT", 5e9),
        MarketCap(T0 + 2 * H, "coingecko", 3.5e12),
        Price(T0 + 2 * H, "okx", "SOL/USDT:USDT", 150.0),
    ])
    snap = e.snapshot()
    assert snap.as_of == T0 + 2 * H and snap.events == 8
    one_h = snap.liquidations.window("1h")
    day = snap.liquidations.window("24h")
    assert (one_h.count, one_h.short_usd, one_h.long_usd) == (1, 30000.0, 0.0)
    assert (day.count, day.total_usd) == (2, 120000.0)
    assert dict(day.by_exchange) == {"binance": (90000.0, 0.0), "bybit": (0.0, 30000.0)}
    assert dict(day.by_symbol) == {"BTC/USDT:USDT": (90000.0, 0.0), "ETH/USDT:USDT": (0.0, 30000.0)}
    assert day.largest.usd == 90000.0
    assert snap.liquidations.hourly[-1].start == T0 + 2 * H
    assert snap.liquidations.hourly[-3].long_usd == 90000.0
    # Only binance's volume is known (a venue total): LVR covers binance alone.
    assert snap.leverage.lvr_24h == 90000.0 / 1e9 * 1e9
    assert snap.leverage.oi_usd == 5e9
    # One sample is no range: it is forming, and places the cap nowhere.
    assert snap.cap.usd == 3.5e12 and snap.cap.state == "forming" and snap.cap.position is None
    assert {m.symbol for m in snap.moods} == {"SOL/USDT:USDT", TOTAL}
    feeds = {f.feed: f for f in snap.feeds}
    assert feeds["binance"].state == "live" and feeds["binance"].since == T0 + 1
    assert feeds["binance"].last_data == T0 + 2 * H
    assert feeds["bybit"].last_data == T0 + 2 * H and feeds["marketcap"].last_data == T0 + 2 * H
    # An hour later the 1h window is empty, the 24h one is not.
    later = e.snapshot(T0 + 3 * H)
    assert later.liquidations.window("1h").count == 0
    assert later.liquidations.window("24h").count == 2


def test_candles_make_a_mood_with_its_why():
    e = Engine()
    for i in range(48):
        e.apply(Candle(T0 + i * H, "binance", "X/USDT:USDT", "1h", 1.0, 1.05, 0.95 + 0.001 * i, 1.0, 1e6))
    e.apply(Price(T0 + 48 * H + 1, "binance", "X/USDT:USDT", 0.9))
    (mood,) = [m for m in e.snapshot().moods if m.symbol == "X/USDT:USDT"]
    assert mood.floor == 0.95 and mood.state == "breached"
    assert mood.breach_pct > 5 and 0 < mood.maturity < 1


def test_a_clock_a_little_behind_the_venue_still_shows_the_newest_liquidation():
    e = Engine()
    e.apply(Liquidation(T0 + 10_500, "binance", "BTC/USDT:USDT", "long", 1, 1, 5.0))
    snap = e.snapshot(T0 + 9_000)  # our clock 1.5 s behind the venue's
    assert snap.as_of == T0 + 9_000
    assert snap.liquidations.window("1h").count == 1
    # Far behind, the window is taken as of that clock.
    assert e.snapshot(T0 + 5_000).liquidations.window("1h").count == 0


def test_the_venue_reachability_signal_is_not_listed_as_a_feed():
    """The status line and the status file count feeds from Snapshot.feeds."""
    e = Engine()
    e.apply_many([
        FeedStatus(1_000, "binance", "down", "refused"),
        FeedStatus(1_000, VENUES_STATUS, "down", "no venue can be reached"),
    ])  # fmt: skip
    assert [f.feed for f in e.snapshot(2_000).feeds] == ["binance"]



def _falling_then_a_storm(e: Engine) -> int:
    """16 days of shrinking liquidations on a steady volume (LVR falling), then
    a $500M hour: a storm on a falling LVR.  Returns the storm's hour."""
    from tests.indicators.test_leverage import T0 as start
    from tests.indicators.test_leverage import hourly_story

    hourly_story(e, 16 * 24, lambda i: 4e6 if 48 <= i < 72 else 1e6 * 0.995 ** i)
    storm_h = start + 16 * 24 * H
    e.apply_many([
        Liquidation(storm_h + 10, "okx", "BTC/USDT:USDT", "long", 1, 1, 300e6),
        Liquidation(storm_h + 20, "bybit", "ETH/USDT:USDT", "short", 1, 1, 200e6),
    ])  # fmt: skip
    return storm_h


def test_the_final_harvest_is_one_rule_for_the_snapshot_and_the_report_view():
    screen, report = Engine(), Engine(rolling=False)
    storm_h = _falling_then_a_storm(screen)
    assert _falling_then_a_storm(report) == storm_h
    assert screen.snapshot().leverage.final_harvest and screen.snapshot().liquidations.storm.start == storm_h
    last = report.report_view().hours[-1]
    assert last.bar.start == storm_h and last.bar.storm
    assert (last.lvr_trend, last.final_harvest) == ("falling", True)
    assert not any(v.final_harvest for v in report.report_view().hours[:-1])


def test_the_report_view_hands_out_what_report_reads():
    e = Engine(rolling=False)
    storm_h = _falling_then_a_storm(e)
    for i in range(30):  # candles: a mood series with its peaks
        e.apply(Candle(storm_h - (30 - i) * H, "binance", "X/USDT:USDT", "1h", 1.0, 1.05, 0.95, 1.0, 1e6))
    view = e.report_view()
    assert view.as_of == e.newest_ts
    assert list(view.by_exchange) == ["binance", "okx", "bybit"]  # by first liquidation
    assert view.by_exchange["okx"] == SideTotals(300e6, 0.0, 1)
    assert view.by_exchange["bybit"] == SideTotals(0.0, 200e6, 1)
    assert view.by_exchange["binance"].count == 16 * 24
    assert view.long_usd == 300e6 + view.by_exchange["binance"].long_usd
    assert [ev.usd for ev in view.top[:2]] == [300e6, 200e6] and len(view.top) == 10
    assert view.top[0] is e.snapshot().liquidations.largest
    # The storm, and the story's liquidation half an hour before the hour.
    assert view.windows["1h"] == SideTotals(300e6 + 1e6 * 0.995 ** 383, 200e6, 3)
    assert view.windows["24h"].count == 2 + 24
    assert [v.bar.start for v in view.hours] == list(range(storm_h - 16 * 24 * H, storm_h + H, H))
    assert set(view.peaks) == {"X/USDT:USDT"}  # one series (no market cap in this story)
    # Binance's volume only: its last-day liquidations per 1B traded.
    assert view.lvr_24h == pytest.approx(sum(1e6 * 0.995 ** i for i in range(16 * 24 - 24, 16 * 24)) / 24e9 * 1e9)
    with pytest.raises(ValueError):
        Engine().report_view()  # the UI's shape keeps no last day


def test_a_feed_status_never_moves_the_data_clock():
    """A wall-clock status in a recording of older data (issue 13): the data
    clock, and so every window, stays the data's, one event at a time or many."""
    t0 = 1_700_000_000_000
    events = [Liquidation(t0, "binance", "BTC/USDT:USDT", "long", 1.0, 1.0, 100.0),
              FeedStatus(t0 + 60 * 86_400_000, "binance", "live"),
              Liquidation(t0 + 1000, "binance", "BTC/USDT:USDT", "long", 1.0, 1.0, 100.0)]
    one, many = Engine(), Engine()
    for ev in events:
        one.apply(ev)
    many.apply_many(events)
    for e in (one, many):
        assert (e.oldest_ts, e.newest_ts, e.events) == (t0, t0 + 1000, 3)
        assert e.snapshot().as_of == t0 + 1000
