"""HTX swaps on loopback: contract info of the USDT-margined and
coin-margined perpetuals (ccxt's ``load_markets``), and the two notification
WebSockets (``/linear-swap-notification``, ``/swap-notification``) speaking
HTX's protocol: every frame gzip-compressed, ``{"op":"sub"}`` acknowledged,
``{"op":"ping"}`` sent on subscribe and the client's ``{"op":"pong"}`` kept
in ``pongs``, ``public.*.liquidation_orders`` pushed per contract as
``op: notify``."""

from __future__ import annotations

import gzip
import json
import random
import time
from typing import Any, Callable

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

TOPIC = "public.*.liquidation_orders"
LINEAR_SIZE = {"BTC": 0.001, "ETH": 0.01, "SOL": 1.0, "XRP": 10.0, "DOGE": 100.0}
INVERSE_SIZE = {"BTC": 100.0, "ETH": 10.0}
PATHS = {"linear": "/linear-swap-notification", "inverse": "/swap-notification"}


def _now_ms() -> int:
    return int(time.time() * 1000)


def _info(code: str, size: float) -> dict[str, Any]:
    """One contract_info row; only USDT-margined rows carry ``business_type``
    (ccxt tells linear from inverse by it, as the venues' answers differ)."""
    base = code.split("-")[0]
    row: dict[str, Any] = {
        "symbol": base, "contract_code": code, "contract_size": size, "price_tick": 0.1, "delivery_date": "",
        "delivery_time": "", "create_date": "20201021", "contract_status": 1, "settlement_date": str(_now_ms() + 3_600_000),
    }
    if code.endswith("-USDT"):
        row.update(support_margin_mode="all", business_type="swap", pair=code, contract_type="swap", trade_partition="USDT")
    return row


class HtxLoopback(LoopbackExchange):
    def __init__(self) -> None:
        super().__init__()
        r = self.app.router
        r.add_get("/linear-swap-api/v1/swap_contract_info", self._linear)
        r.add_get("/swap-api/v1/swap_contract_info", self._inverse)
        r.add_get("/api/v1/contract_contract_info", self._futures)
        r.add_get("/v2/reference/currencies", self._none)
        r.add_get("/v1/common/symbols", self._none)
        for kind, path in PATHS.items():
            r.add_get(path, self._ws_for(kind))
        #: every {"op":"pong"} received, with its ts
        self.pongs: list[Any] = []

    async def _linear(self, request: web.Request) -> web.Response:
        rows = [_info(f"{b}-USDT", s) for b, s in LINEAR_SIZE.items()]
        return web.json_response({"status": "ok", "data": rows, "ts": _now_ms()})

    async def _inverse(self, request: web.Request) -> web.Response:
        rows = [_info(f"{b}-USD", s) for b, s in INVERSE_SIZE.items()]
        return web.json_response({"status": "ok", "data": rows, "ts": _now_ms()})

    async def _futures(self, request: web.Request) -> web.Response:
        """Coin-margined dated futures (ccxt refuses an empty list; the feed
        does not read their endpoint)."""
        row = {"symbol": "BTC", "contract_code": "BTC261225", "contract_type": "quarter", "contract_size": 100.0,
               "price_tick": 0.01, "delivery_date": "20261225", "delivery_time": "1798185600000",
               "create_date": "20260612", "contract_status": 1, "settlement_time": "1798185600000"}
        return web.json_response({"status": "ok", "data": [row], "ts": _now_ms()})

    async def _none(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "data": [], "ts": _now_ms()})

    def encode(self, payload: Any) -> bytes:
        return gzip.compress(json.dumps(payload).encode())

    def _ws_for(self, kind: str):  # type: ignore[no-untyped-def]
        async def handler(request: web.Request) -> web.WebSocketResponse:
            async def on_text(ws: web.WebSocketResponse, text: str) -> None:
                msg = json.loads(text)
                if msg.get("op") == "pong":
                    self.pongs.append(msg.get("ts"))
                elif msg.get("op") == "sub":
                    await self.send_json(ws, {"op": "sub", "cid": msg.get("cid"), "topic": msg.get("topic"),
                                              "ts": _now_ms(), "err-code": 0})
                    await self._subscribed(ws, msg, [f"{msg.get('topic')}:{kind}"])
                    await self.send_json(ws, {"op": "ping", "ts": str(_now_ms())})

            return await self.serve_ws(request, on_text)

        return handler

    @staticmethod
    def kind_of(code: str) -> str:
        return "inverse" if code.split("-")[1] == "USD" else "linear"

    @staticmethod
    def entry(code: str, direction: str, volume: float, price: float, ts: int) -> dict[str, Any]:
        """One ``data`` entry (direction: the liquidation order's side)."""
        base = code.split("-")[0]
        out: dict[str, Any] = {"symbol": base, "contract_code": code, "direction": direction, "offset": "close",
                               "volume": volume, "price": price, "created_at": ts}
        if HtxLoopback.kind_of(code) == "linear":
            amount = volume * LINEAR_SIZE.get(base, 1.0)
            out.update(amount=amount, trade_turnover=amount * price, business_type="swap", pair=code)
        return out

    async def send_liquidations(self, code: str, entries: list[dict[str, Any]]) -> None:
        """One gzip notify frame for ``code`` holding every entry."""
        frame = {"op": "notify", "topic": f"public.{code}.liquidation_orders", "ts": _now_ms(), "data": entries}
        await self.send_frames([self.encode(frame)], list(entries), f"{TOPIC}:{self.kind_of(code)}")

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: one frame of 1-2 entries for a USDT-margined swap."""
        if f"{TOPIC}:linear" not in self.channels:
            return False
        base = rng.choice(tuple(LINEAR_SIZE))
        code = f"{base}-USDT"
        entries = [self.entry(code, rng.choice(("sell", "buy")), seq(), prices.base_price(base), ts) for _ in range(rng.choice((1, 1, 2)))]
        await self.send_liquidations(code, entries)
        return True

    def expected_liquidations(self) -> list[Liquidation]:
        out = []
        for e in self.sent_entries:
            base, quote = e["contract_code"].split("-")[:2]
            side = "long" if e["direction"] == "sell" else "short"
            price = float(e["price"])
            if quote == "USD":  # contracts of a fixed USD value
                usd = float(e["volume"]) * INVERSE_SIZE[base]
                out.append(Liquidation(e["created_at"], "htx", f"{base}/USD:{base}", side, price, usd / price, usd))
            else:  # contracts of LINEAR_SIZE base units
                qty = float(e["volume"]) * LINEAR_SIZE[base]
                out.append(Liquidation(e["created_at"], "htx", f"{base}/{quote}:{quote}", side, price, qty, qty * price))
        return out
