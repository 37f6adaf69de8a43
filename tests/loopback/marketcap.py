"""A loopback server that speaks the three market-cap APIs.

It serves each provider's path with a body in that provider's real format
(field names and types as documented: CoinGecko ``data.total_market_cap.usd``
and ``data.updated_at`` in seconds; CoinPaprika ``market_cap_usd`` and
``last_updated`` in seconds; CoinLore a one-element list with
``total_mcap``).  Each path can be scripted with a queue of replies (an
error status, a 429 with ``Retry-After``, garbage); when its queue is empty
it answers normally, with the timestamp advanced on every answer unless
``frozen``.  Every request is logged with the time of an injectable clock.
"""

from __future__ import annotations

import asyncio
import copy
import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Callable

from aiohttp import web
from aiohttp.test_utils import TestServer

COINGECKO_BODY: dict[str, Any] = {
    "data": {
        "active_cryptocurrencies": 17385,
        "upcoming_icos": 0,
        "ongoing_icos": 49,
        "ended_icos": 3376,
        "markets": 1318,
        "total_market_cap": {"btc": 34817702.15, "eth": 1097415033.2, "usd": 3_312_456_789_012.5, "eur": 2.86e12},
        "total_volume": {"btc": 1402315.8, "eth": 44205011.4, "usd": 133_412_000_000.0},
        "market_cap_percentage": {"btc": 56.92, "eth": 11.78, "usdt": 5.52},
        "market_cap_change_percentage_24h_usd": -1.734,
        "updated_at": 1_763_950_000,
    }
}

COINPAPRIKA_BODY: dict[str, Any] = {
    "market_cap_usd": 3_290_000_000_000,
    "volume_24h_usd": 141_000_000_000,
    "bitcoin_dominance_percentage": 57.41,
    "cryptocurrencies_number": 11210,
    "market_cap_ath_value": 4_391_000_000_000,
    "market_cap_ath_date": "2025-10-06T18:50:00Z",
    "volume_24h_ath_value": 1_003_000_000_000,
    "volume_24h_ath_date": "2021-05-19T15:25:00Z",
    "volume_24h_percent_from_ath": -85.94,
    "volume_24h_percent_to_ath": 611.35,
    "market_cap_change_24h": -1.62,
    "volume_24h_change_24h": 12.3,
    "last_updated": 1_763_950_100,
}

COINLORE_BODY: list[dict[str, Any]] = [
    {
        "coins_count": 14231,
        "active_markets": 41962,
        "total_mcap": 3_275_123_456_789.3,
        "total_volume": 128_456_000_000.1,
        "btc_d": "57.10",
        "eth_d": "11.91",
        "mcap_change": "-1.58",
        "volume_change": "9.44",
        "avg_change_percent": "-2.03",
        "volume_ath": 3_992_741_953_593.4,
        "mcap_ath": 8_250_670_146_125.2,
    }
]

PATHS = {"coingecko": "/api/v3/global", "coinpaprika": "/v1/global", "coinlore": "/api/global/"}


@dataclass
class Reply:
    status: int = 200
    body: str | None = None  # None: the provider's normal answer
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (a hung provider)


class MarketCapServer:
    """``async with MarketCapServer() as srv``: ``srv.origin`` is the URL to
    put in every ``*_url`` of ``MarketCapSettings``."""

    def __init__(self, clock: Callable[[], float] = lambda: 0.0) -> None:
        self.clock = clock
        self.script: dict[str, deque[Reply]] = {p: deque() for p in PATHS}
        self.frozen: set[str] = set()
        self.hits: list[tuple[str, float]] = []
        self.served: dict[str, int] = {p: 0 for p in PATHS}
        self._server: TestServer | None = None

    def normal_body(self, provider: str) -> Any:
        """The provider's answer number ``served[provider]``; timestamps
        step 5 minutes per answer so each is a new upstream sample."""
        n = 0 if provider in self.frozen else self.served[provider]
        if provider == "coingecko":
            body = copy.deepcopy(COINGECKO_BODY)
            body["data"]["updated_at"] += 300 * n
            body["data"]["total_market_cap"]["usd"] += 1e9 * n
        elif provider == "coinpaprika":
            body = copy.deepcopy(COINPAPRIKA_BODY)
            body["last_updated"] += 300 * n
            body["market_cap_usd"] += 1_000_000_000 * n
        else:
            body = copy.deepcopy(COINLORE_BODY)
            body[0]["total_mcap"] += 1e9 * n
        return body

    def hits_of(self, provider: str) -> list[float]:
        return [t for p, t in self.hits if p == provider]

    async def _handle(self, request: web.Request) -> web.Response:
        provider = next(p for p, path in PATHS.items() if path == request.path)
        self.hits.append((provider, self.clock()))
        queue = self.script[provider]
        reply = queue.popleft() if queue else Reply()
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.body is None and reply.status == 200:
            text = json.dumps(self.normal_body(provider))
            self.served[provider] += 1
        else:
            text = reply.body or ""
        return web.Response(
            status=reply.status, text=text, content_type="application/json", headers=reply.headers
        )

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.port}"

    async def __aenter__(self) -> MarketCapServer:
        app = web.Application()
        for path in PATHS.values():
            app.router.add_get(path, self._handle)
        self._server = TestServer(app, host="127.0.0.1")
        await self._server.start_server()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        await self._server.close()
