"""Warm start: put an engine back where a previous run left it.

The history (tui/history.py) stores hourly liquidation bars, the hourly LVR
and OI samples the engine took, and the recent raw events.  Restoring them
in the right order matters: the recent events, replayed, make the engine
take hourly samples again for the hours they cross, and those would be
second copies (computed from less data) of samples the store already holds
exactly.  So the stored samples win and only samples newer than the last
stored one are kept from the replay.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from feeds.events import Event
from indicators.engine import Engine

Sample = tuple[int, float]


def warm_start(
    engine: Engine,
    hourly: Mapping[int, tuple[float, float, int]],
    lvr_samples: Sequence[Sample],
    oi_samples: Sequence[Sample],
    events: Iterable[Event],
) -> int:
    """Load stored hours and samples (oldest first), then replay ``events`` in
    order.  ``hourly`` must hold only hours before the first event's hour.
    Returns the number of events applied."""
    engine.liq.load_hourly(hourly)
    n = engine.apply_many(events)
    lev = engine.leverage
    for queue, stored in ((lev.lvr_samples, lvr_samples), (lev.oi_samples, oi_samples)):
        last = stored[-1][0] if stored else None
        newer = [s for s in queue if last is None or s[0] > last]
        queue.clear()
        queue.extend(stored)
        queue.extend(newer)
    return n
