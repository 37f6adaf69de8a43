"""OKX v5 on loopback: public instruments (SWAP, FUTURES; linear and
inverse, with ctVal) and the public WebSocket (text "ping" -> "pong",
``liquidation-orders`` by instType)."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
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
    # OKX: code 50011 "Too Many Requests" (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = {"code": "50011", "msg": "Too Many Requests", "data": []}

    def __init__(self) -> None:
        super().__init__()
        self.instruments = {k: list(v) for k, v in INSTRUMENTS.items()}
        r = self.app.router
        r.add_get("/api/v5/public/instruments", self._instruments)
        r.add_get("/api/v5/public/time", self._time)
        r.add_get("/api/v5/market/tickers", self._tickers)
        r.add_get("/api/v5/public/open-interest", self._open_interest)
        r.add_get("/api/v5/market/candles", self._candles)
        r.add_get("/api/v5/market/history-candles", self._candles)
        r.add_get("/ws/v5/public", self._ws)
        r.add_get("/ws/v5/business", self._ws)

    async def _instruments(self, request: web.Request) -> web.Response:
        data = self.instruments.get(request.query.get("instType", ""), [])
        return web.json_response({"code": "0", "msg": "", "data": data})

    def _find(self, inst_id: str) -> dict[str, Any]:
        for rows in self.instruments.values():
            for inst in rows:
                if inst["instId"] == inst_id:
                    return inst
        raise web.HTTPBadRequest(text=json.dumps({"code": "51001", "msg": "Instrument ID does not exist"}))

    async def _tickers(self, request: web.Request) -> web.Response:
        import time

        now = int(time.time() * 1000)
        rows = []
        for inst in self.instruments.get(request.query.get("instType", ""), []):
            base = inst["instId"].split("-")[0]
            last = prices.price_at(base, now)
            base_volume = prices.volume_24h(base) / last
            ct_val = float(inst["ctVal"])
            contracts = base_volume / ct_val if inst["ctType"] == "linear" else prices.volume_24h(base) / ct_val
            rows.append(
                {
                    "instType": inst["instType"],
                    "instId": inst["instId"],
                    "last": f"{last}",
                    "lastSz": "1",
                    "askPx": f"{last}",
                    "askSz": "1",
                    "bidPx": f"{last}",
                    "bidSz": "1",
                    "open24h": f"{last}",
                    "high24h": f"{last}",
                    "low24h": f"{last}",
                    "volCcy24h": f"{base_volume}",
                    "vol24h": f"{contracts}",
                    "sodUtc0": f"{last}",
                    "sodUtc8": f"{last}",
                    "ts": str(now),
                }
            )
        return web.json_response({"code": "0", "msg": "", "data": rows})

    async def _open_interest(self, request: web.Request) -> web.Response:
        import time

        inst = self._find(request.query.get("instId", ""))
        base = inst["instId"].split("-")[0]
        now = int(time.time() * 1000)
        oi_base = prices.open_interest(base)
        last = prices.price_at(base, now)
        contracts = oi_base / float(inst["ctVal"]) if inst["ctType"] == "linear" else oi_base * last / float(inst["ctVal"])
        row = {
            "instType": inst["instType"],
            "instId": inst["instId"],
            "oi": f"{contracts}",
            "oiCcy": f"{oi_base}",
            "oiUsd": f"{oi_base * last}",
            "ts": str(now),
        }
        return web.json_response({"code": "0", "msg": "", "data": [row]})

    async def _candles(self, request: web.Request) -> web.Response:
        inst = self._find(request.query.get("instId", ""))
        if request.query.get("bar") != "1H":
            raise web.HTTPBadRequest(text="loopback serves 1H only")
        base = inst["instId"].split("-")[0]
        limit = int(request.query.get("limit", "100"))
        before = int(request.query.get("before", "-1"))  # newer than
        after = request.query.get("after")  # older than
        rows = [
            [str(t), f"{o}", f"{h}", f"{l}", f"{c}", f"{v / float(inst['ctVal'])}", f"{v}", f"{v * c}", "0"]
            for t, (o, h, l, c, v) in prices.bars(base, before + 1, 10_000)
            if after is None or t < int(after)
        ][:limit]
        import time

        now = int(time.time() * 1000)
        for row in rows:
            row[8] = "1" if int(row[0]) + prices.HOUR_MS <= now else "0"
        rows.reverse()  # OKX answers newest first
        return web.json_response({"code": "0", "msg": "", "data": rows})

    async def _time(self, request: web.Request) -> web.Response:
        import time

        return web.json_response({"code": "0", "msg": "", "data": [{"ts": str(int(time.time() * 1000))}]})

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        return await self.serve_args_ws(request, lambda arg: f"{arg.get('channel')}:{arg.get('instType', arg.get('instId'))}")

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

    def expected_liquidations(self) -> list[Liquidation]:
        import datetime

        out = []
        for e in self.sent_entries:
            inst = self._find(e["instId"])
            base, quote = inst["instId"].split("-")[:2]
            ct_val, price, sz = float(inst["ctVal"]), float(e["bkPx"]), float(e["sz"])
            symbol = f"{base}/{quote}:{inst['settleCcy']}"
            if inst["expTime"]:
                day = datetime.datetime.fromtimestamp(int(inst["expTime"]) / 1000, datetime.timezone.utc)
                symbol += "-" + day.strftime("%y%m%d")
            side = "long" if e["side"] == "sell" else "short"
            if inst["ctType"] == "linear":
                qty = sz * ct_val
                out.append(Liquidation(int(e["ts"]), "okx", symbol, side, price, qty, qty * price))
            else:
                usd = sz * ct_val
                out.append(Liquidation(int(e["ts"]), "okx", symbol, side, price, usd / price, usd))
        return out

    def list_instrument(self, inst_type: str, inst_id: str, ct_val: str, ct_type: str, exp: str = "") -> None:
        """A new listing, in the instruments answer from now on."""
        self.instruments[inst_type].append(_instrument(inst_type, inst_id, ct_val, ct_type, exp))

    async def send_liquidations(self, inst_id: str, details: list[dict[str, str]], *, inst_type: str | None = None) -> None:
        """One frame for ``inst_id`` holding every entry of ``details``."""
        await self.send_items([(inst_id, details)], inst_type=inst_type)

    async def send_items(self, items: list[tuple[str, list[dict[str, str]]]], *, inst_type: str | None = None) -> None:
        """One frame whose ``data`` holds one item per ``(instId, details)``."""
        inst_type = inst_type or ("SWAP" if items[0][0].endswith("-SWAP") else "FUTURES")
        data, entries = [], []
        for inst_id, details in items:
            family = "-".join(inst_id.split("-")[:2])
            data.append({"details": details, "instFamily": family, "instId": inst_id, "instType": inst_type, "uly": family})
            entries += [dict(d, instId=inst_id, instType=inst_type) for d in details]
        frame = {"arg": {"channel": CHANNEL, "instType": inst_type}, "data": data}
        await self.send_frames([json.dumps(frame)], entries, f"{CHANNEL}:{inst_type}")
