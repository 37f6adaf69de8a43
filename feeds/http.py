"""What liqwatch reads from HTTP itself: how long a server asks it to wait.

Every polite caller (the ccxt venue feeds on a 429, the market-cap poller on
a 429 or 503) honours ``Retry-After``, and RFC 9110 allows it in two forms:
delta-seconds (``120``) or an HTTP date (``Wed, 21 Oct 2015 07:28:00 GMT``).
One parser for both, so no caller waits the floor when a venue sent a date.
"""

from __future__ import annotations

import email.utils
from typing import Any

RETRY_AFTER = "Retry-After"


def retry_after_s(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value: delta-seconds or an HTTP
    date, counted from ``now`` (Unix seconds).  Never negative; None when the
    value is absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def header(headers: Any, name: str) -> str | None:
    """The value of header ``name`` in a plain dict of headers (ccxt keeps a
    response's headers that way, with the server's spelling), case-insensitive."""
    if not isinstance(headers, dict):
        return None
    wanted = name.lower()
    for key, value in headers.items():
        if isinstance(key, str) and key.lower() == wanted:
            return value if isinstance(value, str) else str(value)
    return None
