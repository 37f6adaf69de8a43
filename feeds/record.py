"""Headless recording: run feeds under the supervisor into a JSONL file.

This is ``liqwatch record``: it writes every event the feeds produce, data
and ``feed_status`` alike, so a recording shows the outages the user would
have seen.  The file is flushed at least once a second, and each flush ends
on a whole line (and, for gzip, a sync-flushed deflate block): a recorder
killed with SIGKILL, or a machine that loses power, leaves a file that
``read_events`` reads up to the last flush.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from feeds.base import Feed
from feeds.events import Event
from feeds.recording import RecordingWriter
from feeds.supervisor import Backoff, Supervisor

log = logging.getLogger("liqwatch.record")


@dataclass
class RecordResult:
    """What a recording run wrote."""

    path: Path
    #: Events written, by type (``Event.KIND``: ``liquidation``, ``feed_status`` ...).
    counts: dict[str, int] = field(default_factory=dict)
    #: Whether, at the end, no venue could be reached (see Supervisor).
    no_venue_reachable: bool = False

    @property
    def total(self) -> int:
        return sum(self.counts.values())


async def _flush_every(writer: RecordingWriter, interval: float) -> None:
    while True:
        await asyncio.sleep(interval)
        writer.flush()


async def record(
    feeds: Sequence[Feed],
    path: str | os.PathLike[str],
    duration: float | None = None,
    *,
    stop: asyncio.Event | None = None,
    append: bool = False,
    flush_interval: float = 0.5,
    backoff: Backoff = Backoff(),
    stale_after: float = 120.0,
) -> RecordResult:
    """Record ``feeds`` into ``path`` (gzip when it ends in ``.gz``).

    Runs until ``duration`` seconds have passed, ``stop`` is set, or every
    feed has finished (a replay); cancelling it stops it too.  In every case
    the feeds are stopped and the file is flushed and closed before it
    returns (or re-raises).  ``stop`` lets a CLI end on SIGINT/SIGTERM and
    still get the result.
    """
    counts: Counter[str] = Counter()
    writer = RecordingWriter(path, append=append)

    async def emit(batch: Sequence[Event]) -> None:
        writer.write_many(batch)
        for ev in batch:
            counts[ev.KIND] += 1

    sup = Supervisor(feeds, emit, backoff=backoff, stale_after=stale_after)
    flusher = asyncio.create_task(_flush_every(writer, flush_interval), name="record-flush")
    waiters = [flusher, asyncio.create_task(sup.wait(), name="record-feeds")]
    if stop is not None:
        waiters.append(asyncio.create_task(stop.wait(), name="record-stop"))
    try:
        sup.start()
        await asyncio.wait(waiters, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for t in waiters:
            t.cancel()
        await asyncio.gather(*waiters, return_exceptions=True)
        await sup.stop()
        writer.close()
    failure = None if flusher.cancelled() else flusher.exception()
    if failure is not None:
        # The disk failed (full, gone): the recording is incomplete, say so.
        raise failure
    log.info("recorded %d events to %s", sum(counts.values()), writer.path)
    return RecordResult(writer.path, dict(counts), sup.no_venue_reachable)
