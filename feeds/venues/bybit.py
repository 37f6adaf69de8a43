"""Bybit v5: ``allLiquidation.{symbol}`` for every linear and inverse contract.

The topic exists per symbol only, so the feed subscribes every listed
contract, in chunks (one request per ``chunk_size`` topics), and picks up new
listings on the periodic markets refresh.  Frame::

    {"topic":"allLiquidation.BTCUSDT","type":"snapshot","ts":1739502303204,
     "data":[{"T":1739502302929,"s":"BTCUSDT","S":"Sell","v":"0.02","p":"96000"}, ...]}

``S`` is the side of the liquidated POSITION: Buy = a long was liquidated
(Bybit docs, all-liquidation).  ``v``: base quantity on linear contracts
(USD = ``v * p``), USD on inverse ones.  Every entry of ``data`` counts.
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, ContextSpec, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, PerMarketStreamFeed, Spawn

TOPIC = "allLiquidation"
_PREFIX = TOPIC + "."
_SIDES = {"Buy": LONG, "Sell": SHORT}


def bybit_normaliser(contracts: dict[str, Contract], exchange: str = "bybit") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        out: list[Liquidation] = []
        for d in msg["data"]:
            market_id = d["s"]
            contract = contracts.get(market_id)
            if contract is None:
                raise KeyError(f"unknown symbol {market_id} (markets not refreshed yet)")
            price = float(d["p"])
            if contract.inverse:
                usd = float(d["v"])
                qty = usd / price
            else:
                qty = float(d["v"])
                usd = qty * price
            out.append(NEW_EVENT(Liquidation, (int(d["T"]), exchange, contract.symbol, _SIDES[d["S"]], price, qty, usd)))
        return out

    return normalise


class BybitFeed(PerMarketStreamFeed):
    """Bybit linear and inverse liquidations (feed name ``bybit``): every
    contract's topic, ``chunk_size`` topics a request."""

    def __init__(self, spec: VenueSpec, settings: ExchangeSettings, *, chunk_size: int = 10, **kwargs: Any) -> None:
        super().__init__(spec, settings, **kwargs)
        if chunk_size < 1:
            raise ValueError("chunk_size must be >= 1")
        self.chunk_size = chunk_size

    def is_liquidation_frame(self, message: Any) -> bool:
        return type(message) is dict and str(message.get("topic", "")).startswith(_PREFIX)

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return bybit_normaliser(contracts, self.name)

    def wants(self, market: dict[str, Any]) -> bool:
        return bool(market.get("contract"))

    def subscribe_markets(self, exchange: Any, spawn: Spawn, markets: list[dict[str, Any]]) -> None:
        by_kind: dict[str, list[str]] = {"linear": [], "inverse": []}
        for market in markets:
            by_kind["inverse" if market.get("inverse") else "linear"].append(market["id"])
        for kind, ids in by_kind.items():
            if not ids:
                continue
            url = exchange.implode_hostname(exchange.urls["api"]["ws"]["public"][kind])
            for start in range(0, len(ids), self.chunk_size):
                topics = [_PREFIX + i for i in ids[start : start + self.chunk_size]]
                hashes = ["liqwatch:" + t for t in topics]
                spawn(exchange.watch_topics(url, hashes, topics))


def bybit_volume_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    """``turnover24h`` is quote (USDT) on linear contracts; on inverse ones ``volume24h`` is USD."""
    info = ticker.get("info") or {}
    raw = info.get("volume24h") if market.get("inverse") else info.get("turnover24h")
    return float(raw) if raw is not None else None


SPEC = VenueSpec(
    name="bybit",
    ccxt_id="bybit",
    kind=STREAM,
    feed=BybitFeed,
    ccxt_options={"fetchMarkets": {"types": ["linear", "inverse"]}},
    tickers_params=({"type": "swap", "subType": "linear"}, {"type": "swap", "subType": "inverse"}),
    context=ContextSpec(ticker_usd=bybit_volume_usd, ohlcv_limit=1000),
)
