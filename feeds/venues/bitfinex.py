"""Bitfinex derivatives: the ``status`` channel, key ``liq:global``.

One subscription, ``{"event":"subscribe","channel":"status","key":"liq:global"}``,
carries every liquidation of every perpetual (a margin pair, should one come,
is named as its spot symbol).  Like every Bitfinex channel
its frames name only the channel id the ``subscribed`` answer gave, so the
feed learns that id on each connection.  Frame (tardis-node's fixture; the
venue sends ``[CHAN_ID, [entry, ...]]``, and ``[CHAN_ID, "hb"]`` heartbeats)::

    [907, [["pos", 143679087, 1594036710543, null, "tETHF0:USTF0", -4.56671421,
            222.248906484356, null, 1, 1, null, 235.52]]]

Entry (Bitfinex docs, ws-public-status): ``["pos", POS_ID, TIME_MS, _,
SYMBOL, AMOUNT, BASE_PRICE, _, IS_MATCH, IS_MARKET_SOLD, _,
LIQUIDATION_PRICE]``.  ``AMOUNT`` is the position's signed size in base
units: > 0 a long was liquidated, < 0 a short.  A liquidation is announced
once with ``IS_MATCH`` 0 and then once more for each fill that closes it
(``IS_MATCH`` 1, same POS_ID), so only the first counts (tardis-node does the
same): the matches would count one liquidation two or more times.  USD =
|AMOUNT| x the liquidation price (the base price is where the position was
opened; it stands in when the venue leaves the liquidation price null).
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

CHANNEL = "status"
KEY = "liq:global"
_HEARTBEAT = "hb"


def _contract(market_id: str) -> Contract:
    """A pair not among the loaded perpetuals, named the way ccxt names
    Bitfinex markets (it spells USDT ``UST``): a perpetual listed since,
    ``tBTCF0:USTF0`` -> ``BTC/USDT:USDT``, or a margin pair, ``tBTCUSD`` /
    ``tAVAX:USD`` -> ``BTC/USD`` / ``AVAX/USD``."""
    pair = market_id[1:]
    base, quote = pair.split(":", 1) if ":" in pair else (pair[:3], pair[3:])
    if not base or not quote:
        raise ValueError(f"not a Bitfinex pair: {market_id!r}")
    quote = quote.removesuffix("F0")
    quote = "USDT" if quote == "UST" else quote
    if base.endswith("F0"):
        return Contract(f"{base.removesuffix('F0')}/{quote}:{quote}", 1.0, False)
    return Contract(f"{base}/{quote}", 1.0, False)


def bitfinex_normaliser(contracts: dict[str, Contract], exchange: str = "bitfinex") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        out: list[Liquidation] = []
        for e in msg[1]:
            if e[8]:  # a fill of a liquidation already announced
                continue
            market_id = e[4]
            contract = contracts.get(market_id) or _contract(market_id)
            amount = float(e[5])
            if amount == 0:
                raise ValueError("a liquidation of size 0")
            price = float(e[11] if e[11] is not None else e[6])
            qty = abs(amount)
            side = LONG if amount > 0 else SHORT
            out.append(NEW_EVENT(Liquidation, (int(e[2]), exchange, contract.symbol, side, price, qty, qty * price)))
        return out

    return normalise


class BitfinexFeed(StreamLiquidationFeed):
    """Bitfinex perpetuals liquidations (feed name ``bitfinex``)."""

    #: the ``liq:global`` channel id of the current connection
    chan_id: int | None = None

    def is_liquidation_frame(self, message: Any) -> bool:
        if type(message) is list:
            return len(message) > 1 and message[0] == self.chan_id and message[1] != _HEARTBEAT
        if type(message) is dict and message.get("event") == "subscribed" and message.get("key") == KEY:
            self.chan_id = message.get("chanId")
        return False

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return bitfinex_normaliser(contracts, self.name)

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        self.chan_id = None
        url = exchange.urls["api"]["ws"]["public"]
        request = {"event": "subscribe", "channel": CHANNEL, "key": KEY}
        hash_ = f"liqwatch:{CHANNEL}:{KEY}"
        spawn(exchange.watch(url, hash_, request, hash_))


SPEC = VenueSpec(
    name="bitfinex",
    ccxt_id="bitfinex",
    kind=STREAM,
    feed=BitfinexFeed,
)
