"""dYdX v4: the indexer's ``v4_trades``, where a trade's ``type`` is ``LIQUIDATED``.

An on-chain venue: every match is public, so the stream is complete.  The
channel exists per market (``{"type":"subscribe","channel":"v4_trades",
"id":"BTC-USD"}``): the feed subscribes every listed market and a markets
refresh adds new listings.  The ``subscribed`` answer carries the market's
recent trades (read, and de-duplicated after a reconnect), ``channel_data``
the new ones.  Frame (tardis-node's fixture)::

    {"type":"channel_data","id":"BTC-USD","channel":"v4_trades","version":"2.1.0",
     "contents":{"trades":[{"id":"014f495a0000000200000005","side":"SELL","size":"3.9",
                            "price":"22.87","type":"LIQUIDATED","createdAt":"2024-08-04T07:34:50.628Z"}]}}

``side`` is the taker's, and a liquidation order always takes (the
protocol places it for the liquidated subaccount): SELL = a long
liquidated.  ``size`` is base units, prices in USDC: USD = ``size * price``.

``DELEVERAGED`` trades are kept apart: when a liquidation cannot be filled
in the book, the protocol closes the underwater position against a
profitable one (auto-deleveraging).  They are not counted as liquidations
(the totals would mix two mechanisms); the feed counts them on their own
(``deleveraged``, ``deleveraged_usd``, once per trade id).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.dedupe import RecentKeys
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, PerMarketStreamFeed, Spawn

CHANNEL = "v4_trades"
LIQUIDATED = "LIQUIDATED"
DELEVERAGED = "DELEVERAGED"
_SIDES = {"SELL": LONG, "BUY": SHORT}
_TYPES = ("subscribed", "channel_data", "channel_batch_data")


def _ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


class DydxFeed(PerMarketStreamFeed):
    """dYdX v4 perpetuals liquidations, one channel per market (feed name ``dydx``)."""

    def __init__(self, spec: VenueSpec, settings: ExchangeSettings, **kwargs: Any) -> None:
        super().__init__(spec, settings, **kwargs)
        #: auto-deleveraging trades seen (kept apart from liquidations) and their USD
        self.deleveraged = 0
        self.deleveraged_usd = 0.0
        self._deleveraged_ids = RecentKeys(10_000)  # a snapshot after a reconnect repeats them

    def is_liquidation_frame(self, message: Any) -> bool:
        return type(message) is dict and message.get("channel") == CHANNEL and message.get("type") in _TYPES

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        exchange = self.name

        def trades(msg: Any) -> list[Any]:
            contents = msg["contents"]
            if msg["type"] == "channel_batch_data":  # subscribed with batched=true
                return [t for part in contents for t in part["trades"]]
            return contents["trades"]

        def normalise(msg: Any) -> list[Liquidation]:
            market_id = msg["id"]
            contract = contracts.get(market_id)
            symbol = contract.symbol if contract else f"{market_id.split('-', 1)[0]}/USDC:USDC"
            out: list[Liquidation] = []
            for t in trades(msg):
                kind = t["type"]
                if kind == LIQUIDATED:
                    price, qty = float(t["price"]), float(t["size"])
                    out.append(NEW_EVENT(Liquidation, (_ms(t["createdAt"]), exchange, symbol, _SIDES[t["side"]], price, qty, qty * price)))
                elif kind == DELEVERAGED and self._deleveraged_ids.add(t["id"]):
                    self.deleveraged += 1
                    self.deleveraged_usd += float(t["price"]) * float(t["size"])
            return out

        return normalise

    def wants(self, market: dict[str, Any]) -> bool:
        return bool(market.get("swap"))

    def subscribe_markets(self, exchange: Any, spawn: Spawn, markets: list[dict[str, Any]]) -> None:
        url = exchange.urls["api"]["ws"]
        for market in markets:
            hash_ = f"liqwatch:{CHANNEL}:{market['id']}"
            spawn(exchange.watch(url, hash_, {"type": "subscribe", "channel": CHANNEL, "id": market["id"]}, hash_))


SPEC = VenueSpec(
    name="dydx",
    ccxt_id="dydx",
    kind=STREAM,
    feed=DydxFeed,
)
