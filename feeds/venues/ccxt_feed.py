"""What every ccxt venue feed shares: the exchange session, polite calls,
de-duplication and the counters.

Both kinds of feed (``stream.py`` liquidations over WebSocket,
``context.py`` volume, open interest and candles over REST) each open a ccxt.pro exchange with the origins from config, load its markets
without being rude about it, and close it whatever happens; this class does
that once, from the venue's ``VenueSpec``.

* **Polite calls.** ccxt raises ``RateLimitExceeded`` / ``DDoSProtection`` on
  HTTP 429 and keeps the response headers in ``last_response_headers`` (set
  just before it raises, with no await in between, so they are the 429's own
  headers).  ``call`` waits at least the Retry-After the venue sent (seconds
  or an HTTP date, ``feeds.http``), never less than ``rate_limit_wait_s``,
  and tries again inside the same run: a 429 is not a failure to restart.
* **De-duplication.** Venues resend recent liquidations after a reconnect
  and polls overlap; ``fresh`` drops what this feed has already emitted.  The
  memory (``RecentKeys``) lives on the feed, so it survives the supervisor
  restarting ``run``.
* **Counters**, public for tests and the status line: ``received`` (fresh
  events emitted), ``duplicates`` (dropped as already seen), ``garbage``
  (frames or rows that did not normalise), ``rate_limit_waits`` (every wait
  taken after a 429).

Importing this module does not import ccxt: ``session`` does, when a feed
starts running (the TUI paints before the heavy import).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable, ClassVar, TypeVar

from feeds.base import Feed
from feeds.http import RETRY_AFTER, header, retry_after_s
from feeds.settings import ExchangeSettings
from feeds.venues.dedupe import RecentKeys

if TYPE_CHECKING:
    from feeds.venues.spec import Kind, VenueSpec

DEDUPE_CAPACITY = 20_000
RATE_LIMIT_WAIT_S = 5.0

E = TypeVar("E")


class CcxtFeed(Feed):
    """Base of the ccxt venue feeds; see the module docstring.

    ``rate_limit_ms`` overrides ccxt's own request spacing (None keeps the
    venue's polite default; tests use 1 ms).
    """

    #: The liquidation feed kind a subclass implements (``VenueSpec.kind``).
    KIND: ClassVar[Kind]
    #: Whether the feed opens a ccxt exchange (``VenueSpec.ccxt_id``); the
    #: feeds of venues ccxt lacks speak aiohttp (``aiohttp_stream.py``).
    NEEDS_CCXT: ClassVar[bool] = True

    def __init__(
        self,
        spec: VenueSpec,
        settings: ExchangeSettings,
        *,
        rate_limit_wait_s: float = RATE_LIMIT_WAIT_S,
        rate_limit_ms: float | None = None,
        dedupe_capacity: int = DEDUPE_CAPACITY,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.settings = settings
        self.rate_limit_wait_s = rate_limit_wait_s
        self.rate_limit_ms = rate_limit_ms
        self.rate_limit_waits: list[float] = []
        self.received = 0
        self.duplicates = 0
        self.garbage = 0
        self._seen = RecentKeys(dedupe_capacity)

    @contextlib.asynccontextmanager
    async def session(self, **hooks: Any) -> AsyncIterator[Any]:
        """The venue's ccxt.pro exchange with its markets loaded, closed on
        the way out.  ``hooks`` (sink, bad, control) make it the hooked class
        that hands raw frames to the feed (``ccxt_hook``)."""
        from feeds.venues.ccxt_hook import open_exchange

        spec = self.spec
        if spec.ccxt_id is None:
            raise TypeError(f"{spec.name}: ccxt has no such venue")
        exchange = open_exchange(
            spec.ccxt_id,
            self.settings,
            options=dict(spec.ccxt_options),
            ws_paths=spec.ws_paths,
            rate_limit_ms=self.rate_limit_ms,
            **hooks,
        )
        try:
            await self.load_markets(exchange)
            yield exchange
        finally:
            await exchange.close()

    async def call(self, exchange: Any, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        """``await fn(*args, **kwargs)``, waiting out every 429 (see the module docstring)."""
        import ccxt

        while True:
            try:
                return await fn(*args, **kwargs)
            except (ccxt.RateLimitExceeded, ccxt.DDoSProtection):
                asked = retry_after_s(header(exchange.last_response_headers, RETRY_AFTER), time.time())
                wait = max(self.rate_limit_wait_s, asked or 0.0)
                self.rate_limit_waits.append(wait)
                await asyncio.sleep(wait)

    async def load_markets(self, exchange: Any, reload: bool = False) -> None:
        await self.call(exchange, exchange.load_markets, reload)

    def fresh(self, events: list[E]) -> list[E]:
        """The events not emitted before; counts them and the duplicates."""
        seen = self._seen
        out = [ev for ev in events if seen.add(ev)]
        self.duplicates += len(events) - len(out)
        self.received += len(out)
        return out
