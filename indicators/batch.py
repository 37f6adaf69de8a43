"""Liquidations folded many at a time: the report's path through the engine.

A replay of a recording is three quarters liquidations, and each one only
adds to totals (all-time, hourly, per venue and symbol, per base asset).
Done one event at a time in Python that bookkeeping costs several
microseconds an event, more than parsing the line; done on columns with
numpy it costs a fraction of one.

The totals must come out exactly as the event-at-a-time path leaves them,
to the last bit, so that a report does not depend on how its input was
chunked.  Float addition is not associative, so every sum here is taken in
file order starting from the running value: ``np.add.accumulate`` and
``np.bincount(weights=...)`` add sequentially (unlike ``np.sum``, which
adds pairwise), and a running value is fed in as the first term.  New keys
enter dicts in the order of their first event, as they would one by one.
"""

from __future__ import annotations

from operator import itemgetter
from typing import Hashable, Sequence

import numpy as np

from feeds.events import LONG, Liquidation

Pair = tuple[str, str]  # (exchange, symbol)

_TS = itemgetter(0)
_PAIR = itemgetter(1, 2)
_SIDE = itemgetter(3)
_USD = itemgetter(6)
_IS_LONG = LONG.__eq__


def base_of(symbol: str) -> str:
    """The base asset of a ccxt unified symbol: 'BTC/USDT:USDT' -> 'BTC'."""
    return symbol.split("/", 1)[0]


class PairCodes:
    """Small integer codes for (exchange, symbol) pairs, and for their
    exchange and base asset, so that columns can be grouped with bincount."""

    def __init__(self) -> None:
        self.pairs: list[Pair] = []
        self._code: dict[Pair, int] = {}
        self.exchanges: list[str] = []
        self._exchange: dict[str, int] = {}
        self.bases: list[str] = []
        self._base: dict[str, int] = {}
        self.exchange_of = np.zeros(0, dtype=np.intp)  # pair code -> exchange code
        self.base_of = np.zeros(0, dtype=np.intp)  # pair code -> base code

    def codes(self, keys: Sequence[Pair]) -> np.ndarray:
        get = self._code.get
        found = list(map(get, keys))
        if None in found:
            for key in dict.fromkeys(k for k, c in zip(keys, found) if c is None):
                self._register(key)
            found = list(map(self._code.__getitem__, keys))
        return np.array(found, dtype=np.intp)

    def _register(self, key: Pair) -> None:
        ex, sym = key
        self._code[key] = len(self.pairs)
        self.pairs.append(key)
        base = base_of(sym)
        e = self._exchange.setdefault(ex, len(self.exchanges))
        if e == len(self.exchanges):
            self.exchanges.append(ex)
        b = self._base.setdefault(base, len(self.bases))
        if b == len(self.bases):
            self.bases.append(base)
        self.exchange_of = np.append(self.exchange_of, e)
        self.base_of = np.append(self.base_of, b)


class LiquidationBatch:
    """Liquidations in file order, as columns (a slice of one is one too)."""

    __slots__ = ("events", "ts", "usd", "long", "pair", "hour")

    def __init__(self, events: Sequence[Liquidation], ts: np.ndarray, usd: np.ndarray, long: np.ndarray,
                 pair: np.ndarray, hour: np.ndarray) -> None:
        self.events = events
        self.ts = ts
        self.usd = usd
        self.long = long
        self.pair = pair
        self.hour = hour

    @classmethod
    def of(cls, events: Sequence[Liquidation], codes: PairCodes, hour_ms: int) -> LiquidationBatch:
        n = len(events)
        ts = np.fromiter(map(_TS, events), np.int64, n)
        return cls(
            events,
            ts,
            np.fromiter(map(_USD, events), np.float64, n),
            np.fromiter(map(_IS_LONG, map(_SIDE, events)), np.bool_, n),
            codes.codes(list(map(_PAIR, events))),
            ts - ts % hour_ms,
        )

    def __len__(self) -> int:
        return len(self.events)

    def slice(self, a: int, b: int) -> LiquidationBatch:
        return LiquidationBatch(self.events[a:b], self.ts[a:b], self.usd[a:b], self.long[a:b], self.pair[a:b],
                                self.hour[a:b])

    def runs(self) -> list[tuple[int, int, int]]:
        """(hour, start, end) of each run of equal hours, in order."""
        h = self.hour
        cuts = np.flatnonzero(h[1:] != h[:-1]) + 1
        edges = [0, *cuts.tolist(), len(h)]
        return [(int(h[a]), a, b) for a, b in zip(edges, edges[1:])]


def running_sum(start: float, values: np.ndarray) -> float:
    """``start + v0 + v1 + ...`` added left to right, as a loop would."""
    if len(values) == 0:
        return start
    return float(np.add.accumulate(np.concatenate(([start], values)))[-1])


def fold_keyed(totals: dict[Hashable, list], names: Sequence[Hashable], codes: np.ndarray, usd: np.ndarray,
               long: np.ndarray, count: bool = True) -> None:
    """Add each liquidation to ``totals[names[code]]``: [long_usd, short_usd(, count)].

    Exactly as one at a time: each key's sums continue from its running
    values in file order, and keys new to ``totals`` are created in the
    order of their first liquidation (dict order is iteration order, and
    some readers sum over it)."""
    if len(codes) == 0:
        return
    _, first = np.unique(codes, return_index=True)
    order = codes[np.sort(first)]  # distinct codes, by first appearance
    m = len(order)
    local = np.empty(int(order.max()) + 1, dtype=np.intp)
    local[order] = np.arange(m)
    pos = local[codes]
    keys = [names[c] for c in order.tolist()]
    start_long = np.empty(m)
    start_short = np.empty(m)
    rows = []
    for j, key in enumerate(keys):
        cur = totals.get(key)
        if cur is None:
            cur = totals[key] = [0.0, 0.0, 0] if count else [0.0, 0.0]
        rows.append(cur)
        start_long[j] = cur[0]
        start_short[j] = cur[1]
    seed = np.arange(m)
    short = ~long
    lg = np.bincount(np.concatenate((seed, pos[long])), np.concatenate((start_long, usd[long])), m).tolist()
    sh = np.bincount(np.concatenate((seed, pos[short])), np.concatenate((start_short, usd[short])), m).tolist()
    n = np.bincount(pos, minlength=m).tolist() if count else None
    for j, cur in enumerate(rows):
        cur[0] = lg[j]
        cur[1] = sh[j]
        if n is not None:
            cur[2] += n[j]
