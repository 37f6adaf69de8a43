"""Binance USD-M and COIN-M futures: the all-market ``!forceOrder@arr`` stream.

Frame (one liquidation per frame)::

    {"e":"forceOrder","E":1698871323061,"o":{"s":"BTCUSDT","S":"SELL","o":"LIMIT",
     "f":"IOC","q":"1.437","p":"35100.81","ap":"34959.70","X":"FILLED",
     "l":"1.437","z":"1.437","T":1698871323059}}

``S`` is the side of the forced order: SELL closes a long, so SELL = long
liquidated.  USD-M: ``z`` is filled base quantity, USD = ``z * ap``.  COIN-M:
``z`` is filled contracts, each worth the contract size in USD (100 for BTC,
10 for the others, from markets), so USD = ``z * size`` and base = USD / ``ap``.

ccxt subscribes USD-M on ``/market/ws`` (the legacy ``/ws`` path accepts the
subscription and then sends nothing) and COIN-M on dstream's ``/ws``.
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

_SIDES = {"SELL": LONG, "BUY": SHORT}
_QUOTES = ("USDT", "USDC")


def _usdm_symbol(market_id: str) -> str:
    """Unified symbol of a USD-M perpetual listed after markets were loaded."""
    for quote in _QUOTES:
        if market_id.endswith(quote) and len(market_id) > len(quote):
            return f"{market_id[: -len(quote)]}/{quote}:{quote}"
    return market_id


def _coinm_contract(market_id: str) -> Contract:
    """A COIN-M contract listed after markets were loaded (Binance's fixed sizes)."""
    base = market_id.split("USD", 1)[0]
    return Contract(f"{base}/USD:{base}", 100.0 if base == "BTC" else 10.0, True)


def usdm_normaliser(contracts: dict[str, Contract], exchange: str = "binance") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        o = msg["o"]
        market_id = o["s"]
        contract = contracts.get(market_id)
        qty = float(o["z"])
        price = float(o["ap"])
        symbol = contract.symbol if contract is not None else _usdm_symbol(market_id)
        return [NEW_EVENT(Liquidation, (int(o["T"]), exchange, symbol, _SIDES[o["S"]], price, qty, qty * price))]

    return normalise


def coinm_normaliser(contracts: dict[str, Contract], exchange: str = "binancecoinm") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        o = msg["o"]
        market_id = o["s"]
        contract = contracts.get(market_id) or _coinm_contract(market_id)
        price = float(o["ap"])
        usd = float(o["z"]) * contract.contract_size
        return [NEW_EVENT(Liquidation, (int(o["T"]), exchange, contract.symbol, _SIDES[o["S"]], price, usd / price, usd))]

    return normalise


class _BinanceFeed(StreamLiquidationFeed):
    def is_liquidation_frame(self, message: Any) -> bool:
        return type(message) is dict and message.get("e") == "forceOrder"

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        # ccxt's all-market subscription: "!forceOrder@arr" on the market path.
        spawn(exchange.watch_liquidations_for_symbols([]))


class BinanceUsdmFeed(_BinanceFeed):
    """Binance USD-M futures liquidations (feed name ``binance``)."""

    name = "binance"
    ccxt_id = "binanceusdm"

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return usdm_normaliser(contracts, self.name)


class BinanceCoinmFeed(_BinanceFeed):
    """Binance COIN-M futures liquidations (feed name ``binancecoinm``)."""

    name = "binancecoinm"
    ccxt_id = "binancecoinm"

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return coinm_normaliser(contracts, self.name)
