"""Kraken Futures: the public ``trade`` feed, where a trade's ``type`` is ``liquidation``.

Kraken has no liquidation channel: the trade feed classifies every match as
``fill``, ``liquidation``, ``termination`` or ``block``, and only
``liquidation`` counts.  The feed exists per product, so one subscription
names every listed contract (``product_ids``) and a markets refresh adds new
listings.  On subscribe the venue sends a ``trade_snapshot`` of recent trades
per product (liquidations among them count, once: after a reconnect they are
resends).  Delta (tardis-node's fixture)::

    {"feed":"trade","product_id":"PI_XRPUSD","uid":"3ee209b8-bc9f-4ed5-965b-8c6208b26411",
     "side":"sell","type":"liquidation","seq":41799,"time":1593561965283,"qty":12000,"price":0.1736}

``side`` is the taker's (Kraken docs, futures websocket ``trade``), and the
liquidation engine takes: sell = its forced sell = a long liquidated.
``qty`` is in contracts: inverse contracts (``PI_``, ``FI_``) are 1 USD
each (USD = ``qty`` x contract size), linear ones (``PF_``, ``FF_``) 1 base
unit (USD = ``qty`` x size x ``price``); the size comes from markets.
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, PerMarketStreamFeed, Spawn

FEED = "trade"
SNAPSHOT = "trade_snapshot"
LIQUIDATION = "liquidation"
_SIDES = {"sell": LONG, "buy": SHORT}


def _perpetual_contract(product_id: str) -> Contract:
    """A perpetual listed after markets were loaded, named as ccxt names it:
    ``PF_XBTUSD`` -> ``BTC/USD:USD``, ``PI_ETHUSD`` -> ``ETH/USD:ETH``."""
    kind, pair = product_id.split("_", 1)
    base = pair[:-3]
    base = "BTC" if base == "XBT" else base
    if kind == "PF":
        return Contract(f"{base}/USD:USD", 1.0, False)
    if kind == "PI":
        return Contract(f"{base}/USD:{base}", 1.0, True)
    raise KeyError(f"unknown product {product_id} (markets not refreshed yet)")


def krakenfutures_normaliser(contracts: dict[str, Contract], exchange: str = "krakenfutures") -> Normaliser:
    def one(t: Any, product_id: str) -> Liquidation:
        contract = contracts.get(product_id) or _perpetual_contract(product_id)
        price = float(t["price"])
        size = float(t["qty"]) * contract.contract_size
        qty, usd = (size / price, size) if contract.inverse else (size, size * price)
        return NEW_EVENT(Liquidation, (int(t["time"]), exchange, contract.symbol, _SIDES[t["side"]], price, qty, usd))

    def normalise(msg: Any) -> list[Liquidation]:
        if msg["feed"] == FEED:
            return [one(msg, msg["product_id"])] if msg["type"] == LIQUIDATION else []
        product_id = msg["product_id"]
        return [one(t, product_id) for t in msg["trades"] if t["type"] == LIQUIDATION]

    return normalise


class KrakenFuturesFeed(PerMarketStreamFeed):
    """Kraken Futures liquidations, every product in one request (feed name
    ``krakenfutures``)."""

    def is_liquidation_frame(self, message: Any) -> bool:
        return type(message) is dict and message.get("feed") in (FEED, SNAPSHOT) and "event" not in message

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        # The instruments API has spelt ids in lower case; the feed's product_id is upper case.
        return krakenfutures_normaliser({k.upper(): v for k, v in contracts.items()}, self.name)

    def wants(self, market: dict[str, Any]) -> bool:
        return bool(market.get("swap") or market.get("future"))

    @staticmethod
    def market_id(market: dict[str, Any]) -> str:
        return str(market["id"]).upper()

    def subscribe_markets(self, exchange: Any, spawn: Spawn, markets: list[dict[str, Any]]) -> None:
        ids = [self.market_id(m) for m in markets]
        request = {"event": "subscribe", "feed": FEED, "product_ids": ids}
        hash_ = f"liqwatch:{FEED}:{ids[0]}:{len(self.subscribed)}"
        spawn(exchange.watch(exchange.urls["api"]["ws"], hash_, request, hash_))


SPEC = VenueSpec(
    name="krakenfutures",
    ccxt_id="krakenfutures",
    kind=STREAM,
    feed=KrakenFuturesFeed,
)
