"""The scriptable core every loopback venue shares.

A server keeps the ground truth of what it sent (``sent_entries``: every
liquidation entry, once, in order; ``resent`` holds deliberate duplicates) so
a test or a soak run can compare a recording with it.  Faults are scripted
by method calls: ``drop()``, ``stall()``/``resume()``, ``send_garbage()``,
``replay_on_subscribe``, ``rate_limit()``, and ``send_frames()`` (many frames
written back to back, so they reach the client in one read).
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import time
from typing import Any, Awaitable, Callable

from aiohttp import WSMsgType, web

from feeds.events import Liquidation

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class LoopbackExchange:
    """Base class: HTTP + WebSocket server on 127.0.0.1, random free port."""

    #: the body of a 429, in the venue's own error format where a subclass
    #: knows it (ccxt reads the venue's error code before the HTTP status)
    RATE_LIMIT_BODY: dict[str, Any] = {"code": 429, "msg": "Too many requests (loopback)"}

    def __init__(self) -> None:
        self.app = web.Application(middlewares=[self._middleware])
        self._runner: web.AppRunner | None = None
        self.port = 0
        #: every WebSocket connection's path, in order
        self.ws_paths: list[str] = []
        #: every decoded subscribe request received
        self.subscriptions: list[Any] = []
        #: every REST request as "METHOD path?query"
        self.rest_log: list[str] = []
        #: ground truth: every liquidation entry sent, once, in order
        self.sent_entries: list[dict[str, Any]] = []
        #: every liquidation frame sent (not counting resends)
        self.sent_frames: list[str | bytes] = []
        #: frames sent again on purpose (duplicates after a resubscribe)
        self.resent: list[str | bytes] = []
        #: garbage frames sent
        self.garbage_sent = 0
        #: after each subscribe, resend the last N liquidation frames
        self.replay_on_subscribe = 0
        self.stalled = False
        #: liquidation frames withheld because the server was stalled
        self.stalled_frames = 0
        self._rate_limit_left = 0
        self._retry_after = 1.0
        self._retry_as_date = False
        self.rate_limited: list[str] = []
        # socket -> channels it subscribed to
        self._sockets: dict[web.WebSocketResponse, set[str]] = {}
        self._changed = asyncio.Condition()

    # -- lifecycle ------------------------------------------------------------

    async def start(self) -> "LoopbackExchange":
        self._runner = web.AppRunner(self.app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def stop(self) -> None:
        await self.drop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "LoopbackExchange":
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def http_origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_origin(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    # -- scripting ------------------------------------------------------------

    def rate_limit(self, count: int = 1, retry_after: float = 1.0, as_date: bool = False) -> None:
        """Answer the next ``count`` REST requests with 429 and Retry-After:
        ``retry_after`` seconds, or (``as_date``) the HTTP date that far after
        the answer."""
        self._rate_limit_left = count
        self._retry_after = retry_after
        self._retry_as_date = as_date

    def stall(self) -> None:
        """Stop sending anything (frames, pongs) until ``resume()``."""
        self.stalled = True

    def resume(self) -> None:
        self.stalled = False

    async def drop(self) -> None:
        """Close every WebSocket connection abruptly."""
        for ws in list(self._sockets):
            await ws.close(code=1011, message=b"loopback drop")
        self._sockets.clear()

    async def send_garbage(self, text: str | bytes = '{"this is": not json') -> None:
        self.garbage_sent += 1
        await self._broadcast([text], channel=None)

    async def wait_subscribed(self, count: int = 1) -> None:
        """Until ``count`` subscribe requests have arrived in total."""
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.subscriptions) >= count)

    async def wait_connections(self, count: int = 1) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: len(self.ws_paths) >= count)

    @property
    def channels(self) -> set[str]:
        """Every channel some open socket is subscribed to."""
        return {c for chans in self._sockets.values() for c in chans}

    @property
    def open_sockets(self) -> int:
        return len(self._sockets)

    def expected_liquidations(self) -> list[Liquidation]:
        """The events a correct feed makes of ``sent_entries``, computed here
        independently of the feed code (the oracle for soak comparisons)."""
        raise NotImplementedError(f"{type(self).__name__} sends no liquidations")

    # -- for venue subclasses ---------------------------------------------------

    async def send_frames(self, frames: list[str] | list[bytes], entries: list[dict[str, Any]], channel: str) -> None:
        """Write liquidation ``frames`` back to back to every socket subscribed
        to ``channel`` and record their ``entries`` as sent.  While stalled
        nothing is sent, so nothing is recorded (``stalled_frames`` counts)."""
        if self.stalled:
            self.stalled_frames += len(frames)
            return
        # Only what reached a socket was sent: a drop in the middle of the
        # writes (or no subscriber at all) leaves the rest unsent, as a venue
        # that lost the connection would.
        written = await self._broadcast(frames, channel)
        self.sent_frames.extend(frames[:written])
        if written == len(frames):
            self.sent_entries.extend(entries)
        elif len(entries) == len(frames):  # one entry per frame
            self.sent_entries.extend(entries[:written])

    async def _broadcast(self, frames: list[str] | list[bytes], channel: str | None) -> int:
        """Write ``frames`` in order to every socket on ``channel``; returns
        how many of them (a prefix) reached at least one socket."""
        if self.stalled:
            return 0
        written = 0
        for ws, channels in list(self._sockets.items()):
            if channel is not None and channel not in channels:
                continue
            for i, text in enumerate(frames):
                if ws.closed:
                    break
                try:
                    await self._send(ws, text)
                except ConnectionError:
                    break
                written = max(written, i + 1)
        return written

    async def _subscribed(self, ws: web.WebSocketResponse, request: Any, channels: list[str]) -> None:
        """Record a subscribe; resend recent frames when scripted to."""
        self._sockets.setdefault(ws, set()).update(channels)
        self.subscriptions.append(request)
        async with self._changed:
            self._changed.notify_all()
        if self.replay_on_subscribe and self.sent_frames:
            again = self.sent_frames[-self.replay_on_subscribe :]
            self.resent.extend(again)
            for text in again:
                await self._send(ws, text)

    async def serve_ws(
        self,
        request: web.Request,
        on_text: Callable[[web.WebSocketResponse, str], Awaitable[None]],
        on_open: Callable[[web.WebSocketResponse], Awaitable[None]] | None = None,
    ) -> web.WebSocketResponse:
        """Run one WebSocket connection; ``on_open`` greets it (venues that
        speak first), ``on_text`` handles each text frame."""
        ws = web.WebSocketResponse(autoping=False, heartbeat=None)
        await ws.prepare(request)
        self._sockets[ws] = set()
        self.ws_paths.append(request.path)
        async with self._changed:
            self._changed.notify_all()
        try:
            if on_open is not None:
                await on_open(ws)
            async for msg in ws:
                if msg.type == WSMsgType.PING:
                    if not self.stalled:
                        await ws.pong(msg.data)
                elif msg.type == WSMsgType.TEXT:
                    await on_text(ws, msg.data)
                elif msg.type in (WSMsgType.CLOSE, WSMsgType.ERROR):
                    break
        finally:
            self._sockets.pop(ws, None)
        return ws

    async def serve_args_ws(self, request: web.Request, channel_of: Callable[[dict[str, Any]], str]) -> web.WebSocketResponse:
        """The protocol OKX and Bitget share: text "ping" answered "pong", and
        ``{"op":"subscribe","args":[...]}`` acknowledged arg by arg, each arg
        subscribing the channel ``channel_of(arg)``."""

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
                    channels.append(channel_of(arg))
                await self._subscribed(ws, msg, channels)

        return await self.serve_ws(request, on_text)

    @staticmethod
    async def _send(ws: web.WebSocketResponse, frame: str | bytes) -> None:
        """A text frame, or a binary one (venues that compress, HTX)."""
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)

    def encode(self, payload: Any) -> str | bytes:
        """A control frame as this venue writes it (JSON text by default)."""
        return json.dumps(payload)

    async def send_json(self, ws: web.WebSocketResponse, payload: Any) -> None:
        if not self.stalled and not ws.closed:
            await self._send(ws, self.encode(payload))

    def _retry_after_value(self) -> str:
        if self._retry_as_date:
            return email.utils.formatdate(time.time() + self._retry_after, usegmt=True)
        return f"{self._retry_after:g}"

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await handler(request)
        self.rest_log.append(f"{request.method} {request.path_qs}")
        if self._rate_limit_left > 0:
            self._rate_limit_left -= 1
            self.rate_limited.append(request.path_qs)
            return web.json_response(
                self.RATE_LIMIT_BODY,
                status=429,
                headers={"Retry-After": self._retry_after_value()},
            )
        return await handler(request)
