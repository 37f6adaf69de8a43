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
from typing import Callable, Hashable, Sequence

import numpy as np

from feeds.events import LONG, Liquidation

Pair = tuple[str, str]  # (exchange, symbol)

_TS = itemgetter(0)
_EXCHANGE = itemgetter(1)
_SYMBOL = itemgetter(2)
_SIDE = itemgetter(3)
_USD = itemgetter(6)


def base_of(symbol: str) -> str:
    """The base asset of a ccxt unified symbol: 'BTC/USDT:USDT' -> 'BTC'."""
    return symbol.split("/", 1)[0]


class PairCodes:
    """Small integer codes for (exchange, symbol) pairs, and for their
    exchange and base asset, so that columns can be grouped with bincount."""

    def __init__(self) -> None:
        self.pairs: list[Pair] = []
        self.exchanges: list[str] = []
        self.bases: list[str] = []
        self._exchange: dict[str, int] = {}
        self._symbol: dict[str, int] = {}
        self._symbols: list[str] = []
        self._symbol_base: list[int] = []  # symbol code -> base code
        self._base: dict[str, int] = {}
        self._pair: dict[int, int] = {}  # exchange code << 32 | symbol code -> pair code
        self.exchange_of = np.zeros(0, dtype=np.intp)  # pair code -> exchange code
        self.base_of = np.zeros(0, dtype=np.intp)  # pair code -> base code

    def codes(self, events: Sequence[Liquidation]) -> np.ndarray:
        """The pair code of each event's (exchange, symbol), registering new ones.

        Exchange and symbol are coded apart (a dict lookup on a string,
        whose hash is cached, is cheaper than on a tuple of two) and their
        few distinct combinations are looked up once each."""
        e = _intern(self._exchange, events, _EXCHANGE, self._new_exchange)
        s = _intern(self._symbol, events, _SYMBOL, self._new_symbol)
        combos, inverse = np.unique((e << 32) | s, return_inverse=True)
        pair = self._pair
        found = [pair.get(c) for c in combos.tolist()]
        for i, c in enumerate(found):
            if c is None:
                found[i] = self._new_pair(int(combos[i]))
        return np.array(found, dtype=np.intp)[inverse]

    def _new_exchange(self, name: str) -> int:
        self.exchanges.append(name)
        return len(self.exchanges) - 1

    def _new_symbol(self, name: str) -> int:
        base = base_of(name)
        b = self._base.get(base)
        if b is None:
            b = self._base[base] = len(self.bases)
            self.bases.append(base)
        self._symbol_base.append(b)
        self._symbols.append(name)
        return len(self._symbols) - 1

    def _new_pair(self, combo: int) -> int:
        e, s = combo >> 32, combo & 0xFFFFFFFF
        code = self._pair[combo] = len(self.pairs)
        self.pairs.append((self.exchanges[e], self._symbols[s]))
        self.exchange_of = np.append(self.exchange_of, e)
        self.base_of = np.append(self.base_of, self._symbol_base[s])
        return code


def _intern(table: dict[str, int], events: Sequence[Liquidation], field: Callable[[Liquidation], str],
            new: Callable[[str], int]) -> np.ndarray:
    """Codes of each event's ``field`` in ``table``, adding unseen names in order of appearance."""
    try:
        return np.fromiter(map(table.__getitem__, map(field, events)), np.int64, len(events))
    except KeyError:
        for name in dict.fromkeys(map(field, events)):
            if name not in table:
                table[name] = new(name)
        return np.fromiter(map(table.__getitem__, map(field, events)), np.int64, len(events))


class LiquidationBatch:
    """Liquidations in file order, as columns."""

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
            # A side is "long" or "short" (the decoder checks): told apart by length, in C.
            np.frombuffer(bytes(map(len, map(_SIDE, events))), np.uint8) == len(LONG),
            codes.codes(events),
            ts - ts % hour_ms,
        )

    def __len__(self) -> int:
        return len(self.events)

    def runs(self) -> list[tuple[int, int, int]]:
        """(hour, start, end) of each run of equal hours, in order."""
        h = self.hour
        cuts = np.flatnonzero(h[1:] != h[:-1]) + 1
        edges = [0, *cuts.tolist(), len(h)]
        return [(int(h[a]), a, b) for a, b in zip(edges, edges[1:])]


def add_entry(totals: dict, key: Hashable, lg: float, sh: float, n: int) -> None:
    """Add to ``totals[key]``, a [long_usd, short_usd, count] entry: one
    liquidation's (or one bucket's) worth, the one-at-a-time ``fold_keyed``."""
    cur = totals.get(key)
    if cur is None:
        totals[key] = [lg, sh, n]
    else:
        cur[0] += lg
        cur[1] += sh
        cur[2] += n


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
