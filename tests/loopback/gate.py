"""Gate futures v4 on loopback: contracts and tickers of the USDT- and
BTC-settled perpetuals, REST ``liq_orders`` (the venue's history, served by
``from`` in seconds), and the WebSocket ``/v4/ws/{settle}`` speaking
``futures.public_liquidates`` (subscribe ack, batched ``update`` frames).

A liquidation is one fact sent both ways, as the venue does: an ``update``
entry to subscribed sockets (ground truth ``sent_entries``) and a row in the
REST history.  One that reached no socket (no subscriber, a drop, a stall)
is in ``missed``: a correct feed recovers it with its catch-up after the next
reconnect, from the REST row."""

from __future__ import annotations

import json
import random
import time
from typing import Any, Callable

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

CHANNEL = "futures.public_liquidates"
BASES = ("BTC", "ETH", "SOL", "XRP", "DOGE")
GATE_MULTIPLIER = {"BTC": "0.0001", "ETH": "0.01", "SOL": "1", "XRP": "10", "DOGE": "10"}
#: BTC-settled (inverse) contracts: Gate lists quanto_multiplier 0, each contract is 1 USD.
INVERSE = ("BTC",)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _contract(name: str, multiplier: str, kind: str) -> dict[str, Any]:
    base = name.split("_")[0]
    last = prices.price_at(base, _now_ms())
    return {
        "name": name, "type": kind, "quanto_multiplier": multiplier, "leverage_min": "1", "leverage_max": "100",
        "maintenance_rate": "0.005", "mark_type": "index", "mark_price": f"{last}", "index_price": f"{last}",
        "last_price": f"{last}", "maker_fee_rate": "-0.0001", "taker_fee_rate": "0.00075", "order_price_round": "0.1",
        "mark_price_round": "0.01", "funding_rate": "0.0001", "funding_interval": 28800,
        "funding_next_apply": int(time.time()) + 3600, "order_size_min": 1, "order_size_max": 1000000,
        "order_price_deviate": "0.5", "in_delisting": False, "status": "trading", "create_time": 1600000000,
    }


