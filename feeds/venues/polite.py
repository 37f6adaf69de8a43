"""REST calls that back off the way the venue asks.

ccxt raises ``RateLimitExceeded`` / ``DDoSProtection`` on HTTP 429 and keeps
the response headers in ``last_response_headers`` (set just before it raises,
with no await in between, so they are the 429's own headers).  The caller
waits at least the Retry-After the venue sent, never less than a floor.
"""

from __future__ import annotations

import asyncio
from typing import Any, Awaitable, Callable


def retry_after_s(headers: Any) -> float:
    """Retry-After in seconds from a headers dict (0 when absent or a date)."""
    if not isinstance(headers, dict):
        return 0.0
    for key, value in headers.items():
        if key.lower() == "retry-after":
            try:
                return max(0.0, float(value))
            except (TypeError, ValueError):
                return 0.0
    return 0.0


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
            wait = max(floor_s, retry_after_s(exchange.last_response_headers))
            waits.append(wait)
            await asyncio.sleep(wait)
