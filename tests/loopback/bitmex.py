"""BitMEX on loopback: ``/api/v1/instrument/active`` and the realtime
WebSocket ``/realtime`` (welcome on open, text ``ping`` -> ``pong``,
``subscribe`` -> ``success``, then the ``liquidation`` table: ``partial`` of
the resting liquidation orders, ``insert``, ``update``, ``delete``)."""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

TABLE = "liquidation"
XBT_MARK = 60000.0


def _instrument(symbol: str, underlying: str, quote: str, settl: str, multiplier: int, *, inverse: bool = False,
                quanto: bool = False, u2p: float | None = None, typ: str = "FFWCSX", expiry: str | None = None,
                mark: float = 0.0) -> dict[str, Any]:
    return {"symbol": symbol, "rootSymbol": underlying, "state": "Open", "typ": typ, "expiry": expiry,
            "underlying": underlying, "quoteCurrency": quote, "settlCurrency": settl, "positionCurrency": "",
            "multiplier": multiplier, "isQuanto": quanto, "isInverse": inverse,
            "underlyingToPositionMultiplier": u2p, "lotSize": 100, "tickSize": 0.5,
            "markPrice": mark or prices.base_price(underlying.replace("XBT", "BTC")), "lastPrice": mark}


INSTRUMENTS = [
    _instrument("XBTUSD", "XBT", "USD", "XBt", -100000000, inverse=True, mark=XBT_MARK),
    _instrument("XBTUSDT", "XBT", "USDT", "USDt", 1, u2p=1000000),
    _instrument("ETHUSD", "ETH", "USD", "XBt", 100, quanto=True),
    _instrument("SOLUSDT", "SOL", "USDT", "USDt", 1, u2p=10000),
    _instrument("XBTZ26", "XBT", "USD", "XBt", -100000000, inverse=True, typ="FFCCSX",
                expiry="2026-12-25T12:00:00.000Z"),
    {"symbol": ".BXBT", "typ": "MRCXXX", "state": "Unlisted", "underlying": "XBT", "quoteCurrency": "USD",
     "settlCurrency": "", "multiplier": None},
]


class BitmexLoopback(LoopbackExchange):
    RATE_LIMIT_BODY = {"error": {"message": "Rate limit exceeded, retry in 1 seconds.", "name": "RateLimitError"}}

    def __init__(self) -> None:
        super().__init__()
        self.instruments = list(INSTRUMENTS)
        r = self.app.router
        r.add_get("/api/v1/instrument/active", self._instruments)
        r.add_get("/realtime", self._ws)
        #: orderID -> the resting liquidation order (what a partial shows)
        self.resting: dict[str, dict[str, Any]] = {}
        #: pings answered
        self.pings = 0

    async def _instruments(self, request: web.Request) -> web.Response:
        return web.json_response(self.instruments)

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            if text == "ping":
                if not self.stalled:
                    self.pings += 1
                    await ws.send_str("pong")
                return
            msg = json.loads(text)
            if msg.get("op") == "subscribe" and TABLE in msg.get("args", []):
                await self.send_json(ws, {"success": True, "subscribe": TABLE, "request": msg})
                partial = {"table": TABLE, "action": "partial", "keys": ["orderID"],
                           "types": {"orderID": "guid", "symbol": "symbol", "side": "symbol", "price": "float",
                                     "leavesQty": "long"},
                           "foreignKeys": {"symbol": "instrument", "side": "side"}, "attributes": {"orderID": "grouped"},
                           "filter": {}, "data": list(self.resting.values())}
                await self.send_json(ws, partial)
                if self.resting:  # orders already sent once: a resend for the feed to drop
                    self.resent.append(json.dumps(partial))
                await self._subscribed(ws, msg, [TABLE])

        async def hello(ws: web.WebSocketResponse) -> None:
            await self.send_json(ws, {"info": "Welcome to the BitMEX Realtime API.", "version": "loopback",
                                      "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
                                      "docs": "https://www.bitmex.com/app/wsAPI", "heartbeatEnabled": False,
                                      "limit": {"remaining": 39}})

        return await self.serve_ws(request, on_text, on_open=hello)

    @staticmethod
    def order(symbol: str, side: str, price: float, leaves_qty: float, order_id: str | None = None) -> dict[str, Any]:
        return {"orderID": order_id or str(uuid.uuid4()), "symbol": symbol, "side": side, "price": price,
                "leavesQty": leaves_qty}

    async def send_action(self, action: str, rows: list[dict[str, Any]]) -> None:
        """One ``liquidation`` frame; the rows an ``insert`` brings are the entries."""
        frame = json.dumps({"table": TABLE, "action": action, "data": rows})
        written = len(self.sent_frames)
        await self.send_frames([frame], rows if action == "insert" else [], TABLE)
        if len(self.sent_frames) == written:
            return
        for row in rows:
            if action == "insert":
                self.resting[row["orderID"]] = dict(row)
            elif action == "update":
                self.resting[row["orderID"]].update(row)
            elif action == "delete":
                self.resting.pop(row["orderID"], None)

    def expected_liquidations(self) -> list[Liquidation]:
        """One event per inserted order at its inserted size; ``ts`` is the
        receiver's clock, so it is not part of the truth (tests compare
        everything else)."""
        by_symbol = {i["symbol"]: i for i in self.instruments}
        out = []
        for row in self.sent_entries:
            inst = by_symbol[row["symbol"]]
            base = "BTC" if inst["underlying"] == "XBT" else inst["underlying"]
            settle = {"XBt": "BTC", "USDt": "USDT"}[inst["settlCurrency"]]
            symbol = f"{base}/{inst['quoteCurrency']}:{settle}"
            if inst["typ"] == "FFCCSX":
                symbol += "-" + inst["expiry"][2:10].replace("-", "")
            price, size = float(row["price"]), float(row["leavesQty"])
            if inst["isInverse"]:
                usd = size * abs(inst["multiplier"]) / 1e8
                qty = usd / price
            elif inst["isQuanto"]:
                usd = size * inst["multiplier"] * price / 1e8 * XBT_MARK
                qty = usd / price
            else:
                qty = size / inst["underlyingToPositionMultiplier"]
                usd = qty * price
            out.append(Liquidation(0, "bitmex", symbol, "long" if row["side"] == "Sell" else "short", price, qty, usd))
        return out

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: a new liquidation order, or an update or delete of a resting one."""
        if not self._sockets or TABLE not in set().union(*self._sockets.values()):
            return False
        if self.resting and rng.random() < 0.4:
            order_id = rng.choice(sorted(self.resting))
            if rng.random() < 0.5:
                left = max(1, int(self.resting[order_id]["leavesQty"] // 2))
                await self.send_action("update", [{"orderID": order_id, "symbol": self.resting[order_id]["symbol"],
                                                   "leavesQty": left}])
            else:
                await self.send_action("delete", [{"orderID": order_id, "symbol": self.resting[order_id]["symbol"]}])
            return True
        inst = rng.choice([i for i in self.instruments if i["typ"].startswith("FF")])
        base = "BTC" if inst["underlying"] == "XBT" else inst["underlying"]
        await self.send_action("insert", [self.order(inst["symbol"], rng.choice(("Buy", "Sell")), prices.base_price(base),
                                                     100 * seq())])
        return True
