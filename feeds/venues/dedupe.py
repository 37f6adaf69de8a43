"""A bounded memory of recently seen event keys.

Venues resend recent liquidations after a reconnect; the feed drops what it
has already emitted.  The memory lives on the feed object (not in ``run``), so
it survives the supervisor restarting ``run`` to resubscribe, and it is
bounded so that a feed running for days does not grow without limit.
"""

from __future__ import annotations

from collections import deque
from typing import Hashable


class RecentKeys:
    """Remembers the last ``capacity`` keys; O(1) per check."""

    def __init__(self, capacity: int = 100_000) -> None:
        if capacity < 1:
            raise ValueError("capacity must be >= 1")
        self._capacity = capacity
        self._set: set[Hashable] = set()
        self._order: deque[Hashable] = deque()

    def __len__(self) -> int:
        return len(self._set)

    def add(self, key: Hashable) -> bool:
        """Record ``key``; False when it was already known (a duplicate)."""
        if key in self._set:
            return False
        if len(self._order) >= self._capacity:
            self._set.discard(self._order.popleft())
        self._order.append(key)
        self._set.add(key)
        return True
