"""A bounded memory of recently seen event keys.

Venues resend recent liquidations after a reconnect; the feed drops what it
has already emitted.  The memory lives on the feed object (not in ``run``), so
it survives the supervisor restarting ``run`` to resubscribe, and it is
bounded so that a feed running for days does not grow without limit.

It keeps each key's hash, not the key: an event tuple costs ~300 bytes, an
int ~100 with its set and deque slots, and a burst of tens of thousands of
liquidations would otherwise sit in memory long after it was recorded.  A
64-bit hash collision between two recent events is not a practical risk.
"""

from __future__ import annotations

from collections import deque
from typing import Hashable


class RecentKeys:
    """Remembers the last ``capacity`` keys; O(1) per check."""

    def __init__(self, capacity: int = 20_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self._capacity = capacity
        self._set: set[int] = set()
        self._order: deque[int] = deque()

    def __len__(self) -> int:
        return len(self._set)

    def add(self, key: Hashable) -> bool:
        """Record ``key``; False when it was already known (a duplicate)."""
        h = hash(key)
        if h in self._set:
            return False
        if len(self._order) >= self._capacity:
            self._set.discard(self._order.popleft())
        self._order.append(h)
        self._set.add(h)
        return True
