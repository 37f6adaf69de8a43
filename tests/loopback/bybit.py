"""Bybit v5 on loopback: instruments-info (linear, inverse; paged by nothing,
PreLaunch empty), server time, and the public linear/inverse WebSockets
(``{"op":"ping"}`` answered with a pong, ``allLiquidation.{symbol}``)."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange


def _instrument(category: str, base: str) -> dict[str, Any]:
    quote = "USDT" if category == "linear" else "USD"
    return {
        "symbol": f"{base}{quote}",
        "contractType": "LinearPerpetual" if category == "linear" else "InversePerpetual",
        "status": "Trading",
        "baseCoin": base,
        "quoteCoin": quote,
        "settleCoin": quote if category == "linear" else base,
        "launchTime": "1585526400000",
        "deliveryTime": "0",
        "deliveryFeeRate": "",
        "priceScale": "2",
        "leverageFilter": {"minLeverage": "1", "maxLeverage": "100.00", "leverageStep": "0.01"},
        "priceFilter": {"minPrice": "0.10", "maxPrice": "1999999.80", "tickSize": "0.10"},
        "lotSizeFilter": {
            "maxOrderQty": "1190.000",
            "minOrderQty": "0.001" if category == "linear" else "1",
            "qtyStep": "0.001" if category == "linear" else "1",
            "postOnlyMaxOrderQty": "1190.000",
            "maxMktOrderQty": "500.000",
            "minNotionalValue": "5",
        },
        "unifiedMarginTrade": True,
        "fundingInterval": 480,
        "settleCoin_": None,
        "copyTrading": "both",
        "upperFundingRate": "0.00375",
        "lowerFundingRate": "-0.00375",
        "isPreListing": False,
        "preListingInfo": None,
    }


LINEAR_BASES = ["BTC", "ETH", "SOL", "XRP", "DOGE", "ADA", "AVAX", "LINK", "DOT", "LTC", "BCH", "TRX"]
INVERSE_BASES = ["BTC", "ETH", "XRP"]


class BybitLoopback(LoopbackExchange):
    # Bybit v5: retCode 10006 "Too many visits" (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = {"retCode": 10006, "retMsg": "Too many visits!", "result": {}, "retExtInfo": {}}

    def __init__(self) -> None:
        super().__init__()
        self.instruments: dict[str, list[dict[str, Any]]] = {
            "linear": [_instrument("linear", b) for b in LINEAR_BASES],
            "inverse": [_instrument("inverse", b) for b in INVERSE_BASES],
        }
        r = self.app.router
        r.add_get("/v5/market/instruments-info", self._instruments)
        r.add_get("/v5/market/time", self._time)
        r.add_get("/v5/market/tickers", self._tickers)
        r.add_get("/v5/market/open-interest", self._open_interest)
        r.add_get("/v5/market/kline", self._kline)
        r.add_get("/v5/public/linear", self._ws)
        r.add_get("/v5/public/inverse", self._ws)

    def list_symbol(self, category: str, base: str) -> str:
        """A new listing, visible from the next instruments request."""
        inst = _instrument(category, base)
        self.instruments[category].append(inst)
        return inst["symbol"]

    @property
    def topics(self) -> list[str]:
        """Every topic subscribed so far, in order."""
        return [t for s in self.subscriptions for t in s.get("args", [])]

    async def _instruments(self, request: web.Request) -> web.Response:
        category = request.query.get("category", "")
        rows = [] if request.query.get("status") == "PreLaunch" else self.instruments.get(category, [])
        return web.json_response(
            {
                "retCode": 0,
                "retMsg": "OK",
                "result": {"category": category, "list": rows, "nextPageCursor": ""},
                "retExtInfo": {},
                "time": int(time.time() * 1000),
            }
        )

    def _ok(self, result: Any) -> web.Response:
        return web.json_response(
            {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": int(time.time() * 1000)}
        )

    def _find(self, category: str, symbol: str) -> dict[str, Any]:
        for inst in self.instruments.get(category, []):
            if inst["symbol"] == symbol:
                return inst
        raise web.HTTPBadRequest(text=json.dumps({"retCode": 10001, "retMsg": "symbol invalid"}))

    async def _tickers(self, request: web.Request) -> web.Response:
        category = request.query.get("category", "")
        now = int(time.time() * 1000)
        rows = []
        for inst in self.instruments.get(category, []):
            base = inst["baseCoin"]
            last = prices.price_at(base, now)
            usd = prices.volume_24h(base)
            rows.append(
                {
                    "symbol": inst["symbol"],
                    "lastPrice": f"{last}",
                    "indexPrice": f"{last}",
                    "markPrice": f"{last}",
                    "prevPrice24h": f"{last}",
                    "price24hPcnt": "0",
                    "highPrice24h": f"{last}",
                    "lowPrice24h": f"{last}",
                    # linear: volume in base, turnover in USDT; inverse: volume in USD, turnover in base
                    "volume24h": f"{usd / last}" if category == "linear" else f"{usd}",
                    "turnover24h": f"{usd}" if category == "linear" else f"{usd / last}",
                    "openInterest": f"{prices.open_interest(base)}",
                    "fundingRate": "0.0001",
                    "bid1Price": f"{last}",
                    "ask1Price": f"{last}",
                    "bid1Size": "1",
                    "ask1Size": "1",
                }
            )
        return self._ok({"category": category, "list": rows})

    async def _open_interest(self, request: web.Request) -> web.Response:
        category = request.query.get("category", "")
        symbol = request.query.get("symbol", "")
        base = self._find(category, symbol)["baseCoin"]
        now = int(time.time() * 1000)
        # linear: base units; inverse: USD
        oi = prices.open_interest(base) if category == "linear" else prices.open_interest(base) * prices.price_at(base, now)
        return self._ok(
            {"symbol": symbol, "category": category, "list": [{"openInterest": f"{oi}", "timestamp": str(now)}], "nextPageCursor": ""}
        )

    async def _kline(self, request: web.Request) -> web.Response:
        category = request.query.get("category", "")
        symbol = request.query.get("symbol", "")
        base = self._find(category, symbol)["baseCoin"]
        if request.query.get("interval") != "60":
            raise web.HTTPBadRequest(text="loopback serves 1h only")
        limit = int(request.query.get("limit", "200"))
        start = int(request.query.get("start", "0"))
        rows = [
            [str(t), f"{o}", f"{h}", f"{l}", f"{c}", f"{v}", f"{v * c}"] for t, (o, h, l, c, v) in prices.bars(base, start, limit)
        ]
        rows.reverse()  # Bybit answers newest first
        return self._ok({"symbol": symbol, "category": category, "list": rows})

    async def _time(self, request: web.Request) -> web.Response:
        now = time.time()
        return web.json_response(
            {
                "retCode": 0,
                "retMsg": "OK",
                "result": {"timeSecond": str(int(now)), "timeNano": str(int(now * 1e9))},
                "retExtInfo": {},
                "time": int(now * 1000),
            }
        )

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            msg = json.loads(text)
            op = msg.get("op")
            if op == "ping":
                await self.send_json(
                    ws,
                    {"success": True, "ret_msg": "pong", "conn_id": "loopback", "req_id": msg.get("req_id"), "op": "ping"},
                )
            elif op == "subscribe":
                await self.send_json(
                    ws,
                    {"success": True, "ret_msg": "", "conn_id": "loopback", "req_id": msg.get("req_id"), "op": "subscribe"},
                )
                await self._subscribed(ws, msg, list(msg.get("args", [])))

        return await self.serve_ws(request, on_text)

    @staticmethod
    def entry(symbol: str, side: str, size: float, price: float, ts: int) -> dict[str, Any]:
        """One entry of ``data`` (side is the liquidated position's side)."""
        return {"T": ts, "s": symbol, "S": side, "v": f"{size}", "p": f"{price}"}

    def expected_liquidations(self) -> list[Liquidation]:
        kinds = {i["symbol"]: (cat, i) for cat, rows in self.instruments.items() for i in rows}
        out = []
        for e in self.sent_entries:
            category, inst = kinds[e["s"]]
            base, quote, price = inst["baseCoin"], inst["quoteCoin"], float(e["p"])
            side = "long" if e["S"] == "Buy" else "short"
            if category == "linear":
                qty = float(e["v"])
                out.append(Liquidation(e["T"], "bybit", f"{base}/{quote}:{quote}", side, price, qty, qty * price))
            else:
                usd = float(e["v"])
                out.append(Liquidation(e["T"], "bybit", f"{base}/USD:{base}", side, price, usd / price, usd))
        return out

    async def send_liquidations(self, symbol: str, entries: list[dict[str, Any]]) -> None:
        """One frame on ``allLiquidation.{symbol}`` holding every entry."""
        topic = f"allLiquidation.{symbol}"
        ts = max(e["T"] for e in entries) + 5
        frame = {"topic": topic, "type": "snapshot", "ts": ts, "data": entries}
        await self.send_frames([json.dumps(frame)], list(entries), topic)
