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

A venue can go minutes without a liquidation (BitMEX, Bitfinex) while its
connection is busy with trades, heartbeats or pongs.  So when
``heartbeat_s`` pass with frames but no liquidation, the feed emits an empty
batch: the supervisor's heartbeat (``Feed.stale_after``), which keeps a
quiet venue ``live`` instead of resubscribing it as silent.  A connection
that sends nothing at all still goes stale.
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

#: Seconds between heartbeats (empty batches) while frames come but no liquidation.
HEARTBEAT_S = 5.0

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
        #: every frame the venue sent (liquidation or not): what a heartbeat proves
        self.frames = 0
        self.heartbeat_s = HEARTBEAT_S
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
        self.frames += 1
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
        """Reload markets now rather than at the next periodic refresh (a
        frame named a contract the loaded markets do not have)."""
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

    async def run(self, emit: Emit) -> None:
        async with self.session(sink=self._on_frame, bad=self._on_bad, control=self.is_control_text) as exchange:

            async def start(spawn: Spawn) -> None:
                self.set_contracts(exchange.markets)
                await self.subscribe(exchange, spawn)
                spawn(self._refresh_markets(exchange, spawn))
                await self.on_subscribed(exchange)

            await self.pump(start, emit)

    async def pump(self, start: Callable[[Spawn], Coroutine[Any, Any, None]], emit: Emit) -> None:
        """Run the connection's tasks (``start`` spawns them) and hand the
        queued events to ``emit`` until one of the tasks ends: then raise its
        error (or ``ConnectionError``) for the supervisor.  Every stream feed
        runs through here, whatever client speaks to the venue."""
        tasks: list[asyncio.Task[Any]] = []
        wake = self._wake = asyncio.Event()

        def spawn(coro: Coroutine[Any, Any, Any]) -> None:
            task = asyncio.ensure_future(coro)
            task.add_done_callback(lambda _t: wake.set())
            tasks.append(task)

        try:
            await start(spawn)
            seen = self.frames
            while True:
                try:
                    async with asyncio.timeout(self.heartbeat_s):
                        await wake.wait()
                except TimeoutError:
                    if self.frames != seen:
                        seen = self.frames
                        await emit([])  # alive, nothing to report
                    continue
                wake.clear()
                for task in tasks:
                    if task.done():
                        task.result()  # raises the connection's error
                        raise ConnectionError(f"{self.name}: a subscription ended")
                if self._pending:
                    batch, self._pending = self._pending, []
                    seen = self.frames
                    await emit(batch)
        finally:
            self._wake = self._refresh_now = None
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)


class PerMarketStreamFeed(StreamLiquidationFeed):
    """A venue whose liquidations come per market (Bybit, Kraken Futures,
    dYdX): every listed market it ``wants`` is subscribed on each new
    connection, and each markets refresh (every 10 minutes, not hourly: a
    new listing is one more market to subscribe) subscribes the new ones.
    ``subscribed`` holds the market ids of the current connection."""

    def __init__(self, spec: VenueSpec, settings: ExchangeSettings, *, markets_refresh_s: float = 600.0, **kwargs: Any) -> None:
        super().__init__(spec, settings, markets_refresh_s=markets_refresh_s, **kwargs)
        self.subscribed: set[str] = set()

    @abstractmethod
    def wants(self, market: dict[str, Any]) -> bool:
        """Whether ccxt ``market`` carries liquidations to subscribe."""

    @abstractmethod
    def subscribe_markets(self, exchange: Any, spawn: Spawn, markets: list[dict[str, Any]]) -> None:
        """Spawn the watches for ``markets`` (new on this connection, by id)."""

    @staticmethod
    def market_id(market: dict[str, Any]) -> str:
        """The id a subscription names (the ccxt market id by default)."""
        return str(market["id"])

    async def subscribe(self, exchange: Any, spawn: Spawn) -> None:
        self.subscribed = set()
        self._subscribe_new(exchange, spawn)

    async def on_markets_refreshed(self, exchange: Any, spawn: Spawn) -> None:
        self._subscribe_new(exchange, spawn)

    def _subscribe_new(self, exchange: Any, spawn: Spawn) -> None:
        new = sorted(
            (m for m in exchange.markets.values() if self.wants(m) and self.market_id(m) not in self.subscribed),
            key=self.market_id,
        )
        if new:
            self.subscribe_markets(exchange, spawn, new)
            self.subscribed.update(map(self.market_id, new))
