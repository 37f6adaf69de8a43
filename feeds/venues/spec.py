"""What liqwatch knows about a venue, as data: one ``VenueSpec`` per venue.

Each venue module ends with its ``SPEC`` (cryptofeed keeps its venue facts as
class data the same way): the config name, the ccxt class and options, which
kind of liquidation feed it has and the class that runs it, the WebSocket
path facts ccxt does not get right on its own, and what its context feed
(volume, open interest, candles) needs.  The feed classes read their facts
from the spec they are built with, so a fact has one home and adding a venue
is its module plus one line in the registry (``feeds/venues/__init__.py``).

Light at import (no ccxt): the registry reads specs to build the live feed
list before the app's first frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Literal, Mapping

if TYPE_CHECKING:
    from feeds.settings import ExchangeSettings
    from feeds.venues.ccxt_feed import CcxtFeed

#: A liquidation feed kind: a WebSocket stream (every venue today; Gate and
#: HTX were REST polls until their streams replaced them).
Kind = Literal["stream"]
STREAM: Kind = "stream"
KINDS: tuple[Kind, ...] = (STREAM,)

#: ``(ccxt ticker, ccxt market) -> 24 h turnover in USD``, or None when the
#: ticker does not say.
TickerUsd = Callable[[dict[str, Any], dict[str, Any]], "float | None"]


def quote_volume_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    """ccxt's ``quoteVolume`` (USDT/USDC/USD-quoted contracts count as USD)."""
    value = ticker.get("quoteVolume")
    return float(value) if value is not None else None


@dataclass(frozen=True)
class ContextSpec:
    """What the venue's context feed (``feeds/venues/context.py``) needs."""

    #: Which raw ticker field is the USD turnover (ccxt's ``quoteVolume`` is
    #: missing or in contracts on some venues).
    ticker_usd: TickerUsd = quote_volume_usd
    #: Bars per ``fetch_ohlcv`` request: the venue's own maximum.
    ohlcv_limit: int = 500


@dataclass(frozen=True)
class VenueSpec:
    """One venue's facts; see the module docstring."""

    #: Config name (``[exchanges.<name>]``), feed name and the ``exchange`` of its events.
    name: str
    #: ccxt.pro class name, e.g. ``binanceusdm``; None for a venue ccxt
    #: lacks, whose feed speaks to it itself (``aiohttp_stream.py``).
    ccxt_id: str | None
    kind: Kind
    #: The liquidation feed class; built as ``feed(spec, settings, **overrides)``.
    feed: type[CcxtFeed]
    #: ccxt options (e.g. which market types to load), for every feed of the venue.
    ccxt_options: Mapping[str, Any] = field(default_factory=dict)
    #: ``fetch_tickers`` params, one request each, that together list every
    #: contract (volume for the context feed).
    tickers_params: tuple[Mapping[str, Any], ...] = ({},)
    #: ccxt ``urls['api']['ws']`` key -> the path to use there, on whatever
    #: origin config gives: the venue's WebSocket path where public sources
    #: disagree with ccxt or with each other (Binance COIN-M).
    ws_paths: Mapping[str, str] = field(default_factory=dict)
    #: The context feed's facts; None: the venue has no context feed (yet).
    context: ContextSpec | None = None
    #: False when the venue's frames carry no time (BitMEX's liquidation
    #: table): then an event's ``ts`` is when liqwatch received it.
    exchange_time: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"{self.name}: kind must be one of {', '.join(KINDS)}, got {self.kind!r}")
        if self.feed.KIND != self.kind:
            raise ValueError(f"{self.name}: {self.feed.__name__} is a {self.feed.KIND} feed, the spec says {self.kind}")
        if not self.name or self.ccxt_id == "" or not self.tickers_params:
            raise ValueError(f"{self.name!r}: a venue needs a name, a ccxt id and its tickers params")
        if self.ccxt_id is None and (self.feed.NEEDS_CCXT or self.context is not None):
            raise ValueError(f"{self.name}: only a feed that speaks to the venue itself may have no ccxt id")

    def liquidation_feed(self, settings: ExchangeSettings, **overrides: Any) -> CcxtFeed:
        """The venue's liquidation feed (named like the venue)."""
        return self.feed(self, settings, **overrides)
