"""Gate (futures v4) and HTX (linear swaps) on loopback: the REST endpoints
ccxt's ``load_markets``, ``fetch_tickers`` and ``fetch_liquidations`` call.
Liquidation rows are queued with ``add_liquidations`` and served by time
window (``from``/``start_time``), as the venues do; the server keeps every
row it added as ground truth (``sent_entries``)."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

BASES = ("BTC", "ETH", "SOL", "XRP", "DOGE")
GATE_MULTIPLIER = {"BTC": "0.0001", "ETH": "0.01", "SOL": "1", "XRP": "10", "DOGE": "10"}
HTX_CONTRACT_SIZE = {"BTC": 0.001, "ETH": 0.01, "SOL": 1.0, "XRP": 10.0, "DOGE": 100.0}


def _now_ms() -> int:
    return int(time.time() * 1000)


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
        #: the query of every liq_orders request
        self.liq_queries: list[dict[str, str]] = []

    async def _empty_list(self, request: web.Request) -> web.Response:
        return web.json_response([])

    async def _contracts(self, request: web.Request) -> web.Response:
        if request.match_info["settle"] != "usdt":
            return web.json_response([])
        rows = []
        for b in BASES:
            last = prices.price_at(b, _now_ms())
            rows.append(
                {
                    "name": f"{b}_USDT",
                    "type": "direct",
                    "quanto_multiplier": GATE_MULTIPLIER[b],
                    "leverage_min": "1",
                    "leverage_max": "100",
                    "maintenance_rate": "0.005",
                    "mark_type": "index",
                    "mark_price": f"{last}",
                    "index_price": f"{last}",
                    "last_price": f"{last}",
                    "maker_fee_rate": "-0.0001",
                    "taker_fee_rate": "0.00075",
                    "order_price_round": "0.1",
                    "mark_price_round": "0.01",
                    "funding_rate": "0.0001",
                    "funding_interval": 28800,
                    "funding_next_apply": int(time.time()) + 3600,
                    "order_size_min": 1,
                    "order_size_max": 1000000,
                    "in_delisting": False,
                    "status": "trading",
                    "create_time": 1600000000,
                }
            )
        return web.json_response(rows)

    async def _tickers(self, request: web.Request) -> web.Response:
        now = _now_ms()
        rows = []
        for b in BASES:
            last = prices.price_at(b, now)
            rows.append(
                {
                    "contract": f"{b}_USDT",
                    "last": f"{last}",
                    "change_percentage": "0",
                    "total_size": "1000",
                    "volume_24h": "1000",
                    "volume_24h_base": f"{prices.volume_24h(b) / last}",
                    "volume_24h_quote": f"{prices.volume_24h(b)}",
                    "volume_24h_settle": f"{prices.volume_24h(b)}",
                    "mark_price": f"{last}",
                    "index_price": f"{last}",
                    "high_24h": f"{last}",
                    "low_24h": f"{last}",
                }
            )
        return web.json_response(rows)

    async def _liq_orders(self, request: web.Request) -> web.Response:
        contract = request.query.get("contract")
        since_s = float(request.query.get("from", "0"))
        self.liq_queries.append(dict(request.query))
        rows = [r for r in self.sent_entries if (contract is None or r["contract"] == contract) and r["time"] >= since_s]
        return web.json_response(rows)

    @staticmethod
    def row(contract: str, size: int, fill_price: float, time_s: int, left: int = 0) -> dict[str, Any]:
        """One liq_orders row (size: signed position size, > 0 = long)."""
        return {
            "contract": contract,
            "left": left,
            "size": size,
            "fill_price": f"{fill_price}",
            "order_price": f"{fill_price * 0.999}",
            "time": time_s,
        }

    def add_liquidations(self, rows: list[dict[str, Any]]) -> None:
        self.sent_entries.extend(rows)

    def expected_liquidations(self) -> list[Liquidation]:
        out = []
        for r in self.sent_entries:
            base, quote = r["contract"].split("_")
            qty = abs(r["size"] - r["left"]) * float(GATE_MULTIPLIER[base])
            price = float(r["fill_price"])
            side = "long" if r["size"] > 0 else "short"
            out.append(Liquidation(r["time"] * 1000, "gate", f"{base}/{quote}:{quote}", side, price, qty, qty * price))
        return out


class HtxLoopback(LoopbackExchange):
    def __init__(self) -> None:
        super().__init__()
        r = self.app.router
        r.add_get("/linear-swap-api/v1/swap_contract_info", self._contracts)
        r.add_get("/v2/reference/currencies", self._currencies)
        r.add_get("/linear-swap-ex/market/detail/batch_merged", self._tickers)
        r.add_get("/v2/linear-swap-ex/market/detail/batch_merged", self._tickers)
        r.add_get("/v5/market/liquidation_orders", self._liq_orders)
        r.add_get("/v1/common/symbols", self._currencies)

    async def _currencies(self, request: web.Request) -> web.Response:
        return web.json_response({"code": 200, "status": "ok", "data": []})

    async def _contracts(self, request: web.Request) -> web.Response:
        rows = [
            {
                "symbol": b,
                "contract_code": f"{b}-USDT",
                "contract_size": HTX_CONTRACT_SIZE[b],
                "price_tick": 0.1,
                "delivery_date": "",
                "delivery_time": "",
                "create_date": "20201021",
                "contract_status": 1,
                "settlement_date": str(_now_ms() + 3_600_000),
                "support_margin_mode": "all",
                "business_type": "swap",
                "pair": f"{b}-USDT",
                "contract_type": "swap",
                "trade_partition": "USDT",
            }
            for b in BASES
        ]
        return web.json_response({"status": "ok", "data": rows, "ts": _now_ms()})

    async def _tickers(self, request: web.Request) -> web.Response:
        now = _now_ms()
        ticks = []
        for b in BASES:
            last = prices.price_at(b, now)
            ticks.append(
                {
                    "contract_code": f"{b}-USDT",
                    "business_type": "swap",
                    "id": now,
                    "ts": now,
                    "close": f"{last}",
                    "open": f"{last}",
                    "high": f"{last}",
                    "low": f"{last}",
                    "amount": f"{prices.volume_24h(b) / last}",
                    "vol": f"{prices.volume_24h(b) / last / HTX_CONTRACT_SIZE[b]}",
                    "trade_turnover": f"{prices.volume_24h(b)}",
                    "count": 10,
                    "ask": [last, 1],
                    "bid": [last, 1],
                }
            )
        return web.json_response({"status": "ok", "ticks": ticks, "ts": now})

    async def _liq_orders(self, request: web.Request) -> web.Response:
        code = request.query.get("contract_code")
        since = int(request.query.get("start_time", "0"))
        rows = [r for r in self.sent_entries if r["contract_code"] == code and int(r["liquidation_time"]) >= since]
        return web.json_response({"code": 200, "message": "Success", "data": rows, "ts": _now_ms()})

    @staticmethod
    def row(code: str, side: str, volume: int, price: float, ts: int, contract_size: float) -> dict[str, Any]:
        """One liquidation_orders row (side: the liquidation order's side)."""
        return {
            "id": str(ts),
            "contract_code": code,
            "liquidation_time": str(ts),
            "side": side,
            "position_side": "long" if side == "sell" else "short",
            "volume": str(volume),
            "amount": str(volume * contract_size),
            "bankrupt_price": f"{price}",
            "trade_turnover": f"{volume * contract_size * price}",
        }

    def add_liquidations(self, rows: list[dict[str, Any]]) -> None:
        self.sent_entries.extend(rows)

    def expected_liquidations(self) -> list[Liquidation]:
        out = []
        for r in self.sent_entries:
            base, quote = r["contract_code"].split("-")
            qty = float(r["volume"]) * HTX_CONTRACT_SIZE[base]
            out.append(
                Liquidation(
                    int(r["liquidation_time"]),
                    "htx",
                    f"{base}/{quote}:{quote}",
                    r["position_side"],
                    float(r["bankrupt_price"]),
                    qty,
                    float(r["trade_turnover"]),
                )
            )
        return out
