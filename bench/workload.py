"""A synthetic, seeded market for the benchmarks: many symbols, a busy tape.

The mix is what a live session records: mostly liquidations (heavy-tailed
sizes, three venues, ``n_symbols`` perpetuals), live prices, open interest and
volume snapshots, hourly candles for every symbol and a market-cap sample a
minute.  About ``rate`` events per second of data time, so a million events
span a few days and the 24 h windows reach their steady state.
"""

from __future__ import annotations

import random
from typing import Iterator

from feeds.events import Candle, Event, Liquidation, MarketCap, OpenInterest, Price, Volume

EXCHANGES = ("binance", "bybit", "okx")
T0 = 1_762_000_000_000 - 1_762_000_000_000 % 3_600_000
HOUR = 3_600_000


def symbols(n: int) -> list[str]:
    return [f"C{i:03d}/USDT:USDT" for i in range(n)]


def events(n: int, n_symbols: int = 300, rate: float = 4.0, seed: int = 7) -> Iterator[Event]:
    """``n`` events in time order (a few late liquidations mixed in, as venues send them)."""
    rnd = random.Random(seed)
    syms = symbols(n_symbols)
    prices = {s: 10 ** rnd.uniform(-2, 4) for s in syms}
    step = 1000.0 / rate
    t = float(T0)
    next_hour = T0 + HOUR
    next_minute = T0 + 60_000
    emitted = 0
    while emitted < n:
        t += rnd.expovariate(1.0 / step)
        ts = int(t)
        if ts >= next_hour:  # hourly candles, volume and OI for every symbol
            for s in syms:
                p = prices[s] = prices[s] * (1 + rnd.gauss(0, 0.01))
                yield Candle(next_hour - HOUR, "binance", s, "1h", p, p * 1.01, p * 0.99, p, rnd.uniform(1e5, 1e7))
                emitted += 1
            for ex in EXCHANGES:
                yield Volume(next_hour, ex, "*", rnd.uniform(5e9, 2e10))
                emitted += 1
            next_hour += HOUR
            continue
        if ts >= next_minute:
            yield MarketCap(next_minute, "coingecko", 3.5e12 * (1 + rnd.gauss(0, 0.01)))
            emitted += 1
            next_minute += 60_000
            continue
        r = rnd.random()
        s = syms[min(n_symbols - 1, int(rnd.paretovariate(1.2)) - 1)] if r < 0.9 else rnd.choice(syms)
        if r < 0.75:
            late = rnd.random() < 0.01
            usd = min(5e7, 200 * rnd.paretovariate(1.3))
            p = prices[s]
            yield Liquidation(ts - (rnd.randint(1, 3000) if late else 0), rnd.choice(EXCHANGES), s,
                              "long" if rnd.random() < 0.55 else "short", p, usd / p, usd)
        elif r < 0.92:
            yield Price(ts, rnd.choice(EXCHANGES), s, prices[s] * (1 + rnd.gauss(0, 0.002)))
        else:
            yield OpenInterest(ts, rnd.choice(EXCHANGES), s, rnd.uniform(1e6, 1e9))
        emitted += 1
