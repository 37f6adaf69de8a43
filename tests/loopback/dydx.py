"""dYdX v4 indexer on loopback: ``/v4/perpetualMarkets`` and the WebSocket
``/v4/ws`` (``connected`` on open, ``v4_trades`` per market: ``subscribed``
with the market's recent trades, then ``channel_data``)."""

from __future__ import annotations

import asyncio
import json
import random
from collections import defaultdict, deque
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from aiohttp import web

from feeds.events import Liquidation
from tests.loopback import prices
from tests.loopback.base import LoopbackExchange

CHANNEL = "v4_trades"
#: trades per market repeated in the ``subscribed`` answer
SNAPSHOT_DEPTH = 3
MARKETS = ("BTC-USD", "ETH-USD", "SOL-USD", "XRP-USD", "DOGE-USD")


def _market(ticker: str, clob_id: int) -> dict[str, Any]:
    base = ticker.split("-")[0]
    return {
        "clobPairId": str(clob_id), "ticker": ticker, "status": "ACTIVE",
        "oraclePrice": f"{prices.base_price(base)}", "priceChange24H": "0", "volume24H": "1000000",
        "trades24H": 1000, "nextFundingRate": "0", "initialMarginFraction": "0.05",
        "maintenanceMarginFraction": "0.03", "openInterest": "100", "atomicResolution": -9,
        "quantumConversionExponent": -9, "tickSize": "0.01", "stepSize": "0.001", "stepBaseQuantums": 1000000,
        "subticksPerTick": 100000, "marketType": "CROSS", "openInterestLowerCap": "0",
        "openInterestUpperCap": "0", "baseOpenInterest": "100", "defaultFundingRate1H": "0",
    }


def iso(ts_ms: int) -> str:
    """dYdX's ``createdAt``: ISO 8601 with milliseconds and Z."""
    return datetime.fromtimestamp(ts_ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts_ms % 1000:03d}Z"


class DydxLoopback(LoopbackExchange):
    # the indexer's 429 body (ccxt maps the HTTP status: RateLimitExceeded)
    RATE_LIMIT_BODY = {"errors": [{"msg": "Too many requests"}]}

    def __init__(self) -> None:
        super().__init__()
        self.markets = {t: _market(t, i) for i, t in enumerate(MARKETS)}
        r = self.app.router
        r.add_get("/v4/perpetualMarkets", self._markets)
        r.add_get("/v4/ws", self._ws)
        self._message_id = 0
        self._trade_id = 0
        self._recent: dict[str, deque[dict[str, Any]]] = defaultdict(lambda: deque(maxlen=SNAPSHOT_DEPTH))
        #: auto-deleveraging trades sent (kept apart from liquidations)
        self.deleveraged_sent: list[dict[str, Any]] = []
        #: the indexer's cap on v4_trades subscriptions per connection
        self.max_per_connection = 32
        #: loop time of every subscribe message, per connection
        self.subscribe_times: dict[int, list[float]] = defaultdict(list)

    def list_market(self, ticker: str) -> None:
        self.markets[ticker] = _market(ticker, len(self.markets))

    async def _markets(self, request: web.Request) -> web.Response:
        return web.json_response({"markets": self.markets})

    def _next_id(self) -> int:
        self._message_id += 1
        return self._message_id

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            msg = json.loads(text)
            if msg.get("type") == "subscribe" and msg.get("channel") == CHANNEL:
                market_id = msg.get("id")
                self.subscribe_times[id(ws)].append(asyncio.get_running_loop().time())
                if len(self._sockets.get(ws, ())) >= self.max_per_connection:
                    await self.send_json(ws, {"type": "error", "connection_id": "loopback", "message_id": self._next_id(),
                                              "message": f"Invalid subscribe message: max subscriptions reached for {CHANNEL}"})
                    return
                if market_id not in self.markets:
                    await self.send_json(ws, {"type": "error", "message": f"Invalid subscribe message: {market_id}",
                                              "connection_id": "loopback", "message_id": self._next_id()})
                    return
                trades = list(self._recent[market_id])
                answer = {"type": "subscribed", "connection_id": "loopback", "message_id": self._next_id(),
                          "channel": CHANNEL, "id": market_id, "contents": {"trades": trades}}
                await self.send_json(ws, answer)
                if trades:
                    self.resent.append(json.dumps(answer))
                await self._subscribed(ws, msg, [market_id])

        async def hello(ws: web.WebSocketResponse) -> None:
            await self.send_json(ws, {"type": "connected", "connection_id": "loopback", "message_id": 0})

        return await self.serve_ws(request, on_text, on_open=hello)

    def trade(self, side: str, size: float, price: float, ts: int, kind: str = "LIQUIDATED") -> dict[str, Any]:
        self._trade_id += 1
        return {"id": f"{self._trade_id:024x}", "side": side, "size": f"{size}", "price": f"{price}",
                "type": kind, "createdAt": iso(ts), "createdAtHeight": str(40_000_000 + self._trade_id)}

    async def send_trades(self, market_id: str, trades: list[dict[str, Any]]) -> None:
        """One ``channel_data`` frame of ``market_id`` holding ``trades``."""
        frame = {"type": "channel_data", "connection_id": "loopback", "message_id": self._next_id(),
                 "id": market_id, "channel": CHANNEL, "version": "2.1.0", "contents": {"trades": trades}}
        entries = [dict(t, market=market_id) for t in trades if t["type"] == "LIQUIDATED"]
        written = len(self.sent_frames)
        await self.send_frames([json.dumps(frame)], entries, market_id)
        if len(self.sent_frames) > written:
            self._recent[market_id].extend(trades)
            self.deleveraged_sent += [t for t in trades if t["type"] == "DELEVERAGED"]

    def expected_liquidations(self) -> list[Liquidation]:
        out = []
        for t in self.sent_entries:
            price, qty = float(t["price"]), float(t["size"])
            ts = int(datetime.strptime(t["createdAt"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc).timestamp() * 1000 + 0.5)
            side = "long" if t["side"] == "SELL" else "short"
            out.append(Liquidation(ts, "dydx", f"{t['market'].split('-')[0]}/USDC:USDC", side, price, qty, qty * price))
        return out

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: one frame of 1-3 trades of one market: liquidations,
        ordinary trades, now and then a deleveraging."""
        channels = set().union(*self._sockets.values()) if self._sockets else set()
        markets = sorted(channels & set(self.markets))
        if not markets:
            return False
        market_id = rng.choice(markets)
        px = prices.base_price(market_id.split("-")[0])
        kinds = ("LIQUIDATED", "LIQUIDATED", "LIMIT", "DELEVERAGED")
        trades = [self.trade(rng.choice(("BUY", "SELL")), round(0.001 * seq(), 3), px, ts, rng.choice(kinds))
                  for _ in range(rng.choice((1, 1, 2, 3)))]
        await self.send_trades(market_id, trades)
        return True


