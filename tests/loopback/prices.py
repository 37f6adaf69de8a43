"""A deterministic price path shared by the loopback venues, so candles,
tickers and open interest agree with each other and tests can compute the
expected values."""

from __future__ import annotations

import math
import time

HOUR_MS = 3_600_000
BASE_PRICES = {"BTC": 60000.0, "ETH": 3000.0, "SOL": 150.0, "XRP": 0.5, "DOGE": 0.1}


def base_price(base: str) -> float:
    return BASE_PRICES.get(base, 10.0)


def price_at(base: str, ts_ms: int) -> float:
    """Smooth, deterministic price of ``base`` at ``ts_ms``."""
    return round(base_price(base) * (1.0 + 0.05 * math.sin(ts_ms / (7 * HOUR_MS))), 8)


def bar(base: str, open_ms: int, now_ms: int | None = None) -> tuple[float, float, float, float, float]:
    """(open, high, low, close, base volume) of the 1 h bar opening at
    ``open_ms``; the open bar's close is the price at ``now_ms``."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    o = price_at(base, open_ms)
    c = price_at(base, min(open_ms + HOUR_MS, now))
    return o, max(o, c) * 1.002, min(o, c) * 0.998, c, 100.0 + (open_ms // HOUR_MS) % 7


def bars(base: str, since_ms: int, limit: int, now_ms: int | None = None) -> list[tuple[int, tuple[float, ...]]]:
    """Hourly bars from ``since_ms`` up to and including the open one."""
    now = int(time.time() * 1000) if now_ms is None else now_ms
    start = since_ms - since_ms % HOUR_MS
    if start < since_ms:
        start += HOUR_MS
    out = []
    t = start
    while t <= now and len(out) < limit:
        out.append((t, bar(base, t, now)))
        t += HOUR_MS
    return out


def volume_24h(base: str) -> float:
    """Quote volume over 24 h, ranked by the base's price so BTC leads."""
    return base_price(base) * 1000.0


def open_interest(base: str) -> float:
    """Open interest in base units."""
    return 500.0 if base == "BTC" else 2000.0
