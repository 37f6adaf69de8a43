"""What every producer is: an async task that emits batches of events.

Live venue feeds, the market-cap poller and the replay of a recording all
implement ``Feed``, so the rest of the program cannot tell them apart: that
is what lets the demo and the tests drive the very path live data takes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Awaitable, Callable, Sequence

from feeds.events import Event

# Emit a batch of events.  Awaiting it applies back-pressure: the driver
# (feeds/run.py) hands each batch to its sinks in turn, and a producer that
# outruns a sink (the app's bounded queue into the engine) waits here.
Emit = Callable[[Sequence[Event]], Awaitable[None]]


class Feed(ABC):
    """An async producer of events.

    ``run`` returns when the feed has nothing more to say (a replay at its
    end) and raises when it fails; the supervisor restarts a failed live
    feed with backoff (``feeds.run`` runs every feed).  It is cancelled to stop.
    """

    #: Stable name used in ``feed_status`` events and the status line.
    name: str

    #: Seconds of silence after which the supervisor's watchdog calls this
    #: feed stale and resubscribes it (None: the supervisor's default).  A
    #: poller sets it well above its own period; ``math.inf`` turns it off.
    #: Emitting an empty batch is a heartbeat: it proves the feed alive
    #: without data (a poll that found nothing new).
    stale_after: float | None = None

    #: Whether this feed talks to a trading venue.  When every venue feed is
    #: down or has never delivered, no venue can be reached and the UI says
    #: so; the market-cap poller or a replay must not mask that.
    venue: bool = True

    @abstractmethod
    async def run(self, emit: Emit) -> None: ...
