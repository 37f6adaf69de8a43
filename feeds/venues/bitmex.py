"""BitMEX: the ``liquidation`` table, over aiohttp (ccxt 4.5 has no BitMEX).

``{"op":"subscribe","args":["liquidation"]}`` on ``/realtime`` gives the
liquidation orders resting in the book: ``partial`` (those resting when the
subscription starts), then ``insert`` (the engine took over a position and
placed its order), ``update`` (``leavesQty`` or ``price`` changed as it
fills) and ``delete`` (filled or gone).  Frames (tardis-node's fixture)::

    {"table":"liquidation","action":"insert","data":[{"orderID":"dd9cea25-207c-0dab-15b5-b88da776f500",
     "symbol":"XBTUSD","side":"Buy","price":10106,"leavesQty":9214}]}
    {"table":"liquidation","action":"delete","data":[{"orderID":"dd9cea25-207c-0dab-15b5-b88da776f500","symbol":"XBTUSD"}]}

**What counts.** These are orders, not fills.  Each liquidation order counts
once, when it first appears (``insert``, or ``partial`` for one resting
before the connection): its ``leavesQty`` then is the size the engine took
over and its ``price`` the order's.  Updates and deletes never count: they
are the same liquidation filling, and a delete does not say whether it
filled.  So an order id is remembered (across reconnects: the ``partial`` of
a new connection repeats orders already counted) and never counted twice.
The table has no timestamp: ``ts`` is when liqwatch saw the order.

``side`` is the liquidation order's: Sell = a long liquidated.  Size is in
contracts; what one is worth comes from the instrument (``/api/v1/instrument/active``):
inverse (``XBTUSD``) |multiplier| / 1e8 USD each; linear (``XBTUSDT``)
1 / underlyingToPositionMultiplier base units each; quanto (``ETHUSD``,
settled in XBT) multiplier x price satoshi each, valued at XBT's mark price
from the same markets load.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, NamedTuple

from feeds.events import LONG, SHORT, Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.aiohttp_stream import AiohttpStreamFeed
from feeds.venues.ccxt_feed import DEDUPE_CAPACITY
from feeds.venues.dedupe import RecentKeys
from feeds.venues.spec import STREAM, VenueSpec
from feeds.venues.stream import NEW_EVENT, Normaliser

TABLE = "liquidation"
INSTRUMENTS_PATH = "/api/v1/instrument/active"
_SIDES = {"Sell": LONG, "Buy": SHORT}
_COUNTED = ("partial", "insert")
_CURRENCIES = {"XBT": "BTC", "XBt": "BTC", "USDt": "USDT"}
_SATOSHI = 1e-8


class BitmexContract(NamedTuple):
    """What a BitMEX contract is worth: ``kind`` inverse, linear or quanto,
    and ``factor``: USD per contract (inverse), base units per contract
    (linear), USD per contract per unit of price (quanto)."""

    symbol: str
    kind: str
    factor: float


def _currency(code: str) -> str:
    return _CURRENCIES.get(code, code.upper())


def contract_of(inst: dict[str, Any], xbt_usd: float) -> BitmexContract:
    """The ccxt-style symbol and value of one instrument."""
    base, quote, settle = _currency(inst["underlying"]), _currency(inst["quoteCurrency"]), _currency(inst["settlCurrency"])
    symbol = f"{base}/{quote}:{settle}"
    if inst.get("typ") == "FFCCSX" and inst.get("expiry"):  # a dated future
        expiry = inst["expiry"]
        symbol += f"-{expiry[2:4]}{expiry[5:7]}{expiry[8:10]}"
    multiplier = float(inst["multiplier"])
    if inst.get("isInverse"):
        return BitmexContract(symbol, "inverse", abs(multiplier) * _SATOSHI)
    if inst.get("isQuanto"):
        return BitmexContract(symbol, "quanto", multiplier * _SATOSHI * xbt_usd)
    return BitmexContract(symbol, "linear", 1.0 / float(inst["underlyingToPositionMultiplier"]))


def contract_table(instruments: list[dict[str, Any]]) -> dict[str, BitmexContract]:
    """BitMEX symbol -> contract, for every future and perpetual."""
    xbt_usd = next((float(i["markPrice"]) for i in instruments if i["symbol"] == "XBTUSD" and i.get("markPrice")), 0.0)
    return {i["symbol"]: contract_of(i, xbt_usd) for i in instruments if str(i.get("typ", "")).startswith("FF")}


def _now_ms() -> int:
    return int(time.time() * 1000)


class BitmexFeed(AiohttpStreamFeed):
    """BitMEX liquidations (feed name ``bitmex``); see the module docstring.
    ``unpriced`` counts orders of an instrument not in the loaded markets
    (named in ``last_garbage``; the markets are reloaded every 10 minutes)."""

    REST_ORIGIN = "https://www.bitmex.com"
    WS_URL = "wss://ws.bitmex.com/realtime"

    def __init__(
        self, spec: VenueSpec, settings: ExchangeSettings, *, clock: Callable[[], int] = _now_ms, **kwargs: Any
    ) -> None:
        super().__init__(spec, settings, **kwargs)
        self.clock = clock
        self.unpriced = 0
        #: the liquidation orders already counted (it outlives reconnects)
        self.orders = RecentKeys(DEDUPE_CAPACITY)

    def is_liquidation_frame(self, message: Any) -> bool:
        return type(message) is dict and message.get("table") == TABLE

    async def fetch_contracts(self, get_json: Any) -> dict[str, BitmexContract]:
        return contract_table(await get_json(INSTRUMENTS_PATH))

    def subscriptions(self) -> list[Any]:
        return [{"op": "subscribe", "args": [TABLE]}]

    def make_normaliser(self, contracts: dict[str, BitmexContract]) -> Normaliser:  # type: ignore[override]
        exchange = self.name
        orders = self.orders

        def normalise(msg: Any) -> list[Liquidation]:
            if msg["action"] not in _COUNTED:
                return []
            now = self.clock()
            out: list[Liquidation] = []
            ids: list[str] = []
            for row in msg["data"]:
                order_id = row["orderID"]
                if order_id in ids:
                    continue
                contract = contracts.get(row["symbol"])
                if contract is None:
                    self.unpriced += 1
                    self.last_garbage = f"unpriced: {row['symbol']} is not among the loaded instruments"
                    continue
                price, size = float(row["price"]), float(row["leavesQty"])
                if contract.kind == "linear":
                    qty = size * contract.factor
                    usd = qty * price
                else:
                    usd = size * contract.factor * (price if contract.kind == "quanto" else 1.0)
                    qty = usd / price
                out.append(NEW_EVENT(Liquidation, (now, exchange, contract.symbol, _SIDES[row["side"]], price, qty, usd)))
                ids.append(order_id)
            # Only a frame that normalised whole marks its orders counted.
            fresh = [ev for ev, order_id in zip(out, ids) if orders.add(order_id)]
            self.duplicates += len(out) - len(fresh)
            return fresh

        return normalise


SPEC = VenueSpec(
    name="bitmex",
    ccxt_id=None,
    kind=STREAM,
    feed=BitmexFeed,
    exchange_time=False,
)
