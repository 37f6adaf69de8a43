"""Real history through the engine: candle files in, the mood after every bar out.

The anxiety formulas are judged on real episodes (tests/data/real/): each
file holds Binance 1h candles in freqtrade's layout, ``[open_ms, open, high,
low, close, base_volume]``, under a ``meta`` that says where they come from.
The validation tests and ``scripts/validation.py`` (which writes
docs/validation.md) read them through this one path, the engine's own: every
row becomes a closed ``Candle`` event, and the mood is read as the UI would
read it after that bar closed.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple

from feeds.events import HOUR_MS, Candle
from indicators.engine import Engine
from indicators.params import IndicatorParams
from indicators.snapshot import Mood

EXCHANGE = "binance"


class Episode(NamedTuple):
    meta: dict[str, Any]
    rows: list[list[float]]  # [open_ms, open, high, low, close, base_volume], in time order

    @property
    def symbol(self) -> str:
        return self.meta["symbol"]


class Reading(NamedTuple):
    """The mood as of one bar's close."""

    ts: int  # the bar's close, ms
    open: float
    high: float
    low: float
    close: float
    mood: Mood


def load(path: str | Path) -> Episode:
    """One episode file (gzip JSON)."""
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        doc = json.load(fh)
    return Episode(doc["meta"], doc["rows"])


def candles(rows: Iterable[list[float]], symbol: str) -> Iterator[Candle]:
    """The rows as closed 1h candles; the quote volume is the base volume at the close."""
    for ts, o, h, lo, c, v in rows:
        yield Candle(int(ts), EXCHANGE, symbol, "1h", o, h, lo, c, v * c)


def replay(episode: Episode, params: IndicatorParams | None = None) -> list[Reading]:
    """Every bar of the episode through a fresh engine, with the mood read after each."""
    engine = Engine(params)
    sym = episode.symbol
    out = []
    for ev in candles(episode.rows, sym):
        engine.apply(ev)
        close_ts = ev.ts + HOUR_MS
        out.append(Reading(close_ts, ev.open, ev.high, ev.low, ev.close, engine.series[sym].mood(close_ts)))
    return out
