"""REST calls that back off the way the venue asks.

ccxt raises ``RateLimitExceeded`` / ``DDoSProtection`` on HTTP 429 and keeps
the response headers in ``last_response_headers`` (set just before it raises,
with no await in between, so they are the 429's own headers).  The caller
waits at least the Retry-After the venue sent (seconds or an HTTP date,
feeds.http), never less than a floor.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from feeds.http import RETRY_AFTER, header, retry_after_s


async def call_politely(
    exchange: Any,
    waits: list[float],
    floor_s: float,
    fn: Callable[..., Awaitable[Any]],
    *args: Any,
    **kwargs: Any,
) -> Any:
    """``await fn(*args, **kwargs)``, retrying after each 429 once
    ``max(floor_s, Retry-After)`` has passed; each wait is appended to ``waits``."""
    import ccxt

    while True:
        try:
            return await fn(*args, **kwargs)
        except (ccxt.RateLimitExceeded, ccxt.DDoSProtection):
            asked = retry_after_s(header(exchange.last_response_headers, RETRY_AFTER), time.time())
            wait = max(floor_s, asked or 0.0)
            waits.append(wait)
            await asyncio.sleep(wait)
