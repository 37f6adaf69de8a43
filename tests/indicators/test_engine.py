"""The engine: every part of the snapshot filled from events, feed health, as-of queries."""

from __future__ import annotations

from feeds.events import VENUES_STATUS, Candle, FeedStatus, Liquidation, MarketCap, OpenInterest, Price, Volume
from indicators.engine import TOTAL, Engine
from indicators.snapshot import Snapshot

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

