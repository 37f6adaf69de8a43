"""Desk mode for the commands: the viewer's feed, a first check of the bus,
and the stream read to its end as a plain iterator (``report --bus``).

The commands import this only when ``--bus`` is given: it brings in the NATS
client, which neither the first frame nor ``liqwatch status`` pays for.
"""

from __future__ import annotations

import asyncio
import queue
import sys
import threading
from itertools import chain
from typing import Iterator, Sequence

from feeds.bus.connection import BusConfigError, BusDown, connect
from feeds.bus.feed import BusFeed, Start
from feeds.bus.settings import BusSettings
from feeds.events import Event

EXIT_USAGE = 2
EXIT_UNREACHABLE = 1
# Batches held between the reading thread and the report (back-pressure).
_QUEUED_BATCHES = 64


def check_bus(settings: BusSettings) -> bool:
    """Connect once before a viewer starts: a bad URL or refused credentials
    exit 2 with the reason; an unreachable bus is only reported (the viewer
    shows it down and retries).  True when the bus answered."""

    async def probe() -> None:
        nc = await connect(settings, "liqwatch probe", asyncio.Event())
        await nc.close()

    try:
        asyncio.run(probe())
    except BusConfigError as exc:
        print(f"liqwatch: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE) from None
    except BusDown as exc:
        print(f"liqwatch: {exc}; retrying with backoff", file=sys.stderr)
        return False
    return True


def stream_events(settings: BusSettings, start: Start) -> Iterator[Event]:
    """The stream's events from ``start`` to its last message as of now, in
    order: read by a thread of its own, so a synchronous consumer (the
    report's engine) takes them as they come, never all held at once.
    Raises ``BusDown`` / ``BusConfigError`` as the read does."""
    batches: queue.Queue[Sequence[Event] | BaseException | None] = queue.Queue(_QUEUED_BATCHES)

    async def read() -> None:
        async def emit(batch: Sequence[Event]) -> None:
            if batch:
                await asyncio.to_thread(batches.put, batch)

        await BusFeed(settings, start, to_tail=True, watch_collector=False).run(emit)

    def main() -> None:
        try:
            asyncio.run(read())
        except BaseException as exc:  # handed to the consumer, which re-raises it
            batches.put(exc)
        else:
            batches.put(None)

    threading.Thread(target=main, name="bus-reader", daemon=True).start()

    def chunks() -> Iterator[Sequence[Event]]:
        while (item := batches.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item

    return chain.from_iterable(chunks())
