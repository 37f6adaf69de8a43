"""Warm start: put an engine back where a previous run left it.

The history (tui/runtime/history.py) stores hourly liquidation bars, the hourly LVR
and OI samples the engine took, and the recent raw events.  Restoring them
in the right order matters: the recent events, replayed, make the engine
take hourly samples again for the hours they cross, and those would be
second copies (computed from less data) of samples the store already holds
exactly.  So the stored samples win and only samples newer than the last
stored one are kept from the replay.

In three steps so that the app can replay the events in chunks between
frames: ``begin``, ``engine.apply_many`` on the events in order, ``finish``.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from feeds.events import Event
from indicators.engine import Engine

Sample = tuple[int, float]


def begin(engine: Engine, hourly: Mapping[int, tuple[float, float, int]]) -> None:
    """Load stored hourly bars: hour open -> (long_usd, short_usd, count).
    They must be hours before the first event to be replayed."""
    engine.hours.load(hourly)


def finish(engine: Engine, lvr_samples: Sequence[Sample], oi_samples: Sequence[Sample]) -> None:
    """After the replay: the stored hourly samples (oldest first) replace the
    ones the replay took again; newer ones are kept."""
    lev = engine.leverage
    for queue, stored in ((lev.lvr_samples, lvr_samples), (lev.oi_samples, oi_samples)):
        last = stored[-1][0] if stored else None
        newer = [s for s in queue if last is None or s[0] > last]
        queue.clear()
        queue.extend(stored)
        queue.extend(newer)


def warm_start(
    engine: Engine,
    hourly: Mapping[int, tuple[float, float, int]],
    lvr_samples: Sequence[Sample],
    oi_samples: Sequence[Sample],
    events: Iterable[Event],
) -> int:
    """All three steps at once; returns the number of events applied."""
    begin(engine, hourly)
    n = engine.apply_many(events)
    finish(engine, lvr_samples, oi_samples)
    return n
