"""The shared engine of every WebSocket liquidation feed.

A venue module says which ccxt.pro class to use, how to subscribe, how to
recognise a liquidation frame and how to normalise it; this class runs it:
open the hooked exchange, load markets, subscribe, hand each batch of fresh
events to ``emit``, and raise when the connection fails so that the
supervisor restarts ``run`` with backoff.

Frames are normalised synchronously inside ccxt's receive callback (cheap,
no copy of the frame kept) and queued; ``run`` awaits ``emit`` for whatever
has accumulated, so back-pressure from the pipeline never blocks the socket
reader and no frame is lost while ``emit`` waits.
"""

from __future__ import annotations

import asyncio
from abc import abstractmethod
from typing import Any, Callable, Coroutine

from feeds.base import Emit, Feed
from feeds.events import Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues.dedupe import RecentKeys
from feeds.venues.markets import Contract, contract_table
from feeds.venues.polite import call_politely

Normaliser = Callable[[Any], list[Liquidation]]
Spawn = Callable[[Coroutine[Any, Any, Any]], None]

# Normalisers build events with ``NEW_EVENT(Liquidation, (ts, ...))``: the
# same immutable tuple as ``Liquidation(ts, ...)``, without namedtuple's
# Python-level ``__new__``, which costs 5x more (bench/normalise.py).
NEW_EVENT = tuple.__new__

# What a broken frame raises inside a normaliser (missing key, wrong type,
# unparsable number, unknown side).
FRAME_ERRORS = (KeyError, IndexError, TypeError, ValueError, AttributeError)


class StreamLiquidationFeed(Feed):
    """Base class; see the module docstring.  Counters are public for tests
    and the status line: ``received`` (fresh liquidations emitted),
    ``duplicates`` (dropped as already seen), ``garbage`` (frames that could
    not be decoded or normalised), ``last_garbage`` (why, for the last one)."""

    #: ccxt.pro class name, e.g. ``binanceusdm``.
    ccxt_id: str
    #: ccxt options for this venue (e.g. which market types to load).
    ccxt_options: dict[str, Any] = {}

    def __init__(
        self,
        settings: ExchangeSettings,
        *,
        markets_refresh_s: float = 3600.0,
        dedupe_capacity: int = 20_000,
        rate_limit_wait_s: float = 5.0,
    ) -> None:
        self.settings = settings
        self.markets_refresh_s = markets_refresh_s
        self.rate_limit_wait_s = rate_limit_wait_s
        #: every wait taken after a 429 on a markets request
        self.rate_limit_waits: list[float] = []
        self.received = 0
        self.duplicates = 0
        self.garbage = 0
        self.last_garbage = ""
        self._seen = RecentKeys(dedupe_capacity)
        self._normalise: Normaliser = self._no_markets
        self._pending: list[Liquidation] = []
        self._wake: asyncio.Event | None = None

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
        seen = self._seen
        fresh = [ev for ev in events if seen.add(ev)]
        self.duplicates += len(events) - len(fresh)
        if fresh:
            self.received += len(fresh)
            self._pending.extend(fresh)
            if self._wake is not None:
                self._wake.set()
        return True

    async def _load_markets(self, exchange: Any, reload: bool = False) -> None:
        # a 429 on a markets request waits instead of dropping the connection
        await call_politely(exchange, self.rate_limit_waits, self.rate_limit_wait_s, exchange.load_markets, reload)

    async def _refresh_markets(self, exchange: Any, spawn: Spawn) -> None:
        while True:
            await asyncio.sleep(self.markets_refresh_s)
            await self._load_markets(exchange, reload=True)
            self.set_contracts(exchange.markets)
            await self.on_markets_refreshed(exchange, spawn)

    def _on_bad(self, frame: Any, exc: BaseException) -> None:
        self.garbage += 1
        self.last_garbage = f"{type(exc).__name__}: {exc} in {str(frame)[:120]!r}"

    async def run(self, emit: Emit) -> None:
        from feeds.venues.ccxt_hook import open_exchange

        exchange = open_exchange(
            self.ccxt_id,
            self.settings,
            sink=self._on_frame,
            bad=self._on_bad,
            control=self.is_control_text,
            options=self.ccxt_options,
        )
        wake = self._wake = asyncio.Event()
        tasks: list[asyncio.Task[Any]] = []

        def spawn(coro: Coroutine[Any, Any, Any]) -> None:
            task = asyncio.ensure_future(coro)
            task.add_done_callback(lambda _t: wake.set())
            tasks.append(task)

        try:
            await self._load_markets(exchange)
            self.set_contracts(exchange.markets)
            await self.subscribe(exchange, spawn)
            spawn(self._refresh_markets(exchange, spawn))
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
        finally:
            self._wake = None
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await exchange.close()
