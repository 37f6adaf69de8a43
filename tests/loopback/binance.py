"""Binance USD-M (fapi, fstream) and COIN-M (dapi, dstream) on loopback.

One server plays one of the two (``market="usdm"`` or ``"coinm"``), as the
real venues are two origins.  Liquidation frames go only to connections on
the venue's working path: ``/market/ws`` for USD-M (the legacy ``/ws`` path
accepts the subscribe and then sends nothing, as fstream does), ``/ws`` for
COIN-M.
"""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

CHANNEL = "!forceOrder@arr"


def _filters(tick: str, step: str) -> list[dict[str, str]]:
    return [
        {"filterType": "PRICE_FILTER", "tickSize": tick, "minPrice": tick, "maxPrice": "10000000"},
        {"filterType": "LOT_SIZE", "stepSize": step, "minQty": step, "maxQty": "100000000"},
        {"filterType": "MARKET_LOT_SIZE", "stepSize": step, "minQty": step, "maxQty": "100000000"},
        {"filterType": "MIN_NOTIONAL", "notional": "5"},
    ]


def _usdm_symbol(base: str, quote: str = "USDT") -> dict[str, Any]:
    return {
        "symbol": f"{base}{quote}",
        "pair": f"{base}{quote}",
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1569398400000,
        "status": "TRADING",
        "baseAsset": base,
        "quoteAsset": quote,
        "marginAsset": quote,
        "pricePrecision": 2,
        "quantityPrecision": 3,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "filters": _filters("0.01", "0.001"),
        "orderTypes": ["LIMIT", "MARKET"],
        "timeInForce": ["GTC", "IOC"],
    }


def _coinm_symbol(base: str, size: int) -> dict[str, Any]:
    return {
        "symbol": f"{base}USD_PERP",
        "pair": f"{base}USD",
        "contractType": "PERPETUAL",
        "deliveryDate": 4133404800000,
        "onboardDate": 1597042800000,
        "contractStatus": "TRADING",
        "contractSize": size,
        "marginAsset": base,
        "baseAsset": base,
        "quoteAsset": "USD",
        "pricePrecision": 1,
        "quantityPrecision": 0,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "equalQtyPrecision": 4,
        "underlyingType": "COIN",
        "triggerProtect": "0.0500",
        "liquidationFee": "0.015000",
        "marketTakeBound": "0.05",
        "filters": _filters("0.1", "1"),
        "orderTypes": ["LIMIT", "MARKET"],
        "timeInForce": ["GTC", "IOC"],
    }


USDM_BASES = ("BTC", "ETH", "SOL", "XRP", "DOGE")
COINM_SIZES = {"BTC": 100, "ETH": 10, "SOL": 10}


