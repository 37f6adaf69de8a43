"""Kraken Futures on loopback: ``/derivatives/api/v3/instruments`` and the
public WebSocket ``/ws/v1`` (``info`` on connect, ``subscribe`` ->
``subscribed``, then a ``trade_snapshot`` of each product's recent trades,
then ``trade`` deltas whose ``type`` may be ``liquidation``)."""

from __future__ import annotations

import json
import random
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

FEED = "trade"
#: trades per product the venue repeats in the snapshot on subscribe
SNAPSHOT_DEPTH = 3
EXPIRY = "2026-12-25T16:00:00.000Z"


def _instrument(symbol: str, kind: str, last_trading: str | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "symbol": symbol,
        "type": kind,
        "underlying": "rr_" + symbol.split("_")[1].lower(),
        "tickSize": 0.5,
        "contractSize": 1,
        "tradeable": True,
        "impactMidSize": 1,
        "maxPositionSize": 1000000,
        "openingDate": "2022-01-01T00:00:00.000Z",
        "marginLevels": [{"contracts": 0, "initialMargin": 0.02, "maintenanceMargin": 0.01}],
        "fundingRateCoefficient": 8,
        "maxRelativeFundingRate": 0.001,
        "isin": "GB00J62YGL67",
        "contractValueTradePrecision": 4 if kind == "flexible_futures" else 0,
        "postOnly": False,
        "feeScheduleUid": "eef90775-995b-4596-9257-0917f6134766",
        "retailMarginLevels": [],
        "category": "",
        "tags": [],
    }
    if last_trading:
        row["lastTradingTime"] = last_trading
    return row


INSTRUMENTS = [
    _instrument("PF_XBTUSD", "flexible_futures"),
    _instrument("PF_ETHUSD", "flexible_futures"),
    _instrument("PF_SOLUSD", "flexible_futures"),
    _instrument("PI_XBTUSD", "futures_inverse"),
    _instrument("PI_ETHUSD", "futures_inverse"),
    _instrument("FI_XBTUSD_261225", "futures_inverse", EXPIRY),
    {"symbol": "IN_XBTUSD", "type": "spot index", "tradeable": False},
]


class KrakenFuturesLoopback(LoopbackExchange):
    # Kraken Futures: {"result":"error","error":"apiLimitExceeded"} (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = {"result": "error", "error": "apiLimitExceeded", "serverTime": "2026-01-01T00:00:00.000Z"}

    def __init__(self) -> None:
        super().__init__()
        self.instruments = list(INSTRUMENTS)
        r = self.app.router
        r.add_get("/derivatives/api/v3/instruments", self._instruments)
        r.add_get("/ws/v1", self._ws)
        self._seq = 0
        self._recent: dict[str, deque[dict[str, Any]]] = defaultdict(lambda: deque(maxlen=SNAPSHOT_DEPTH))

    def list_product(self, symbol: str, kind: str = "flexible_futures") -> None:
        """A new listing, visible from the next instruments request."""
        self.instruments.append(_instrument(symbol, kind))

    @property
    def products(self) -> list[str]:
        """Every product subscribed so far, in order."""
        return [p for s in self.subscriptions for p in s.get("product_ids", [])]

    async def _instruments(self, request: web.Request) -> web.Response:
        return web.json_response({"result": "success", "instruments": self.instruments,
                                  "serverTime": "2026-01-01T00:00:00.000Z"})

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            msg = json.loads(text)
            if msg.get("event") == "subscribe" and msg.get("feed") == FEED:
                ids = list(msg.get("product_ids", []))
                await self.send_json(ws, {"event": "subscribed", "feed": FEED, "product_ids": ids})
                await self._subscribed(ws, msg, ids)
                for product_id in ids:  # the venue's snapshot: its recent trades again
                    trades = list(self._recent[product_id])
                    if trades:
                        text = json.dumps({"feed": "trade_snapshot", "product_id": product_id, "trades": trades})
                        self.resent.append(text)
                        await ws.send_str(text)

        async def hello(ws: web.WebSocketResponse) -> None:
            await self.send_json(ws, {"event": "info", "version": 1})

        return await self.serve_ws(request, on_text, on_open=hello)

    def trade(self, product_id: str, side: str, qty: float, price: float, ts: int, kind: str = "liquidation") -> dict[str, Any]:
        """One delta of the trade feed (``side`` is the taker's)."""
        self._seq += 1
        return {"feed": FEED, "product_id": product_id, "uid": f"loopback-{self._seq}", "side": side, "type": kind,
                "seq": self._seq, "time": ts, "qty": qty, "price": price}

    async def send_trade(self, trade: dict[str, Any]) -> None:
        entries = [trade] if trade["type"] == "liquidation" else []
        written = len(self.sent_frames)
        await self.send_frames([json.dumps(trade)], entries, trade["product_id"])
        if len(self.sent_frames) > written:
            self._recent[trade["product_id"]].append(trade)

    def expected_liquidations(self) -> list[Liquidation]:
        by_id = {i["symbol"]: i for i in self.instruments}
        out = []
        for t in self.sent_entries:
            inst = by_id[t["product_id"]]
            base = t["product_id"].split("_")[1][:-3].replace("XBT", "BTC")
            inverse = inst["type"] == "futures_inverse"
            symbol = f"{base}/USD:{base if inverse else 'USD'}"
            if "lastTradingTime" in inst:
                symbol += "-" + inst["lastTradingTime"][2:10].replace("-", "")
            size = t["qty"] * inst["contractSize"]
            qty, usd = (size / t["price"], size) if inverse else (size, size * t["price"])
            out.append(Liquidation(t["time"], "krakenfutures", symbol, "long" if t["side"] == "sell" else "short",
                                   t["price"], qty, usd))
        return out

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: one trade, a liquidation two times in three."""
        channels = set().union(*self._sockets.values()) if self._sockets else set()
        products = sorted(p for p in channels if p in {i["symbol"] for i in self.instruments})
        if not products:
            return False
        product_id = rng.choice(products)
        base = product_id.split("_")[1][:-3].replace("XBT", "BTC")
        qty = float(seq()) if product_id.startswith(("PI", "FI")) else round(0.001 * seq(), 3)
        kind = rng.choice(("liquidation", "liquidation", "fill"))
        await self.send_trade(self.trade(product_id, rng.choice(("buy", "sell")), qty, prices.base_price(base), ts, kind))
        return True
