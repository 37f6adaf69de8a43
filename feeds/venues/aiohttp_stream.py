"""The WebSocket liquidation feed of a venue ccxt lacks (BitMEX in ccxt 4.5):
aiohttp speaks to it, the rest is the shared stream engine.

``StreamLiquidationFeed`` keeps frame recognition, normalisation,
de-duplication, the counters and ``pump`` (queue and emit without the
pipeline's back-pressure blocking the socket); this class replaces only what
ccxt did for the others:

* **Markets** over REST (``fetch_contracts``, the venue's), with every 429
  waited out for at least its Retry-After (``feeds.http``) and never less
  than ``rate_limit_wait_s``, inside the same run; refreshed every
  ``markets_refresh_s``.
* **Connection**: one WebSocket at the origin config gives (``ws_url``, the
  venue's own otherwise) and the venue's path; the subscribe messages sent
  on open; frames decoded here (orjson, as the ccxt feeds), a frame that does
  not decode counted as garbage and the connection kept.
* **Keep-alive**: after ``keepalive_s`` without a frame the feed sends the
  venue's ping; when the next ``keepalive_s`` bring nothing either, the
  connection is dead and ``run`` raises, so the supervisor reconnects with
  backoff, as it does for a ccxt feed whose connection fails.
"""

from __future__ import annotations

import asyncio
import time
from abc import abstractmethod
from typing import Any, ClassVar

import aiohttp
from orjson import loads

from feeds.base import Emit
from feeds.http import RETRY_AFTER, retry_after_s
from feeds.settings import ExchangeSettings
from feeds.venues.ccxt_feed import DEDUPE_CAPACITY, RATE_LIMIT_WAIT_S
from feeds.venues.stream import Spawn, StreamLiquidationFeed
from feeds.venues.urls import replace_origin

HTTP_TIMEOUT_S = 10.0


class AiohttpStreamFeed(StreamLiquidationFeed):
    """Base class; see the module docstring."""

    NEEDS_CCXT: ClassVar[bool] = False
    #: The venue's own origins and paths (config replaces the origins only).
    REST_ORIGIN: ClassVar[str]
    WS_URL: ClassVar[str]
    #: The venue's keep-alive text and its answer.
    PING: ClassVar[str] = "ping"
    PONG: ClassVar[str] = "pong"

    def __init__(
        self,
        spec: Any,
        settings: ExchangeSettings,
        *,
        keepalive_s: float = 5.0,
        markets_refresh_s: float = 600.0,
        dedupe_capacity: int = DEDUPE_CAPACITY,
        rate_limit_wait_s: float = RATE_LIMIT_WAIT_S,
    ) -> None:
        super().__init__(
            spec, settings, markets_refresh_s=markets_refresh_s, dedupe_capacity=dedupe_capacity,
            rate_limit_wait_s=rate_limit_wait_s,
        )
        self.keepalive_s = keepalive_s
        #: pings sent because the venue was quiet
        self.pings = 0

    # -- what a venue provides ------------------------------------------------

    @abstractmethod
    async def fetch_contracts(self, get_json: Any) -> Any:
        """The venue's markets, read with ``await get_json(path)``; handed to
        ``make_normaliser``."""

    @abstractmethod
    def subscriptions(self) -> list[Any]:
        """The JSON messages that subscribe a new connection."""

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        raise TypeError(f"{self.name} subscribes on its own connection, not through ccxt")

    def is_control_text(self, text: str) -> bool:
        return text == self.PONG

    # -- the engine -------------------------------------------------------------

    @property
    def rest_origin(self) -> str:
        return self.settings.rest_url.rstrip("/") or self.REST_ORIGIN

    @property
    def ws_url(self) -> str:
        return replace_origin(self.WS_URL, self.settings.ws_url) if self.settings.ws_url else self.WS_URL

    async def get_json(self, http: aiohttp.ClientSession, path: str) -> Any:
        """GET ``path`` on the REST origin, waiting out every 429."""
        while True:
            async with http.get(self.rest_origin + path, timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S)) as response:
                if response.status == 429:
                    asked = retry_after_s(response.headers.get(RETRY_AFTER), time.time())
                    wait = max(self.rate_limit_wait_s, asked or 0.0)
                    self.rate_limit_waits.append(wait)
                    await asyncio.sleep(wait)
                    continue
                response.raise_for_status()
                return await response.json(loads=loads)

    async def _load(self, http: aiohttp.ClientSession) -> None:
        self._normalise = self.make_normaliser(await self.fetch_contracts(lambda path: self.get_json(http, path)))

    async def _refresh(self, http: aiohttp.ClientSession) -> None:
        while True:
            await asyncio.sleep(self.markets_refresh_s)
            await self._load(http)

    async def _read(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        pinged = False
        while True:
            try:
                msg = await ws.receive(timeout=self.keepalive_s)
            except TimeoutError:
                if pinged:
                    raise ConnectionError(f"{self.name}: no frame and no pong for {2 * self.keepalive_s:g} s") from None
                await ws.send_str(self.PING)
                self.pings += 1
                pinged = True
                continue
            pinged = False
            if msg.type == aiohttp.WSMsgType.TEXT:
                self._on_text(msg.data)
            elif msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED,
                              aiohttp.WSMsgType.ERROR):
                raise ConnectionError(f"{self.name}: connection closed ({msg.type.name} {msg.data!r})")

    def _on_text(self, text: str) -> None:
        if text[:1] in ("{", "["):
            try:
                message = loads(text)
            except ValueError as exc:
                self._on_bad(text, exc)
                return
            self._on_frame(message)
        elif self.is_control_text(text):
            self.frames += 1
        else:
            self._on_bad(text, ValueError("not a JSON frame"))

    async def run(self, emit: Emit) -> None:
        async with aiohttp.ClientSession() as http:
            await self._load(http)
            async with http.ws_connect(self.ws_url, autoping=True, heartbeat=None) as ws:

                async def start(spawn: Spawn) -> None:
                    for message in self.subscriptions():
                        await ws.send_json(message)
                    spawn(self._read(ws))
                    spawn(self._refresh(http))

                await self.pump(start, emit)
