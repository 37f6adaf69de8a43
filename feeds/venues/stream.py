"""The shared engine of every WebSocket liquidation feed (``VenueSpec.kind``
``stream``).

A venue module says how to subscribe, how to recognise a liquidation frame
and how to normalise it (its ``SPEC`` says which ccxt.pro class and options);
this class runs it: open the hooked exchange and load markets (``CcxtFeed``),
subscribe, hand each batch of fresh events to ``emit``, and raise when the
connection fails so that the supervisor restarts ``run`` with backoff.

Frames are normalised synchronously inside ccxt's receive callback (cheap,
no copy of the frame kept) and queued; ``run`` awaits ``emit`` for whatever
has accumulated, so back-pressure from the pipeline never blocks the socket
reader and no frame is lost while ``emit`` waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from abc import abstractmethod
from typing import Any, Callable, Coroutine

from feeds.base import Emit
from feeds.events import Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.ccxt_feed import DEDUPE_CAPACITY, RATE_LIMIT_WAIT_S, CcxtFeed
from feeds.venues.markets import Contract, contract_table
from feeds.venues.spec import STREAM, VenueSpec

Normaliser = Callable[[Any], list[Liquidation]]
Spawn = Callable[[Coroutine[Any, Any, Any]], None]

# Normalisers build events with ``NEW_EVENT(Liquidation, (ts, ...))``: the
# same immutable tuple as ``Liquidation(ts, ...)``, without namedtuple's
# Python-level ``__new__``, which costs 5x more (bench/normalise.py).
NEW_EVENT = tuple.__new__

# What a broken frame raises inside a normaliser (missing key, wrong type,
# unparsable number, unknown side).
FRAME_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError)


class StreamLiquidationFeed(CcxtFeed):
    """Base class; see the module docstring.  Besides ``CcxtFeed``'s counters,
    ``last_garbage`` says why the last bad frame was dropped."""

    KIND = STREAM
    #: The shortest time between two markets reloads that frames asked for.
    FORCED_REFRESH_GAP_S = 30.0

    def __init__(
        self,
        spec: VenueSpec,
        settings: ExchangeSettings,
        *,
        markets_refresh_s: float = 3600.0,
        dedupe_capacity: int = DEDUPE_CAPACITY,
        rate_limit_wait_s: float = RATE_LIMIT_WAIT_S,
    ) -> None:
        super().__init__(spec, settings, rate_limit_wait_s=rate_limit_wait_s, dedupe_capacity=dedupe_capacity)
        self.markets_refresh_s = markets_refresh_s
        self.last_garbage = ""
        self._normalise: Normaliser = self._no_markets
        self._pending: list[Liquidation] = []
        self._wake: asyncio.Event | None = None
        self._refresh_now: asyncio.Event | None = None

    # -- what a venue provides ------------------------------------------------

    @abstractmethod
    def is_liquidation_frame(self, message: Any) -> bool:
        """True for a decoded frame of the liquidation channel."""

    @abstractmethod
    def make_normaliser(self, contracts: dict[str, Contract]) -> Normaliser:
        """A function from one liquidation frame to its events."""

    @abstractmethod
    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        """Start the watch coroutines (via ``spawn``) that keep the
        subscriptions alive; they raise when the connection fails."""

    async def on_markets_refreshed(self, exchange: Any, spawn: Spawn) -> None:
        """After a periodic markets reload (new listings); the contract table
        is already rebuilt.  Venues that subscribe per symbol override it."""

    def is_control_text(self, text: str) -> bool:
        """A non-JSON text frame this venue legitimately sends."""
        return False

    async def on_subscribed(self, exchange: Any) -> None:
        """Once per run, right after ``subscribe``: a venue that can fetch
        what it missed during an outage (Gate) does it here."""

    # -- the engine -----------------------------------------------------------

    def set_contracts(self, markets: Any) -> None:
        """Rebuild the normaliser from ccxt ``markets`` (after a load or refresh)."""
        self._normalise = self.make_normaliser(contract_table(markets.values()))

    @staticmethod
    def _no_markets(message: Any) -> list[Liquidation]:
        raise KeyError("markets not loaded yet")

    def _on_frame(self, message: Any) -> bool:
        if not self.is_liquidation_frame(message):
            return False
        try:
            events = self._normalise(message)
        except FRAME_ERRORS as exc:
            self._on_bad(message, exc)
            return True
        self.accept(events)
        return True

    def accept(self, events: list[Liquidation]) -> None:
        """Queue the fresh ones of ``events`` for ``emit``."""
        fresh = self.fresh(events)
        if fresh:
            self._pending.extend(fresh)
            if self._wake is not None:
                self._wake.set()

    def refresh_soon(self) -> None:
        """Reload markets now rather than at the next hourly refresh (a frame
        named a contract the loaded markets do not have)."""
        if self._refresh_now is not None:
            self._refresh_now.set()

    async def _refresh_markets(self, exchange: Any, spawn: Spawn) -> None:
        """Reload markets every ``markets_refresh_s``, or sooner when asked
        (``refresh_soon``), but an asked-for reload at most once per
        ``FORCED_REFRESH_GAP_S``: a stream of frames naming a contract the
        venue never lists must not turn into a stream of reloads."""
        now = self._refresh_now = asyncio.Event()
        forced_at = float("-inf")
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(now.wait(), self.markets_refresh_s)
            if now.is_set():
                await asyncio.sleep(max(0.0, forced_at + self.FORCED_REFRESH_GAP_S - loop.time()))
                forced_at = loop.time()
            now.clear()
            await self.load_markets(exchange, reload=True)
            self.set_contracts(exchange.markets)
            await self.on_markets_refreshed(exchange, spawn)

    def _on_bad(self, frame: Any, exc: BaseException) -> None:
        self.garbage += 1
        self.last_garbage = f"{type(exc).__name__}: {exc} in {str(frame)[:120]!r}"

    @staticmethod
    async def _connected(exchange: Any, wake: asyncio.Event, news: list[bool]) -> None:
        """Once every connection the subscriptions opened is up, ask the loop
        for a heartbeat: a quiet venue is ``live`` (connected and subscribed)
        before its first liquidation, not ``connecting`` until then."""
        await asyncio.sleep(0)  # the watchers spawned by ``subscribe`` make their clients
        try:
            await asyncio.gather(*(client.connected for client in list(exchange.clients.values())))
        except Exception:  # noqa: BLE001 - a failed connection ends its watcher, which the loop reports
            return
        news.append(True)
        wake.set()

    async def run(self, emit: Emit) -> None:
        tasks: list[asyncio.Task[Any]] = []
        connected: list[bool] = []
        announce: asyncio.Future[Any] | None = None

        async with self.session(sink=self._on_frame, bad=self._on_bad, control=self.is_control_text) as exchange:
            wake = self._wake = asyncio.Event()

            def spawn(coro: Coroutine[Any, Any, Any]) -> None:
                task = asyncio.ensure_future(coro)
                task.add_done_callback(lambda _t: wake.set())
                tasks.append(task)

            try:
                self.set_contracts(exchange.markets)
                await self.subscribe(exchange, spawn)
                spawn(self._refresh_markets(exchange, spawn))
                announce = asyncio.ensure_future(self._connected(exchange, wake, connected))
                await self.on_subscribed(exchange)
                while True:
                    await wake.wait()
                    wake.clear()
                    for task in tasks:
                        if task.done():
                            task.result()  # raises the connection's error
                            raise ConnectionError(f"{self.name}: a subscription ended")
                    if self._pending:
                        batch, self._pending = self._pending, []
                        await emit(batch)
                    elif connected:
                        await emit([])  # the heartbeat of ``_connected``
                    connected.clear()
            finally:
                if announce is not None:
                    announce.cancel()
                self._wake = self._refresh_now = None
                for task in tasks:
                    task.cancel()
                await asyncio.gather(*tasks, return_exceptions=True)
