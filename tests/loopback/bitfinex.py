"""Bitfinex v2 on loopback: ``/v2/conf/...`` (the markets and currencies
ccxt loads) and the public WebSocket ``/ws/2`` (``info`` on connect, ``ping``
-> ``pong``, ``subscribe`` -> ``subscribed`` with a channel id, heartbeats)
with the ``status`` / ``liq:global`` channel."""

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

KEY = "liq:global"
#: the channel id this server gives ``liq:global`` (a venue picks any)
CHAN_ID = 386841
PERPETUALS = ("BTC", "ETH", "SOL", "XRP")
SPOT_PAIRS = ("BTCUSD", "ETHUSD")


class BitfinexLoopback(LoopbackExchange):
    # Bitfinex: ["error", 11010, "ratelimit: error"] (ccxt: RateLimitExceeded)
    RATE_LIMIT_BODY = ["error", 11010, "ratelimit: error"]  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.perpetuals = list(PERPETUALS)
        r = self.app.router
        r.add_get("/v2/conf/{config}", self._conf)
        r.add_get("/ws/2", self._ws)
        self._pos_id = 143_000_000

    async def _conf(self, request: web.Request) -> web.Response:
        labels = request.match_info["config"].split(",")
        info = [None, None, None, "0.0002", "100.0", None, None, None, 0.01, 0.005]
        answers = {
            "pub:info:pair": [[p, info] for p in SPOT_PAIRS],
            "pub:info:pair:futures": [[f"{b}F0:USTF0", info] for b in self.perpetuals],
            "pub:list:pair:securities": [],
            "pub:list:pair:margin": list(SPOT_PAIRS),
        }
        return web.json_response([answers.get(label, []) for label in labels])

    async def _ws(self, request: web.Request) -> web.WebSocketResponse:
        async def on_text(ws: web.WebSocketResponse, text: str) -> None:
            msg = json.loads(text)
            event = msg.get("event")
            if event == "ping":
                await self.send_json(ws, {"event": "pong", "ts": int(time.time() * 1000), "cid": msg.get("cid")})
            elif event == "subscribe" and msg.get("channel") == "status" and msg.get("key") == KEY:
                await self.send_json(ws, {"event": "subscribed", "channel": "status", "chanId": CHAN_ID, "key": KEY})
                await self._subscribed(ws, msg, [KEY])
            elif event == "subscribe":
                await self.send_json(ws, {"event": "error", "msg": "subscribe: dup", "code": 10301})

        async def hello(ws: web.WebSocketResponse) -> None:
            await self.send_json(ws, {"event": "info", "version": 2, "serverId": "loopback", "platform": {"status": 1}})

        return await self.serve_ws(request, on_text, on_open=hello)

    def entry(self, symbol: str, amount: float, base_price: float, ts: int, liq_price: float | None,
              match: bool = False, pos_id: int | None = None) -> list[Any]:
        """One ``liq:global`` entry; ``amount`` signed (> 0 a long position)."""
        if pos_id is None:
            self._pos_id += 1
            pos_id = self._pos_id
        return ["pos", pos_id, ts, None, symbol, amount, base_price, None, int(match), 1, None, liq_price]

    async def send_liquidations(self, entries: list[list[Any]]) -> None:
        """One frame holding ``entries``."""
        await self.send_frames([json.dumps([CHAN_ID, entries])], list(entries), KEY)

    async def send_heartbeat(self) -> None:
        await self._broadcast([json.dumps([CHAN_ID, "hb"])], KEY)

    def expected_liquidations(self) -> list[Liquidation]:
        out = []
        for e in self.sent_entries:
            if e[8] != 0:  # a fill of a liquidation already announced
                continue
            base = e[4][1:].split("F0:")[0]
            price = e[11] if e[11] is not None else e[6]
            qty = abs(e[5])
            side = "long" if e[5] > 0 else "short"
            out.append(Liquidation(e[2], "bitfinex", f"{base}/USDT:USDT", side, price, qty, qty * price))
        return out

    async def send_random(self, rng: random.Random, seq: Callable[[], int], ts: int) -> bool:
        """Soak traffic: one liquidation and 0-2 of its fills, heartbeats between."""
        if not self._sockets or KEY not in set().union(*self._sockets.values()):
            return False
        base = rng.choice(self.perpetuals)
        px = prices.base_price(base)
        amount = round(0.001 * seq(), 3) * rng.choice((1, -1))
        trigger = self.entry(f"t{base}F0:USTF0", amount, px * 1.05, ts, rng.choice((px, None)))
        fills = [self.entry(trigger[4], amount / 2, px * 1.05, ts + 1, None, match=True, pos_id=trigger[1])
                 for _ in range(rng.choice((0, 1, 2)))]
        await self.send_liquidations([trigger, *fills])
        if rng.random() < 0.1:
            await self.send_heartbeat()
        return True
