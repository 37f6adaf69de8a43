"""OKX v5 on loopback: public instruments (SWAP, FUTURES; linear and
inverse, with ctVal) and the public WebSocket (text "ping" -> "pong",
``liquidation-orders`` by instType)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from tests.loopback.base import LoopbackExchange

CHANNEL = "liquidation-orders"


def _instrument(inst_type: str, inst_id: str, ct_val: str, ct_type: str, exp: str = "") -> dict[str, Any]:
    base, quote = inst_id.split("-")[:2]
    settle = quote if ct_type == "linear" else base
    return {
        "alias": "quarter" if exp else "",
        "baseCcy": "",
        "category": "1",
        "ctMult": "1",
        "ctType": ct_type,
        "ctVal": ct_val,
        "ctValCcy": base if ct_type == "linear" else quote,
        "expTime": exp,
        "instFamily": f"{base}-{quote}",
        "instId": inst_id,
        "instType": inst_type,
        "lever": "100",
        "listTime": "1606468572000",
        "lotSz": "1",
        "maxIcebergSz": "100000000",
        "maxLmtSz": "100000000",
        "maxMktSz": "10000",
        "maxStopSz": "10000",
        "maxTriggerSz": "100000000",
        "maxTwapSz": "100000000",
        "minSz": "1",
        "optType": "",
        "quoteCcy": "",
        "settleCcy": settle,
        "state": "live",
        "stk": "",
        "tickSz": "0.1",
        "uly": f"{base}-{quote}",
    }


INSTRUMENTS = {
    "SWAP": [
        _instrument("SWAP", "BTC-USDT-SWAP", "0.01", "linear"),
        _instrument("SWAP", "ETH-USDT-SWAP", "0.1", "linear"),
        _instrument("SWAP", "SOL-USDT-SWAP", "1", "linear"),
        _instrument("SWAP", "BTC-USD-SWAP", "100", "inverse"),
        _instrument("SWAP", "ETH-USD-SWAP", "10", "inverse"),
    ],
    "FUTURES": [
        _instrument("FUTURES", "BTC-USD-261225", "100", "inverse", exp="1798185600000"),
        _instrument("FUTURES", "BTC-USDT-261225", "0.01", "linear", exp="1798185600000"),
    ],
}


class OkxLoopback(LoopbackExchange):
    def __init__(self) -> None:
        super().__init__()
        self.instruments = {k: list(v) for k, v in INSTRUMENTS.items()}
        r = self.app.router
        r.add_get("/api/v5/public/instruments", self._instruments)
        r.add_get("/api/v5/public/time", self._time)
        r.add_get("/ws/v5/public", self._ws)
        r.add_get("/ws/v5/business", self._ws)

    async def _instruments(self, request: web.Request) -> web.Response:
        data = self.instruments.get(request.query.get("instType", ""), [])
        return web.json_response({"code": "0", "msg": "", "data": data})

    async def _time(self, request: web.Request) -> web.Response:
        import time

        return web.json_response({"code": "0", "msg": "", "data": [{"ts": str(int(time.time() * 1000))}]})

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            if text == "ping":
                if not self.stalled:
                    await ws.send_str("pong")
                return
            msg = json.loads(text)
            if msg.get("op") == "subscribe":
                channels = []
                for arg in msg.get("args", []):
                    await self.send_json(ws, {"event": "subscribe", "arg": arg, "connId": "loopback"})
                    channels.append(f"{arg.get('channel')}:{arg.get('instType', arg.get('instId'))}")
                await self._subscribed(ws, msg, channels)

        return await self.serve_ws(request, on_text)

    @staticmethod
    def detail(side: str, sz: float, bk_px: float, ts: int) -> dict[str, str]:
        """One entry of ``details`` (side is the order side)."""
        return {
            "bkLoss": "0",
            "bkPx": f"{bk_px}",
            "ccy": "",
            "posSide": "long" if side == "sell" else "short",
            "side": side,
            "sz": f"{sz}",
            "ts": str(ts),
        }

    async def send_liquidations(self, inst_id: str, details: list[dict[str, str]], *, inst_type: str | None = None) -> None:
        """One frame for ``inst_id`` holding every entry of ``details``."""
        inst_type = inst_type or ("SWAP" if inst_id.endswith("-SWAP") else "FUTURES")
        family = "-".join(inst_id.split("-")[:2])
        frame = {
            "arg": {"channel": CHANNEL, "instType": inst_type},
            "data": [
                {
                    "details": details,
                    "instFamily": family,
                    "instId": inst_id,
                    "instType": inst_type,
                    "uly": family,
                }
            ],
        }
        entries = [dict(d, instId=inst_id, instType=inst_type) for d in details]
        await self.send_frames([json.dumps(frame)], entries, f"{CHANNEL}:{inst_type}")