class GateLoopback(LoopbackExchange):
    # Gate v4: label TOO_MANY_REQUESTS (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = {"label": "TOO_MANY_REQUESTS", "message": "Request Rate limit Exceeded"}

    def __init__(self) -> None:
        super().__init__()
        r = self.app.router
        r.add_get("/api/v4/futures/{settle}/contracts", self._contracts)
        r.add_get("/api/v4/futures/{settle}/tickers", self._tickers)
        r.add_get("/api/v4/futures/{settle}/liq_orders", self._liq_orders)
        r.add_get("/api/v4/spot/currencies", self._empty_list)
        r.add_get("/v4/ws/{settle}", self._ws)
        #: the query of every liq_orders request
        self.liq_queries: list[dict[str, str]] = []
        #: the REST history: one row per liquidation, with its settle
        self.history: list[dict[str, Any]] = []
        #: entries no socket received (recoverable only over REST)
        self.missed: list[dict[str, Any]] = []

    @staticmethod
    def settle_of(contract: str) -> str:
        return "btc" if contract.endswith("_USD") else "usdt"

    async def _empty_list(self, request: web.Request) -> web.Response:
        return web.json_response([])

    async def _contracts(self, request: web.Request) -> web.Response:
        if request.match_info["settle"] == "btc":
            return web.json_response([_contract(f"{b}_USD", "0", "inverse") for b in INVERSE])
        return web.json_response([_contract(f"{b}_USDT", GATE_MULTIPLIER[b], "direct") for b in BASES])

    async def _tickers(self, request: web.Request) -> web.Response:
        now = _now_ms()
        settle = request.match_info["settle"]
        names = [f"{b}_USD" for b in INVERSE] if settle == "btc" else [f"{b}_USDT" for b in BASES]
        rows = []
        for name in names:
            b = name.split("_")[0]
            last = prices.price_at(b, now)
            rows.append(
                {
                    "contract": name, "last": f"{last}", "change_percentage": "0", "total_size": "1000",
                    "volume_24h": "1000", "volume_24h_base": f"{prices.volume_24h(b) / last}",
                    "volume_24h_quote": f"{prices.volume_24h(b)}", "volume_24h_settle": f"{prices.volume_24h(b)}",
                    "mark_price": f"{last}", "index_price": f"{last}", "high_24h": f"{last}", "low_24h": f"{last}",
                }
            )
        return web.json_response(rows)

    async def _liq_orders(self, request: web.Request) -> web.Response:
        settle = request.match_info["settle"]
        contract = request.query.get("contract")
        since_s = float(request.query.get("from", "0"))
        self.liq_queries.append(dict(request.query, settle=settle))
        rows = [
            {k: v for k, v in r.items() if k != "settle"}
            for r in self.history
            if r["settle"] == settle and (contract is None or r["contract"] == contract) and r["time"] >= since_s
        ]
        return web.json_response(rows[: int(request.query.get("limit", "100"))])

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        settle = request.match_info["settle"]

        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            msg = json.loads(text)
            if msg.get("channel") == CHANNEL and msg.get("event") == "subscribe":
                now = time.time()
                await self.send_json(
                    ws,
                    {"time": int(now), "time_ms": int(now * 1000), "id": msg.get("id"), "channel": CHANNEL,
                     "event": "subscribe", "result": {"status": "success"}},
                )
                await self._subscribed(ws, msg, [f"{CHANNEL}:{settle}"])

        return await self.serve_ws(request, on_text)

    @staticmethod
    def entry(contract: str, size: float, price: float, time_ms: int) -> dict[str, Any]:
        """One ``result`` entry (size: the liquidation order's, negative = sell = long liquidated)."""
        return {"price": price, "size": f"{size:g}", "time_ms": time_ms, "contract": contract}

    @staticmethod
    def row(contract: str, size: float, fill_price: float, time_s: int, left: float = 0) -> dict[str, Any]:
        """One liq_orders row (size: the position's, > 0 = long)."""
        return {"contract": contract, "left": left, "size": size, "fill_price": f"{fill_price}",
                "order_price": f"{fill_price * 0.999}", "time": time_s}

    def add_history(self, rows: list[dict[str, Any]]) -> None:
        """Rows only the REST history has (happened while nobody listened)."""
        for r in rows:
            self.history.append(dict(r, settle=self.settle_of(r["contract"])))
            self.missed.append({"contract": r["contract"], "rest": True, **r})

    async def send_liquidations(self, contract: str, entries: list[dict[str, Any]]) -> None:
        """One ``update`` frame for ``contract`` holding every entry (Gate's
        batching), and each entry's row in the REST history."""
        settle = self.settle_of(contract)
        for e in entries:
            self.history.append(dict(self.row(contract, -float(e["size"]), e["price"], e["time_ms"] // 1000), settle=settle))
        now = time.time()
        frame = {"channel": CHANNEL, "event": "update", "time": int(now), "time_ms": int(now * 1000), "result": entries}
        before = len(self.sent_entries)
        await self.send_frames([json.dumps(frame)], list(entries), f"{CHANNEL}:{settle}")
        if len(self.sent_entries) == before:
            self.missed.extend(entries)

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: one batched frame of 1-3 entries for a USDT contract."""
        if f"{CHANNEL}:usdt" not in self.channels:
            return False
        base = rng.choice(BASES)
        price = prices.base_price(base)
        await self.send_liquidations(f"{base}_USDT", [self.entry(f"{base}_USDT", seq() * rng.choice((1, -1)), price, ts)
                                                      for _ in range(rng.choice((1, 1, 2, 3)))])
        return True

    def _contract_facts(self, contract: str) -> tuple[str, float, bool]:
        base, quote = contract.split("_")
        if quote == "USD":
            return f"{base}/USD:{base}", 1.0, True
        return f"{base}/{quote}:{quote}", float(GATE_MULTIPLIER[base]), False

    def expected_liquidations(self) -> list[Liquidation]:
        """Delivered entries as the stream spells them; missed ones as their
        REST row does (what the catch-up recovers)."""
        out = []
        for e in self.sent_entries:
            symbol, mult, inverse = self._contract_facts(e["contract"])
            size, price = float(e["size"]), float(e["price"])
            side = "long" if size < 0 else "short"
            out.append(self._event(e["time_ms"], symbol, side, price, abs(size), mult, inverse))
        for e in self.missed:
            r = e if e.get("rest") else self.row(e["contract"], -float(e["size"]), e["price"], e["time_ms"] // 1000)
            symbol, mult, inverse = self._contract_facts(r["contract"])
            size, price = float(r["size"]), float(r["fill_price"])
            filled = abs(size - float(r["left"]))
            side = "long" if size > 0 else "short"
            out.append(self._event(int(r["time"]) * 1000, symbol, side, price, filled, mult, inverse))
        return out

    @staticmethod
    def _event(ts: int, symbol: str, side: str, price: float, contracts: float, mult: float, inverse: bool) -> Liquidation:
        if inverse:  # contracts of ``mult`` USD
            usd = contracts * mult
            return Liquidation(ts, "gate", symbol, side, price, usd / price, usd)
        qty = contracts * mult  # contracts of ``mult`` base units
        return Liquidation(ts, "gate", symbol, side, price, qty, qty * price)
