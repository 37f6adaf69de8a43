"""The one data model: small immutable events, shared by every layer.

Every producer (live venue feeds, the replay of a recording, the demo) emits
these, the indicator layer consumes them, and a recording is a file of them,
one JSON object per line.  Field names and meanings are a public format
(see docs/recording-format.md): never rename a field, only add optional ones.
This module is the model only; how an event is written to and read from a
line (every decoder, with its checks) lives in ``feeds.recording``.

Events are ``NamedTuple`` subclasses rather than frozen dataclasses because a
report replays millions of them and tuple construction is several times
cheaper than a frozen dataclass ``__init__``; they are just as immutable.
"""

from __future__ import annotations

from typing import NamedTuple, Union

# Liquidation sides, from the position's point of view: ``long`` means a long
# position was liquidated (a forced SELL), ``short`` that a short was.
LONG = "long"
SHORT = "short"
SIDES = (LONG, SHORT)

# Time in ms, the unit of every ``ts``: one spelling for every layer.
SECOND_MS = 1000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000

FEED_STATES = ("connecting", "live", "stale", "down")
# A reserved feed name: the supervisor's "can any venue be reached" signal,
# carried as a feed_status so it lands in recordings, but not a feed itself.
VENUES_STATUS = "venues"
TIMEFRAMES = ("1m", "1h", "1d")


class Liquidation(NamedTuple):
    """One forced order on a derivatives venue, normalised.

    ``usd`` is the notional in USD computed per venue (DESIGN.md, "Exchange
    facts"); ``qty`` is in base units.
    """

    ts: int
    exchange: str
    symbol: str
    side: str
    price: float
    qty: float
    usd: float
    KIND = "liquidation"


class Volume(NamedTuple):
    """Rolling 24 h quote volume as the venue reports it (``symbol`` may be ``*``)."""

    ts: int
    exchange: str
    symbol: str
    usd_24h: float
    KIND = "volume"


class OpenInterest(NamedTuple):
    ts: int
    exchange: str
    symbol: str
    usd: float
    KIND = "open_interest"


class Candle(NamedTuple):
    """A closed bar; ``ts`` is the bar's open time."""

    ts: int
    exchange: str
    symbol: str
    tf: str
    open: float
    high: float
    low: float
    close: float
    volume_usd: float
    KIND = "candle"


class Price(NamedTuple):
    """The live last price between candles."""

    ts: int
    exchange: str
    symbol: str
    last: float
    KIND = "price"


class MarketCap(NamedTuple):
    """A total crypto market-cap sample from one source."""

    ts: int
    source: str
    usd: float
    KIND = "market_cap"


class FeedStatus(NamedTuple):
    """The health of one feed: ``connecting``, ``live``, ``stale`` or ``down``."""

    ts: int
    feed: str
    state: str
    detail: str = ""
    KIND = "feed_status"


Event = Union[Liquidation, Volume, OpenInterest, Candle, Price, MarketCap, FeedStatus]
EVENT_TYPES: tuple[type, ...] = (Liquidation, Volume, OpenInterest, Candle, Price, MarketCap, FeedStatus)
