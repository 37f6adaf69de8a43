"""What every producer is: an async task that emits batches of events.

Live venue feeds, the market-cap poller and the replay of a recording all
implement ``Feed``, so the rest of the program cannot tell them apart: that
is what lets the demo and the tests drive the very path live data takes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Awaitable, Callable, Sequence

from feeds.events import Event

# Emit a batch of events.  Awaiting it applies back-pressure: the pipeline
# queue is bounded, and a producer that outruns the engine waits here.
Emit = Callable[[Sequence[Event]], Awaitable[None]]


class Feed(ABC):
    """An async producer of events.

    ``run`` returns when the feed has nothing more to say (a replay at its
    end) and raises when it fails; the supervisor restarts a failed live
    feed with backoff.  It is cancelled to stop.
    """

    #: Stable name used in ``feed_status`` events and the status line.
    name: str

    @abstractmethod
    async def run(self, emit: Emit) -> None: ...
