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
