"""Bitget on loopback: the v2 mix contracts ccxt's ``load_markets`` reads
(USDT-, coin- and USDC-margined perpetuals), and the v3 public WebSocket
``/v3/ws/public`` (text "ping" -> "pong", ``liquidation`` by instType)."""

from __future__ import annotations

import json
import random
import time
from typing import Any, Callable

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

TOPIC = "liquidation"
#: productType -> (market id, base, quote, margin coin) of each perpetual listed
CONTRACTS = {
    "USDT-FUTURES": [("BTCUSDT", "BTC", "USDT", "USDT"), ("ETHUSDT", "ETH", "USDT", "USDT"), ("APEUSDT", "APE", "USDT", "USDT")],
    "COIN-FUTURES": [("BTCUSD", "BTC", "USD", "BTC"), ("ETHUSD", "ETH", "USD", "ETH")],
    "USDC-FUTURES": [("BTCPERP", "BTC", "USDC", "USDC")],
}
INST_TYPE = {"USDT-FUTURES": "usdt-futures", "COIN-FUTURES": "coin-futures", "USDC-FUTURES": "usdc-futures"}


def _contract(market_id: str, base: str, quote: str, margin: str) -> dict[str, Any]:
    return {
        "symbol": market_id, "baseCoin": base, "quoteCoin": quote, "buyLimitPriceRatio": "0.9",
        "sellLimitPriceRatio": "0.9", "feeRateUpRatio": "0.1", "makerFeeRate": "0.0002", "takerFeeRate": "0.0006",
        "openCostUpRatio": "0.1", "supportMarginCoins": [margin], "minTradeNum": "0.001", "priceEndStep": "1",
        "volumePlace": "3", "pricePlace": "1", "sizeMultiplier": "0.001", "symbolType": "perpetual",
        "minTradeUSDT": "5", "maxSymbolOrderNum": "200", "maxProductOrderNum": "400", "maxPositionNum": "150",
        "symbolStatus": "normal", "offTime": "-1", "limitOpenTime": "-1", "deliveryTime": "", "deliveryStartTime": "",
        "deliveryPeriod": "", "launchTime": "", "fundInterval": "8", "minLever": "1", "maxLever": "125",
        "posLimit": "0.05", "maintainTime": "",
    }


class BitgetLoopback(LoopbackExchange):
    # Bitget: code 429 "Too Many Requests" (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = {"code": "429", "msg": "Too Many Requests", "requestTime": 0, "data": None}

    def __init__(self) -> None:
        super().__init__()
        r = self.app.router
        r.add_get("/api/v2/mix/market/contracts", self._contracts)
        r.add_get("/api/v2/spot/public/coins", self._empty)
        r.add_get("/api/v2/public/time", self._time)
        r.add_get("/v3/ws/public", self._ws)

    def _ok(self, data: Any) -> web.Response:
        return web.json_response({"code": "00000", "msg": "success", "requestTime": int(time.time() * 1000), "data": data})

    async def _contracts(self, request: web.Request) -> web.Response:
        rows = CONTRACTS.get(request.query.get("productType", ""), [])
        return self._ok([_contract(*row) for row in rows])

    async def _empty(self, request: web.Request) -> web.Response:
        return self._ok([])

    async def _time(self, request: web.Request) -> web.Response:
        return self._ok({"serverTime": str(int(time.time() * 1000))})

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        return await self.serve_args_ws(request, lambda arg: f"{arg.get('topic')}:{arg.get('instType')}")

    @staticmethod
    def entry(market_id: str, side: str, price: float, amount: float, ts: int) -> dict[str, str]:
        """One entry of ``data`` (side: the liquidated position's; amount in quote)."""
        return {"symbol": market_id, "side": side, "price": f"{price}", "amount": f"{amount}", "ts": str(ts)}

    async def send_liquidations(self, inst_type: str, entries: list[dict[str, str]]) -> None:
        """One frame on ``inst_type`` holding every entry."""
        frame = {"action": "update", "arg": {"instType": inst_type, "topic": TOPIC}, "data": entries,
                 "ts": max(int(e["ts"]) for e in entries) + 5}
        await self.send_frames([json.dumps(frame)], [dict(e, instType=inst_type) for e in entries], f"{TOPIC}:{inst_type}")

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: one usdt-futures frame of 1-2 entries."""
        if f"{TOPIC}:usdt-futures" not in self.channels:
            return False
        base = rng.choice(("BTC", "ETH"))
        entries = [self.entry(f"{base}USDT", rng.choice(("buy", "sell")), prices.base_price(base), float(seq()), ts)
                   for _ in range(rng.choice((1, 1, 2)))]
        await self.send_liquidations("usdt-futures", entries)
        return True

    def expected_liquidations(self) -> list[Liquidation]:
        names = {}
        for product, rows in CONTRACTS.items():
            for market_id, base, quote, margin in rows:
                names[(INST_TYPE[product], market_id)] = f"{base}/{quote}:{margin}"
        out = []
        for e in self.sent_entries:
            price, usd = float(e["price"]), float(e["amount"])  # amount is quote: USD
            side = "long" if e["side"] == "buy" else "short"
            out.append(Liquidation(int(e["ts"]), "bitget", names[(e["instType"], e["symbol"])], side, price, usd / price, usd))
        return out
