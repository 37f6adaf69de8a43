"""dYdX v4: the indexer's ``v4_trades``, where a trade's ``type`` is ``LIQUIDATED``.

An on-chain venue: every match is public, so the stream is complete.  The
channel exists per market (``{"type":"subscribe","channel":"v4_trades",
"id":"BTC-USD"}``): the feed subscribes every listed market and a markets
refresh adds new listings.  The indexer takes at most 32 subscriptions per
channel on one connection and 2 subscribe messages a second (its docs, as
nautilus_trader's client keeps them), so markets go 32 to a connection
(``markets_per_connection``), each connection subscribing one market every
``subscribe_interval_s``.  ccxt keeps one connection per URL: the shards'
URLs differ only in a fragment (``.../v4/ws#2``), which is never sent.  The ``subscribed`` answer carries the market's
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

import asyncio
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
#: The indexer's limits: subscriptions per channel on one connection, and
#: seconds between subscribe messages on one connection (2 a second, with room).
MARKETS_PER_CONNECTION = 32
SUBSCRIBE_INTERVAL_S = 0.55


def _ms(iso: str) -> int:
    return round(datetime.fromisoformat(iso).timestamp() * 1000)


class DydxFeed(PerMarketStreamFeed):
    """dYdX v4 perpetuals liquidations, one channel per market (feed name ``dydx``)."""

    def __init__(
        self,
        spec: VenueSpec,
        settings: ExchangeSettings,
        *,
        markets_per_connection: int = MARKETS_PER_CONNECTION,
        subscribe_interval_s: float = SUBSCRIBE_INTERVAL_S,
        **kwargs: Any,
    ) -> None:
        super().__init__(spec, settings, **kwargs)
        if markets_per_connection < 1:
            raise ValueError("markets_per_connection must be >= 1")
        self.markets_per_connection = markets_per_connection
        self.subscribe_interval_s = subscribe_interval_s
        #: per connection (shard) of the current session: markets subscribed,
        #: and the loop time its next subscribe message may go
        self.shards: list[list[float]] = []
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

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        self.shards = []
        await super().subscribe(exchange, spawn)

    def subscribe_markets(self, exchange: Any, spawn: Spawn, markets: list[dict[str, Any]]) -> None:
        url = exchange.urls["api"]["ws"]
        now = asyncio.get_running_loop().time()
        for market in markets:
            shard = next((i for i, s in enumerate(self.shards) if s[0] < self.markets_per_connection), len(self.shards))
            if shard == len(self.shards):
                self.shards.append([0, now])
            count, at = self.shards[shard]
            at = max(now, at)
            self.shards[shard] = [count + 1, at + self.subscribe_interval_s]
            request = {"type": "subscribe", "channel": CHANNEL, "id": market["id"]}
            spawn(self._watch_later(exchange, f"{url}#{shard}", request, at - now))

    async def _watch_later(self, exchange: Any, url: str, request: dict[str, Any], delay: float) -> Any:
        await asyncio.sleep(delay)
        hash_ = f"liqwatch:{CHANNEL}:{request['id']}"
        return await exchange.watch(url, hash_, request, hash_)


SPEC = VenueSpec(
    name="dydx",
    ccxt_id="dydx",
    kind=STREAM,
    feed=DydxFeed,
)
