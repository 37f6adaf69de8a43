"""Bitget: the v3 (UTA) public WebSocket topic ``liquidation``, instType
``usdt-futures``, ``coin-futures`` and ``usdc-futures`` (every contract of
each).  Frame::

    {"action":"update","arg":{"instType":"usdt-futures","topic":"liquidation"},
     "data":[{"symbol":"APEUSDT","side":"buy","price":"0.1649","amount":"13.70319","ts":"1777358886549"}, ...],
     "ts":1777358897167}

``side`` is the side of the liquidated POSITION: buy = a long was liquidated
(tardis-node maps it so, "Bitget side is position side"; aggr inverted its
mapping to the same reading when it moved to v3 in 2026-02; Bitget's docs
describe the push as the largest record "for long and short positions").
``amount`` is in quote currency (USDT, USDC, or USD for coin-margined
contracts), so USD = amount and base = amount / price; no contract size is
needed, and a contract the markets do not know is named from its symbol.
``ts`` is a string of ms.

The venue sends at most one record per contract, side and second (the
largest of that second): a lower bound even by the standard of the others.
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

TOPIC = "liquidation"
INST_TYPES = ("usdt-futures", "coin-futures", "usdc-futures")
#: ``side``, the liquidated position's side.
SIDES = {"buy": LONG, "sell": SHORT}


def symbol_of(inst_type: str, market_id: str) -> str:
    """Unified symbol of a perpetual the markets do not know: ``APEUSDT`` ->
    ``APE/USDT:USDT``, ``BTCPERP``/``BTCUSDC`` -> ``BTC/USDC:USDC``,
    ``BTCUSD`` -> ``BTC/USD:BTC``."""
    if inst_type == "coin-futures":
        base = market_id.removesuffix("_CM").removesuffix("USD")
        return f"{base}/USD:{base}"
    quote = "USDC" if inst_type == "usdc-futures" else "USDT"
    for suffix in (quote, "PERP"):
        if market_id.endswith(suffix) and len(market_id) > len(suffix):
            return f"{market_id[: -len(suffix)]}/{quote}:{quote}"
    return market_id


def bitget_normaliser(contracts: dict[str, Contract], exchange: str = "bitget") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        inst_type = msg["arg"]["instType"]
        out: list[Liquidation] = []
        for d in msg["data"]:
            market_id = d["symbol"]
            contract = contracts.get(market_id)
            symbol = contract.symbol if contract is not None else symbol_of(inst_type, market_id)
            price = float(d["price"])
            usd = float(d["amount"])
            out.append(NEW_EVENT(Liquidation, (int(d["ts"]), exchange, symbol, SIDES[d["side"]], price, usd / price, usd)))
        return out

    return normalise


class BitgetFeed(StreamLiquidationFeed):
    """Bitget USDT-, coin- and USDC-margined futures liquidations (feed name ``bitget``)."""

    def is_liquidation_frame(self, message: Any) -> bool:
        if type(message) is not dict or message.get("action") != "update":
            return False
        arg = message.get("arg")
        return type(arg) is dict and arg.get("topic") == TOPIC

    def is_control_text(self, text: str) -> bool:
        return text == "pong"

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return bitget_normaliser(contracts, self.name)

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        url = exchange.urls["api"]["ws"]["utaPublic"]
        hash_ = f"liqwatch:{TOPIC}"
        request = {"op": "subscribe", "args": [{"instType": t, "topic": TOPIC} for t in INST_TYPES]}
        spawn(exchange.watch(url, hash_, request, hash_))


SPEC = VenueSpec(
    name="bitget",
    ccxt_id="bitget",
    kind=STREAM,
    feed=BitgetFeed,
    ccxt_options={"fetchMarkets": {"types": ["swap"]}},
    tickers_params=({"type": "swap"},),
)
