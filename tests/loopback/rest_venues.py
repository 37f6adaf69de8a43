"""HTX (linear swaps) on loopback: the REST endpoints ccxt's
``load_markets``, ``fetch_tickers`` and ``fetch_liquidations`` call.
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
HTX_CONTRACT_SIZE = {"BTC": 0.001, "ETH": 0.01, "SOL": 1.0, "XRP": 10.0, "DOGE": 100.0}


def _now_ms() -> int:
    return int(time.time() * 1000)


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
