"""The cap-range gauge: where the total market cap sits in its recent range.

The article's last paragraph ("the total market capitalization ... remains at
$3.5 trillion, overall not having exited the fluctuation range") is this
gauge.  The range is [low, high] of the samples of the last ``cap_range_days``
*before* the current sample (a range that contained the current sample could
never be left), or a band fixed in config.  One sample beyond the band is
noise; the state turns ``above``/``below`` only on the second consecutive one.

A rolling range is ``forming`` until its samples cover ``min_days``: the
low and high of 41 minutes are not the market's fluctuation range, and a
gauge, an alert or a status line that placed the cap in them, or called a
break out of them, would be claiming what the data cannot say.  The
snapshot says so in its state, and its position is then None.
"""

from __future__ import annotations

import math
from collections import deque

from feeds.events import DAY_MS, HOUR_MS, MarketCap
from indicators.history import LAST, Buckets
from indicators.snapshot import FORMING, CapSnapshot

# The sparkline's resolution: a close every 6 hours (120 points over 30 days).
HISTORY_SPAN_MS = 6 * HOUR_MS

_MARK_STEPS = (1e12, 5e11, 2.5e11, 1e11)


def round_marks(low: float, high: float) -> tuple[float, ...]:
    """Round levels inside [low, high]: whole trillions, or the coarsest of
    0.5T / 0.25T / 0.1T that puts at least one mark in a narrow band."""
    for step in _MARK_STEPS:
        first = math.ceil(low / step)
        last = math.floor(high / step)
        if last >= first:
            return tuple(k * step for k in range(first, last + 1))
    return ()


class CapRange:
    """Incremental range of market-cap samples (monotonic deques for min and max)."""

    def __init__(self, range_days: float, band: list[float] | None = None, min_days: float = 0.0) -> None:
        self.range_ms = int(range_days * DAY_MS)
        self.min_ms = int(min_days * DAY_MS)
        self.band = (float(band[0]), float(band[1])) if band else None
        self._mins: deque[tuple[int, float]] = deque()  # usd ascending
        self._maxs: deque[tuple[int, float]] = deque()  # usd descending
        self.last: MarketCap | None = None
        self.low: float | None = None
        self.high: float | None = None
        self.state = "inside"
        self._beyond = 0  # consecutive samples beyond the band, signed (+ above, - below)
        self.inside_since: int | None = None
        # The oldest sample of the unbroken run in the window: what the range covers.
        self.covered_from: int | None = None
        self.history = Buckets(HISTORY_SPAN_MS, max(1, math.ceil(range_days * DAY_MS / HISTORY_SPAN_MS)), LAST)
        self.history_days = self.history.count * HISTORY_SPAN_MS / DAY_MS

    def add(self, ev: MarketCap) -> None:
        if self.last is not None and ev.ts <= self.last.ts:
            return  # one series, in order: a late or repeated sample adds nothing
        self._expire(ev.ts)
        if not self._mins:
            self.covered_from = ev.ts  # every earlier sample has left the window
        low, high = self._band()
        usd = ev.usd
        if low is not None and high is not None:
            if usd > high:
                self._beyond = self._beyond + 1 if self._beyond > 0 else 1
            elif usd < low:
                self._beyond = self._beyond - 1 if self._beyond < 0 else -1
            else:
                self._beyond = 0
            state = "above" if self._beyond >= 2 else "below" if self._beyond <= -2 else "inside"
            if state == "inside" and self.state != "inside":
                self.inside_since = ev.ts
            self.state = state
        if self.inside_since is None:
            self.inside_since = ev.ts
        self.low, self.high = low, high
        self.last = ev
        self._push(ev.ts, usd)
        self.history.add(ev.ts, usd)

    def _push(self, ts: int, usd: float) -> None:
        mins, maxs = self._mins, self._maxs
        while mins and mins[-1][1] >= usd:
            mins.pop()
        mins.append((ts, usd))
        while maxs and maxs[-1][1] <= usd:
            maxs.pop()
        maxs.append((ts, usd))

    def _expire(self, now: int) -> None:
        cut = now - self.range_ms
        for dq in (self._mins, self._maxs):
            while dq and dq[0][0] <= cut:
                dq.popleft()

    def _band(self) -> tuple[float | None, float | None]:
        if self.band is not None:
            return self.band
        if not self._mins:
            return None, None
        return self._mins[0][1], self._maxs[0][1]

    def forming(self) -> bool:
        """True while a rolling range has too little history to mean anything."""
        if self.band is not None:
            return False
        if self.low is None or self.high is None or self.high <= self.low or self.last is None:
            return True
        return self.covered_from is None or self.last.ts - self.covered_from < self.min_ms

    def snapshot(self) -> CapSnapshot | None:
        ev = self.last
        if ev is None:
            return None
        low, high = self.low, self.high
        if low is None or high is None:
            low = high = ev.usd  # the first sample is its own range
        covered = (ev.ts - self.covered_from) / DAY_MS if self.covered_from is not None else 0.0
        if self.forming():
            return CapSnapshot(
                usd=ev.usd, ts=ev.ts, source=ev.source, low=low, high=high, position=None, state=FORMING,
                days_in_range=0.0, marks=(), fixed_band=False, covered_days=covered,
                history=self.history.values(ev.ts), history_days=self.history_days,
            )
        span = high - low
        inside = self.state == "inside"
        days = (ev.ts - self.inside_since) / DAY_MS if inside and self.inside_since is not None else 0.0
        return CapSnapshot(
            usd=ev.usd,
            ts=ev.ts,
            source=ev.source,
            low=low,
            high=high,
            position=(ev.usd - low) / span,
            state=self.state,
            days_in_range=days,
            marks=round_marks(low, high),
            fixed_band=self.band is not None,
            covered_days=covered,
            history=self.history.values(ev.ts), history_days=self.history_days,
        )
