"""A value's recent past in fixed time buckets: what the panes draw as sparklines.

The panes show pictures of the last days (the LVR over 30 days, the market
cap over its range, each mood's score over a week).  A picture needs a few
dozen points, not every sample, so each indicator folds its values into
buckets of a fixed span as they come (O(1) a value) and hands the UI a
tuple of one value per bucket, oldest first, the bucket of ``now`` last, and
None for a bucket without any value (missing data is not a zero).

The tuple is cached until a value lands or the clock enters a new bucket,
so a snapshot taken four times a second hands out the same object and a
pane that compares it redraws nothing.
"""

from __future__ import annotations

from collections import deque

LAST, MAX, MEAN = "last", "max", "mean"


class Buckets:
    """The last ``count`` buckets of ``span_ms`` of one value, folded by ``fold``:
    ``last`` (a close: the market cap), ``max`` (a peak: a mood's score) or
    ``mean`` (a rate: the hourly LVR samples of a day)."""

    def __init__(self, span_ms: int, count: int, fold: str = LAST) -> None:
        if fold not in (LAST, MAX, MEAN):
            raise ValueError(f"unknown fold {fold!r}")
        self.span_ms = span_ms
        self.count = count
        self.fold = fold
        # [bucket start ms, value, n] oldest first; a bucket only exists once a value landed in it.
        self._b: deque[list] = deque(maxlen=count)
        self._version = 0
        self._key: tuple[int, int] | None = None
        self._values: tuple[float | None, ...] = ()

    def add(self, ts: int, value: float) -> None:
        """One value at ``ts``.  Values come in time order; one older than the
        newest bucket is folded into that bucket (a late sample is not lost,
        nor allowed to reopen the past)."""
        start = ts - ts % self.span_ms
        b = self._b
        self._version += 1
        if not b or start > b[-1][0]:
            b.append([start, value, 1])
            return
        cur = b[-1]
        if self.fold == LAST:
            cur[1] = value
        elif self.fold == MAX:
            cur[1] = max(cur[1], value)
        else:
            cur[1] += (value - cur[1]) / (cur[2] + 1)
        cur[2] += 1

    def values(self, now: int) -> tuple[float | None, ...]:
        """One value per bucket for the ``count`` buckets ending with ``now``'s,
        oldest first; empty before the first value."""
        if not self._b:
            return ()
        end = now - now % self.span_ms
        key = (self._version, end)
        if key != self._key:
            self._key = key
            first = end - (self.count - 1) * self.span_ms
            by_start = {s: v for s, v, _n in self._b if first <= s <= end}
            self._values = tuple(by_start.get(first + i * self.span_ms) for i in range(self.count))
        return self._values

    def first_start(self, now: int) -> int:
        """The start (ms) of the first bucket ``values(now)`` returns."""
        return now - now % self.span_ms - (self.count - 1) * self.span_ms
