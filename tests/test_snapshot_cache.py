"""The snapshot's caches: what an event changes shows in the next snapshot,
and what it does not change is handed out again as the very same object.

Each cache is checked both ways: after an event that changes its part, the
part is new and right (compared with a fresh computation); after one that does
not, the part is the previous snapshot's object (or, at least, equal to it).
"""

from __future__ import annotations

from feeds.events import Candle, Liquidation, Price
from indicators.engine import Engine

H = 3_600_000
T0 = 1_700_000_000_000 - 1_700_000_000_000 % H


def _bars(e: Engine, symbol: str, n: int, low: float) -> None:
    for i in range(n):
        e.apply(Candle(T0 + i * H, "binance", symbol, "1h", 1.0, 1.05, low + 0.001 * i, 1.0, 1e6))


def _moods_engine() -> Engine:
    e = Engine(watchlist=["W/USDT:USDT"])
    _bars(e, "A/USDT:USDT", 48, 0.95)
    _bars(e, "B/USDT:USDT", 48, 0.95)
    e.apply(Price(T0 + 48 * H, "okx", "P/USDT:USDT", 2.0))  # a price, no bars yet
    return e


def test_moods_unchanged_are_the_same_tuple():
    e = _moods_engine()
    first = e.snapshot().moods
    assert e.snapshot().moods is first
    e.apply(Liquidation(T0 + 48 * H + 5, "binance", "A/USDT:USDT", "long", 1.0, 1.0, 10.0))
    assert e.snapshot().moods is first  # a liquidation moves no mood
    assert [m.symbol for m in first][-2:] == ["P/USDT:USDT", "W/USDT:USDT"]


def test_a_price_tick_reorders_the_moods():
    e = _moods_engine()
    before = e.snapshot().moods
    assert before[0].bai == before[1].bai and before[0].symbol == "A/USDT:USDT"  # a tie: by symbol
    e.apply(Price(T0 + 48 * H + 10, "binance", "B/USDT:USDT", 0.9))  # B breaks its floor
    after = e.snapshot().moods
    assert after is not before
    assert after[0].symbol == "B/USDT:USDT" and after[0].bai > 0 and after[0].price == 0.9
    assert after == tuple(sorted(after, key=lambda m: (-m.bai, m.symbol)))
    assert after[1] is before[0]  # A's mood did not change: the same object


def test_a_price_only_symbol_shows_its_new_price():
    e = _moods_engine()
    (p,) = [m for m in e.snapshot().moods if m.symbol == "P/USDT:USDT"]
    assert p.price == 2.0
    e.apply(Price(T0 + 48 * H + 20, "okx", "P/USDT:USDT", 2.5))
    (p,) = [m for m in e.snapshot().moods if m.symbol == "P/USDT:USDT"]
    assert p.price == 2.5


def _liq(ts: int, usd: float) -> Liquidation:
    return Liquidation(ts, "binance", "BTC/USDT:USDT", "long", 1.0, 1.0, usd)


def _hourly_engine() -> Engine:
    e = Engine()
    for i in range(30):
        e.apply(_liq(T0 + i * H + 60_000, 1000.0 + i))
    return e


def test_hourly_bars_kept_until_an_event_changes_them():
    e = _hourly_engine()
    now_h = T0 + 29 * H
    first = e.snapshot().liquidations.hourly
    assert first[-1].start == now_h and first[-1].long_usd == 1029.0
    assert e.snapshot().liquidations.hourly is first
    # In the current hour: its bar is new, the closed ones are the same objects.
    e.apply(_liq(now_h + 120_000, 5.0))
    second = e.snapshot().liquidations.hourly
    assert second[-1].long_usd == 1034.0 and second[-1].count == 2
    assert all(a is b for a, b in zip(first[:-1], second[:-1]))
    # Late, into a closed hour: that bar and the current baseline see it.
    e.apply(_liq(T0 + 10 * H + 5, 1e6))  # below the baseline's median, now above it
    third = e.snapshot().liquidations.hourly
    assert third[-20].start == T0 + 10 * H and third[-20].long_usd == 1e6 + 1010.0
    assert third[-1] == e.hour_bar(now_h)  # the same verdict as a fresh computation
    assert third[-1].multiple != second[-1].multiple  # the baseline moved with the late hour
    # The next hour: the bars shift by one.
    e.apply(_liq(now_h + H + 1, 7.0))
    fourth = e.snapshot().liquidations.hourly
    assert fourth[-1].start == now_h + H and fourth[-2].start == now_h and fourth[-2].long_usd == 1034.0


def test_hourly_bars_at_a_clock_past_the_newest_liquidation():
    e = _hourly_engine()
    later = T0 + 31 * H + 1
    bars = e.snapshot(later).liquidations.hourly
    assert bars[-1].start == T0 + 31 * H and bars[-1].count == 0
    assert bars[-3].long_usd == 1029.0
    assert bars == tuple(e.hour_bar(T0 + 31 * H - i * H) for i in range(47, -1, -1))
