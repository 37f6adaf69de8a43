"""Deribit v2 on loopback: ``public/get_instruments`` and ``public/get_currencies``
over REST, and the JSON-RPC WebSocket (``public/subscribe``; ``public/test``
answered) pushing ``trades.*`` notifications where a trade may carry
``liquidation`` (``M``, ``T``, ``MT``)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

CHANNEL = "trades.future.any.100ms"
EXPIRY_MS = 1798185600000  # 2026-12-25 08:00 UTC


def _instrument(base: str, quote: str, settle: str, name: str, expiry: int = 32503708800000) -> dict[str, Any]:
    inverse = settle == base
    return {
        "tick_size": 0.5,
        "taker_commission": 0.0005,
        "settlement_period": "perpetual" if name.endswith("PERPETUAL") else "month",
        "settlement_currency": settle,
        "quote_currency": quote,
        "min_trade_amount": 10.0 if inverse else 0.001,
        "max_leverage": 50,
        "maker_commission": 0.0,
        "kind": "future",
        "is_active": True,
        "instrument_name": name,
        "future_type": "reversed" if inverse else "linear",
        "instrument_type": "reversed" if inverse else "linear",
        "expiration_timestamp": expiry,
        "creation_timestamp": 1534242287000,
        "counter_currency": quote,
        "contract_size": 10.0 if base == "BTC" and inverse else 1.0 if inverse else 0.001,
        "base_currency": base,
    }


INSTRUMENTS = [
    _instrument("BTC", "USD", "BTC", "BTC-PERPETUAL"),
    _instrument("ETH", "USD", "ETH", "ETH-PERPETUAL"),
    _instrument("BTC", "USD", "BTC", "BTC-25DEC26", EXPIRY_MS),
    _instrument("BTC", "USDC", "USDC", "BTC_USDC-PERPETUAL"),
    _instrument("SOL", "USDC", "USDC", "SOL_USDC-PERPETUAL"),
]


class DeribitLoopback(LoopbackExchange):
    # Deribit: JSON-RPC error 10028 "too_many_requests" (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = {"jsonrpc": "2.0", "error": {"message": "too_many_requests", "code": 10028}, "testnet": False}

    def __init__(self) -> None:
        super().__init__()
        self.instruments = list(INSTRUMENTS)
        r = self.app.router
        r.add_get("/api/v2/public/get_instruments", self._instruments)
        r.add_get("/api/v2/public/get_currencies", self._currencies)
        r.add_get("/api/v2/public/get_time", self._time)
        r.add_get("/ws/api/v2", self._ws)
        self._trade_id = 0

    def _rpc(self, result: Any) -> web.Response:
        now_us = int(time.time() * 1e6)
        return web.json_response({"jsonrpc": "2.0", "result": result, "usIn": now_us, "usOut": now_us, "usDiff": 1, "testnet": False})

    async def _instruments(self, request: web.Request) -> web.Response:
        currency = request.query.get("currency", "any")
        return self._rpc([i for i in self.instruments if currency in ("any", i["base_currency"])])

    async def _currencies(self, request: web.Request) -> web.Response:
        coins = sorted({i["base_currency"] for i in self.instruments} | {"USDC"})
        return self._rpc([{"currency": c, "currency_long": c, "fee_precision": 4, "min_confirmations": 1,
                           "min_withdrawal_fee": 0.0001, "withdrawal_fee": 0.0001, "withdrawal_priorities": [],
                           "coin_type": "BITCOIN"} for c in coins])

    async def _time(self, request: web.Request) -> web.Response:
        return self._rpc(int(time.time() * 1000))

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            msg = json.loads(text)
            method, id_ = msg.get("method"), msg.get("id")
            if method == "public/subscribe":
                channels = list(msg.get("params", {}).get("channels", []))
                await self.send_json(ws, {"jsonrpc": "2.0", "id": id_, "result": channels, "testnet": False})
                await self._subscribed(ws, msg, channels)
            elif method == "public/test":
                await self.send_json(ws, {"jsonrpc": "2.0", "id": id_, "result": {"version": "1.2.26"}})

        return await self.serve_ws(request, on_text)

    def trade(self, name: str, direction: str, amount: float, price: float, ts: int, liquidation: str | None) -> dict[str, Any]:
        """One trade as Deribit sends it; ``liquidation`` None is an ordinary trade."""
        self._trade_id += 1
        t: dict[str, Any] = {
            "trade_seq": self._trade_id,
            "trade_id": str(100_000 + self._trade_id),
            "timestamp": ts,
            "tick_direction": 3,
            "price": price,
            "mark_price": price,
            "instrument_name": name,
            "index_price": price,
            "direction": direction,
            "amount": amount,
        }
        if liquidation is not None:
            t["liquidation"] = liquidation
        return t

    async def send_trades(self, trades: list[dict[str, Any]]) -> None:
        """One notification holding ``trades``; the liquidations among them are the entries."""
        frame = {"jsonrpc": "2.0", "method": "subscription", "params": {"channel": CHANNEL, "data": trades}}
        await self.send_frames([json.dumps(frame)], [t for t in trades if "liquidation" in t], CHANNEL)

    def expected_liquidations(self) -> list[Liquidation]:
        by_name = {i["instrument_name"]: i for i in self.instruments}
        out = []
        for t in self.sent_entries:
            inst = by_name[t["instrument_name"]]
            base, quote, settle = inst["base_currency"], inst["counter_currency"], inst["settlement_currency"]
            symbol = f"{base}/{quote}:{settle}"
            if not inst["instrument_name"].endswith("PERPETUAL"):
                symbol += "-" + time.strftime("%y%m%d", time.gmtime(inst["expiration_timestamp"] / 1000))
            price, amount = t["price"], t["amount"]
            qty, usd = (amount / price, amount) if settle == base else (amount, amount * price)
            taker = "long" if t["direction"] == "sell" else "short"
            maker = "short" if taker == "long" else "long"
            sides = {"T": [taker], "M": [maker], "MT": ["long", "short"]}[t["liquidation"]]
            out += [Liquidation(t["timestamp"], "deribit", symbol, s, price, qty, usd) for s in sides]
        return out

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: one notification of 1-3 trades, mostly liquidations."""
        if CHANNEL not in {c for chans in self._sockets.values() for c in chans}:
            return False
        trades = []
        for _ in range(rng.choice((1, 1, 2, 3))):
            inst = rng.choice(self.instruments)
            inverse = inst["settlement_currency"] == inst["base_currency"]
            amount = float(10 * seq()) if inverse else round(0.001 * seq(), 3)
            flag = rng.choice(("T", "M", "MT", None))
            price = prices.base_price(inst["base_currency"])
            trades.append(self.trade(inst["instrument_name"], rng.choice(("buy", "sell")), amount, price, ts, flag))
        await self.send_trades(trades)
        return True
