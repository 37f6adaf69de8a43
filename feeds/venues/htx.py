"""HTX perpetual swaps: ``public.*.liquidation_orders`` on the notification
endpoints, USDT-margined (``/linear-swap-notification``) and coin-margined
(``/swap-notification``); every frame gzip-compressed, keep-alive by the
venue's ``{"op":"ping"}`` that ccxt answers with ``{"op":"pong"}``.

The ``*`` subscribes every contract at once (HTX's own SDK demos use it), and
frames come back per contract::

    {"op":"notify","topic":"public.BTC-USDT.liquidation_orders","ts":1608226502344,
     "data":[{"symbol":"BTC","contract_code":"BTC-USDT","direction":"sell","offset":"close",
              "volume":227.0,"price":23350.5,"created_at":1608226502284,
              "amount":0.227,"trade_turnover":5300.5635}]}

``direction`` is the liquidation order's side: sell closes a long, so sell =
long liquidated.  ``volume`` is contracts: USDT-margined base = volume x
contract size (ccxt ``contractSize``, base units), USD = base x price (the
venue's ``amount`` and ``trade_turnover`` say the same); coin-margined
contracts are worth a fixed USD amount each (``contractSize``: 100 for BTC,
10 for the others), USD = volume x that.  ``created_at`` is ms.  A contract
the loaded markets do not know is named from its code and priced from the
frame itself (linear: ``amount`` and ``trade_turnover``; inverse: HTX's fixed
sizes).  Dated coin-margined futures live on another endpoint, keyed by
index rather than contract, and are not read (README).
"""

from __future__ import annotations

from typing import Any

from feeds.events import LONG, SHORT, Liquidation
from feeds.venues.markets import Contract, amounts
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser, Spawn, StreamLiquidationFeed

TOPIC = "public.*.liquidation_orders"
_SUFFIX = ".liquidation_orders"
#: The liquidation order's side -> the side of the liquidated position.
SIDES = {"sell": LONG, "buy": SHORT}
#: ccxt ``urls['api']['ws']['api']['swap']`` sub-type -> its notification endpoint key.
ENDPOINTS = ("linear", "inverse")
BTC_CONTRACT_USD = 100.0
OTHER_CONTRACT_USD = 10.0


def _unknown(code: str, item: dict[str, Any]) -> tuple[str, float, float]:
    """(symbol, base qty, USD) of a contract the markets do not know."""
    parts = code.split("-")
    base, quote = parts[0], parts[1]
    expiry = f"-{parts[2]}" if len(parts) > 2 else ""
    if quote == "USD":
        usd = float(item["volume"]) * (BTC_CONTRACT_USD if base == "BTC" else OTHER_CONTRACT_USD)
        return f"{base}/USD:{base}{expiry}", usd / float(item["price"]), usd
    return f"{base}/{quote}:{quote}{expiry}", float(item["amount"]), float(item["trade_turnover"])


def htx_normaliser(contracts: dict[str, Contract], exchange: str = "htx") -> Normaliser:
    def normalise(msg: Any) -> list[Liquidation]:
        out: list[Liquidation] = []
        for item in msg["data"]:
            code = item["contract_code"]
            price = float(item["price"])
            contract = contracts.get(code)
            if contract is None:
                symbol, qty, usd = _unknown(code, item)
            else:
                symbol = contract.symbol
                qty, usd = amounts(contract, float(item["volume"]), price)
            side = SIDES[item["direction"]]
            out.append(NEW_EVENT(Liquidation, (int(item["created_at"]), exchange, symbol, side, price, qty, usd)))
        return out

    return normalise


class HtxFeed(StreamLiquidationFeed):
    """HTX USDT- and coin-margined swap liquidations (feed name ``htx``)."""

    def is_liquidation_frame(self, message: Any) -> bool:
        return (
            type(message) is dict
            and message.get("op") == "notify"
            and str(message.get("topic", "")).endswith(_SUFFIX)
        )

    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        return htx_normaliser(contracts, self.name)

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        endpoints = exchange.urls["api"]["ws"]["api"]["swap"]
        for kind in ENDPOINTS:
            url = endpoints[kind]["private"]  # ccxt's name for the notification endpoint
            hash_ = f"liqwatch:{TOPIC}:{kind}"
            request = {"op": "sub", "cid": exchange.request_id(), "topic": TOPIC}
            spawn(exchange.watch(url, hash_, request, hash_))


SPEC = VenueSpec(
    name="htx",
    ccxt_id="htx",
    kind=STREAM,
    feed=HtxFeed,
    ccxt_options={"fetchMarkets": {"types": {"spot": False, "linear": True, "inverse": True}}},
    tickers_params=({"type": "swap", "subType": "linear"},),
)
