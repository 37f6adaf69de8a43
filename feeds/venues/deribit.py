"""Deribit: liquidations are trades flagged ``liquidation``, on ``trades.future.any.100ms``.

Deribit has no liquidation channel; a trade in which a position was
liquidated carries ``liquidation``: ``T`` (the taker was liquidated), ``M``
(the maker was) or ``MT`` (both).  One subscription covers every future and
perpetual of every currency (``trades.{kind}.{currency}.{interval}`` with
``future``/``any``; ``raw`` needs an authenticated connection, ``100ms``
does not and still carries each trade).  Frame (tardis-node's fixture)::

    {"jsonrpc":"2.0","method":"subscription","params":{"channel":"trades.BTC-PERPETUAL.raw",
     "data":[{"trade_seq":40781986,"trade_id":"66460463","timestamp":1584058044032,
              "tick_direction":3,"price":4469.5,"liquidation":"T","instrument_name":"BTC-PERPETUAL",
              "index_price":4805.41,"direction":"sell","amount":1120}]}}

``direction`` is the taker's side.  Only the liquidated side counts: ``T``
with direction sell is a long liquidated (its forced order sold); ``M`` is
the maker's, the opposite of ``direction``; ``MT`` is one liquidation of
each side.  Trades without the field are ordinary and skipped.

``amount`` (Deribit API docs, ``trades``): USD for inverse futures and
perpetuals (``BTC-PERPETUAL``, settled in the coin), base coin for the
linear USDC/USDT ones (``BTC_USDC-PERPETUAL``).  So inverse USD =
``amount``, linear USD = ``amount * price``.  Options are left out: their
price is in the coin and they are not where forced selling shows.
"""

from __future__ import annotations

import datetime
from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

CHANNEL = "trades.future.any.100ms"
_PREFIX = "trades."
#: The side a forced order had -> the position it closed.
_FORCED = {"sell": LONG, "buy": SHORT}
_OPPOSITE = {"sell": SHORT, "buy": LONG}
_MONTHS = {
    m: i for i, m in enumerate(("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"), 1)
}


def instrument_contract(name: str) -> Contract:
    """A future listed after markets were loaded, named from its instrument
    name the way ccxt names Deribit markets: ``BTC-PERPETUAL`` ->
    ``BTC/USD:BTC``, ``BTC-27DEC24`` -> ``BTC/USD:BTC-241227``,
    ``ETH_USDC-PERPETUAL`` -> ``ETH/USDC:USDC``."""
    pair, expiry = name.rsplit("-", 1)
    if "_" in pair:
        base, quote = pair.split("_", 1)
        symbol, inverse = f"{base}/{quote}:{quote}", False
    else:
        symbol, inverse = f"{pair}/USD:{pair}", True
    if expiry != "PERPETUAL":
        day = datetime.date(2000 + int(expiry[-2:]), _MONTHS[expiry[-5:-2]], int(expiry[:-5]))
        symbol += "-" + day.strftime("%y%m%d")
    return Contract(symbol, 1.0, inverse)


def deribit_normaliser(contracts: dict[str, Contract], exchange: str = "deribit") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        out: list[Liquidation] = []
        for t in msg["params"]["data"]:
            flag = t.get("liquidation")
            if flag is None:
                continue
            name = t["instrument_name"]
            contract = contracts.get(name) or instrument_contract(name)
            price = float(t["price"])
            amount = float(t["amount"])
            if contract.inverse:
                usd, qty = amount, amount / price
            else:
                usd, qty = amount * price, amount
            direction = t["direction"]
            if flag == "T":
                sides = (_FORCED[direction],)
            elif flag == "M":
                sides = (_OPPOSITE[direction],)
            elif flag == "MT":
                sides = (LONG, SHORT)
            else:
                raise ValueError(f"unknown liquidation flag {flag!r}")
            ts = int(t["timestamp"])
            for side in sides:
                out.append(NEW_EVENT(Liquidation, (ts, exchange, contract.symbol, side, price, qty, usd)))
        return out

    return normalise


class DeribitFeed(StreamLiquidationFeed):
    """Deribit futures and perpetuals liquidations (feed name ``deribit``)."""

    def is_liquidation_frame(self, message: Any) -> bool:
        if type(message) is not dict or message.get("method") != "subscription":
            return False
        params = message.get("params")
        return type(params) is dict and str(params.get("channel", "")).startswith(_PREFIX)

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return deribit_normaliser(contracts, self.name)

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        # ccxt's watchTradesForSymbols subscribes per instrument; the
        # kind/currency channel is one subscription for every future.
        request = {"jsonrpc": "2.0", "method": "public/subscribe", "params": {"channels": [CHANNEL]}, "id": exchange.request_id()}
        hash_ = "liqwatch:" + CHANNEL
        spawn(exchange.watch_multiple(exchange.urls["api"]["ws"], [hash_], request, [CHANNEL]))


SPEC = VenueSpec(
    name="deribit",
    ccxt_id="deribit",
    kind=STREAM,
    feed=DeribitFeed,
)
