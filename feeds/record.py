"""The recording sink: every event of a run into a JSONL file that survives
the recorder being killed.

This is what ``liqwatch record`` writes through (``run_feeds(feeds,
[RecordingSink(path), ...])``): every event the feeds produce, data and
``feed_status`` alike, so a recording shows the outages the user would have
seen.  The file is flushed every ``flush_interval`` (half a second), and
each flush ends on a whole line (and, for gzip, a sync-flushed deflate
block): a recorder killed with SIGKILL, or a machine that loses power,
leaves a file that ``read_events`` reads up to the last flush.

A flush that fails (the disk is full or gone) makes the next ``write`` or
the ``close`` raise it, which ends the run: the recording is incomplete,
and the recorder must say so rather than go on losing events.
"""

from __future__ import annotations

import asyncio
import logging
import os
from typing import Sequence

from feeds.events import Event
from feeds.recording import RecordingWriter

log = logging.getLogger("liqwatch.record")

FLUSH_INTERVAL_S = 0.5


class RecordingSink:
    """A ``feeds.run.Sink`` that appends to a recording (gzip when ``path``
    ends in ``.gz``).  The file is opened at once, so a path that cannot be
    written fails before any feed starts."""

    def __init__(
        self, path: str | os.PathLike[str], *, append: bool = False, flush_interval: float = FLUSH_INTERVAL_S
    ) -> None:
        self.writer = RecordingWriter(path, append=append)
        self.path = self.writer.path
        self.flush_interval = flush_interval
        self._flusher: asyncio.Task[None] | None = None

    async def write(self, batch: Sequence[Event]) -> None:
        flusher = self._flusher
        if flusher is None:
            self._flusher = asyncio.create_task(self._flush_every(), name="record-flush")
        elif flusher.done():
            flusher.result()  # the disk failed: raise its error
        self.writer.write_many(batch)

    async def _flush_every(self) -> None:
        while True:
            await asyncio.sleep(self.flush_interval)
            self.writer.flush()

    async def close(self) -> None:
        """Stop the timer, flush what is left and close the file; raises a
        flush that failed."""
        flusher, self._flusher = self._flusher, None
        failure = None
        if flusher is not None:
            flusher.cancel()
            await asyncio.gather(flusher, return_exceptions=True)
            failure = None if flusher.cancelled() else flusher.exception()
        try:
            self.writer.close()
        finally:
            if failure is not None:
                raise failure
        log.info("recorded %d events to %s", self.writer.count, self.path)