class BinanceLoopback(LoopbackExchange):
    # Binance: code -1003 (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = {"code": -1003, "msg": "Too many requests; current limit of IP is 2400 requests per minute."}

    def __init__(self, market: str = "usdm") -> None:
        super().__init__()
        if market not in ("usdm", "coinm"):
            raise ValueError("market must be 'usdm' or 'coinm'")
        self.market = market
        self.liquidation_path = "/market/ws" if market == "usdm" else "/ws"
        self.prefix = "/fapi" if market == "usdm" else "/dapi"
        self.symbols = (
            [_usdm_symbol(b) for b in USDM_BASES]
            if market == "usdm"
            else [_coinm_symbol(b, s) for b, s in COINM_SIZES.items()]
        )
        r = self.app.router
        r.add_get(f"{self.prefix}/v1/exchangeInfo", self._exchange_info)
        r.add_get(f"{self.prefix}/v1/ping", self._empty)
        r.add_get(f"{self.prefix}/v1/time", self._time)
        r.add_get(f"{self.prefix}/v1/ticker/24hr", self._tickers)
        r.add_get(f"{self.prefix}/v1/openInterest", self._open_interest)
        r.add_get(f"{self.prefix}/v1/klines", self._klines)
        for path in ("/ws", "/market/ws", "/public/ws"):
            r.add_get(path, self._ws)
            r.add_get(path + "/{tail:.*}", self._ws)

    # -- REST -----------------------------------------------------------------

    async def _exchange_info(self, request: web.Request) -> web.Response:
        return web.json_response(
            {
                "timezone": "UTC",
                "serverTime": int(time.time() * 1000),
                "rateLimits": [],
                "exchangeFilters": [],
                "assets": [],
                "symbols": self.symbols,
            }
        )

    async def _empty(self, request: web.Request) -> web.Response:
        return web.json_response({})

    async def _time(self, request: web.Request) -> web.Response:
        return web.json_response({"serverTime": int(time.time() * 1000)})

    def _base(self, symbol_id: str) -> str:
        for s in self.symbols:
            if s["symbol"] == symbol_id:
                return s["baseAsset"]
        raise web.HTTPBadRequest(text=json.dumps({"code": -1121, "msg": "Invalid symbol."}))

    async def _tickers(self, request: web.Request) -> web.Response:
        now = int(time.time() * 1000)
        rows = []
        for s in self.symbols:
            base = s["baseAsset"]
            last = prices.price_at(base, now)
            quote_volume = prices.volume_24h(base)
            rows.append(
                {
                    "symbol": s["symbol"],
                    "priceChange": "0",
                    "priceChangePercent": "0",
                    "weightedAvgPrice": f"{last}",
                    "lastPrice": f"{last}",
                    "lastQty": "1",
                    "openPrice": f"{last}",
                    "highPrice": f"{last}",
                    "lowPrice": f"{last}",
                    **(
                        {"volume": f"{quote_volume / last}", "quoteVolume": f"{quote_volume}"}
                        if self.market == "usdm"
                        # COIN-M: volume in contracts, baseVolume in coins
                        else {"volume": f"{quote_volume / s['contractSize']}", "baseVolume": f"{quote_volume / last}"}
                    ),
                    "openTime": now - 86_400_000,
                    "closeTime": now,
                    "firstId": 1,
                    "lastId": 2,
                    "count": 2,
                }
            )
        return web.json_response(rows)

    async def _open_interest(self, request: web.Request) -> web.Response:
        symbol_id = request.query.get("symbol", "")
        base = self._base(symbol_id)
        return web.json_response(
            {"openInterest": f"{prices.open_interest(base)}", "symbol": symbol_id, "time": int(time.time() * 1000)}
        )

    async def _klines(self, request: web.Request) -> web.Response:
        base = self._base(request.query.get("symbol", ""))
        if request.query.get("interval") != "1h":
            raise web.HTTPBadRequest(text="loopback serves 1h only")
        limit = int(request.query.get("limit", "500"))
        since = int(request.query.get("startTime", "0"))
        rows = []
        for t, (o, h, l, c, v) in prices.bars(base, since, limit):
            rows.append([t, f"{o}", f"{h}", f"{l}", f"{c}", f"{v}", t + prices.HOUR_MS - 1, f"{v * c}", 10, f"{v / 2}", f"{v * c / 2}", "0"])
        return web.json_response(rows)

    # -- WebSocket ------------------------------------------------------------

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        live = request.path == self.liquidation_path or request.path.startswith(self.liquidation_path + "/")

        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            msg = json.loads(text)
            if msg.get("method") == "SUBSCRIBE":
                params = list(msg.get("params", []))
                await self.send_json(ws, {"result": None, "id": msg.get("id")})
                # the legacy path acknowledges and then stays silent
                await self._subscribed(ws, msg, params if live else [])

        return await self.serve_ws(request, on_text)

    # -- liquidations -----------------------------------------------------------

    @staticmethod
    def order(
        symbol: str,
        side: str,
        qty: float,
        avg_price: float,
        ts: int,
        *,
        filled: float | None = None,
        price: float | None = None,
    ) -> dict[str, Any]:
        """The ``o`` object of a forceOrder event (quantities: base for USD-M,
        contracts for COIN-M; ``filled`` defaults to the whole ``qty``)."""
        z = qty if filled is None else filled
        o: dict[str, Any] = {
            "s": symbol,
            "S": side,
            "o": "LIMIT",
            "f": "IOC",
            "q": f"{qty}",
            "p": f"{price if price is not None else avg_price * 0.99}",
            "ap": f"{avg_price}",
            "X": "FILLED",
            "l": f"{z}",
            "z": f"{z}",
            "T": ts,
        }
        if symbol.endswith("_PERP"):
            o["ps"] = symbol.split("_")[0]
        return o

    def expected_liquidations(self) -> list[Liquidation]:
        info = {s["symbol"]: s for s in self.symbols}
        out = []
        for o in self.sent_entries:
            sym = info[o["s"]]
            base, quote = sym["baseAsset"], sym["quoteAsset"]
            side = "long" if o["S"] == "SELL" else "short"
            price = float(o["ap"])
            if self.market == "usdm":
                qty = float(o["z"])
                out.append(Liquidation(o["T"], "binance", f"{base}/{quote}:{quote}", side, price, qty, qty * price))
            else:
                usd = float(o["z"]) * sym["contractSize"]
                out.append(Liquidation(o["T"], "binancecoinm", f"{base}/USD:{base}", side, price, usd / price, usd))
        return out

    async def send_liquidations(self, orders: list[dict[str, Any]]) -> None:
        """One forceOrder frame per order, all written back to back."""
        frames = [json.dumps({"e": "forceOrder", "E": o["T"] + 2, "o": o}) for o in orders]
        await self.send_frames(frames, orders, CHANNEL)
