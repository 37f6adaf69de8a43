"""Binance USD-M futures: the all-market ``!forceOrder@arr`` stream.

COIN-M (``binancecoinm.py``) is the same stream on dstream; it shares the
frame, the side rule and the subscription from here.

Frame (one liquidation per frame)::

    {"e":"forceOrder","E":1698871323061,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT",
     "f":"IOC","q":"1.437","p":"35100.81","ap":"34959.70","X":"FILLED",
     "l":"1.437","z":"1.437","T":1698871323059}}

``S`` is the side of the forced order: SELL closes a long, so SELL = long
liquidated.  USD-M: ``z`` is filled base quantity, USD = ``z * ap``.

ccxt subscribes USD-M on ``/market/ws``: it rewrites the linear base URL's
legacy ``/ws`` (which accepts the subscription and then sends nothing) to the
``market`` category itself, so the spec needs no path of its own.
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, ContextSpec, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

#: ``S``, the forced order's side -> the side of the liquidated position.
SIDES = {"SELL": LONG, "BUY": SHORT}
#: Bars per klines request (both Binance futures APIs).
OHLCV_LIMIT = 1000
_QUOTES = ("USDT", "USDC")


def expiry_suffix(market_id: str) -> str:
    """``-YYMMDD`` of a dated contract id (``BTCUSDT_250328``, ``BTCUSD_200925``),
    as ccxt spells the expiry in a unified symbol; empty for a perpetual
    (``BTCUSDT``, ``BTCUSD_PERP``)."""
    _, sep, tail = market_id.partition("_")
    return f"-{tail}" if sep and len(tail) == 6 and tail.isdigit() else ""


def _usdm_symbol(market_id: str) -> str:
    """Unified symbol of a USD-M contract listed after markets were loaded; a
    dated one keeps its expiry (``BTCUSDT_250328`` -> ``BTC/USDT:USDT-250328``)."""
    pair = market_id.partition("_")[0]
    for quote in _QUOTES:
        if pair.endswith(quote) and len(pair) > len(quote):
            return f"{pair[: -len(quote)]}/{quote}:{quote}{expiry_suffix(market_id)}"
    return market_id


def usdm_normaliser(contracts: dict[str, Contract], exchange: str = "binance") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        o = msg["o"]
        market_id = o["s"]
        contract = contracts.get(market_id)
        qty = float(o["z"])
        price = float(o["ap"])
        symbol = contract.symbol if contract is not None else _usdm_symbol(market_id)
        return [NEW_EVENT(Liquidation, (int(o["T"]), exchange, symbol, SIDES[o["S"]], price, qty, qty * price))]

    return normalise


class BinanceFeed(StreamLiquidationFeed):
    """Either Binance futures venue: the frame test and the all-market subscription."""

    def is_liquidation_frame(self, message: Any) -> bool:
        return type(message) is dict and message.get("e") == "forceOrder"

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        # ccxt's all-market subscription: "!forceOrder@arr" on the market path.
        spawn(exchange.watch_liquidations_for_symbols([]))


class BinanceUsdmFeed(BinanceFeed):
    """Binance USD-M futures liquidations (feed name ``binance``)."""

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return usdm_normaliser(contracts, self.name)


SPEC = VenueSpec(
    name="binance",
    ccxt_id="binanceusdm",
    kind=STREAM,
    feed=BinanceUsdmFeed,
    context=ContextSpec(ohlcv_limit=OHLCV_LIMIT),
)
