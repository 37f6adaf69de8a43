"""OKX v5: the ``liquidation-orders`` channel, instType SWAP and FUTURES.

Frame::

    {"arg":{"channel":"liquidation-orders","instType":"SWAP"},
     "data":[{"instId":"BTC-USDT-SWAP","instType":"SWAP","uly":"BTC-USDT",
              "details":[{"bkPx":"30000","side":"sell","posSide":"long",
                          "sz":"12","ts":"1692266434010", ...}, ...]}, ...]}

Every entry of every ``details`` list is one liquidation (ccxt keeps only
``details[0]``).  ``side`` is the order side: sell = long liquidated.  ``sz``
is in contracts: linear USD = ``sz * ctVal * bkPx`` (ctVal in base units),
inverse USD = ``sz * ctVal`` (ctVal in USD).  ``ts`` is a string of ms.
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract
from feeds.venues.spec import STREAM, ContextSpec, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

CHANNEL = "liquidation-orders"
INST_TYPES = ("SWAP", "FUTURES")
_SIDES = {"sell": LONG, "buy": SHORT}


def okx_normaliser(contracts: dict[str, Contract], exchange: str = "okx") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        out: list[Liquidation] = []
        for item in msg["data"]:
            inst_id = item["instId"]
            contract = contracts.get(inst_id)
            if contract is None:
                raise KeyError(f"unknown instrument {inst_id} (markets not refreshed yet)")
            symbol = contract.symbol
            size = contract.contract_size
            for d in item["details"]:
                price = float(d["bkPx"])
                if contract.inverse:
                    usd = float(d["sz"]) * size
                    qty = usd / price
                else:
                    qty = float(d["sz"]) * size
                    usd = qty * price
                out.append(NEW_EVENT(Liquidation, (int(d["ts"]), exchange, symbol, _SIDES[d["side"]], price, qty, usd)))
        return out

    return normalise


class OkxFeed(StreamLiquidationFeed):
    """OKX perpetual swaps and futures liquidations (feed name ``okx``)."""

    def is_liquidation_frame(self, message: Any) -> bool:
        if type(message) is not dict or "data" not in message:
            return False
        arg = message.get("arg")
        return type(arg) is dict and arg.get("channel") == CHANNEL

    def is_control_text(self, text: str) -> bool:
        return text == "pong"

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return okx_normaliser(contracts, self.name)

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        # One subscription per instType with its own message hash: ccxt's
        # watchLiquidationsForSymbols uses one hash for both, so the second
        # instType would never be sent.
        url = exchange.get_url(CHANNEL, "public")
        for inst_type in INST_TYPES:
            hash_ = f"liqwatch:{CHANNEL}:{inst_type}"
            request = {"op": "subscribe", "args": [{"channel": CHANNEL, "instType": inst_type}]}
            spawn(exchange.watch_multiple(url, [hash_], request, [hash_]))


def okx_volume_usd(ticker: dict[str, Any], market: dict[str, Any]) -> float | None:
    """Swaps and futures: ``vol24h`` is contracts, ``volCcy24h`` base units, so USD = ``volCcy24h`` x last."""
    info = ticker.get("info") or {}
    last = ticker.get("last")
    vol_ccy = info.get("volCcy24h")
    return float(vol_ccy) * float(last) if vol_ccy is not None and last else None


SPEC = VenueSpec(
    name="okx",
    ccxt_id="okx",
    kind=STREAM,
    feed=OkxFeed,
    ccxt_options={"fetchMarkets": {"types": ["swap", "future"]}},
    tickers_params=({"type": "swap"},),
    context=ContextSpec(ticker_usd=okx_volume_usd, ohlcv_limit=300),
)
