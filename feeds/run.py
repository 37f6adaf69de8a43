"""The one driver: feeds in, every batch out to each sink, in order.

The app, ``liqwatch tape`` and ``liqwatch record`` all run their feeds
through ``run_feeds`` (or a ``FeedRunner`` when they read its state while it
runs); only what the batches go to differs, and that is a list of sinks:
the app's bounded queue into the engine, a recording file, the engine of
``record`` (for ``liqwatch status``), ``tape``'s printer, a message bus.

* Live feeds run under the ``Supervisor`` (backoff, the silence watchdog,
  ``feed_status`` health events, "no venue can be reached"); a replay runs
  alone: it has no network to fail, and a restart would play it again.  A
  feed that fails alone is logged, named in ``feed_errors`` and not retried.
* Every non-empty batch goes to each sink in order, the same list object,
  awaited: a sink that waits (a full queue) holds the feeds back, which is
  the back-pressure.  Events are counted by kind on the way.
* A sink that raises ends the run: the feeds are parked (their ``emit``
  never returns), stopped, the other sinks closed, and ``run`` re-raises
  the sink's error.  That is how ``tape`` ends when its reader is gone and
  ``record`` when its disk fails; a sink's failure is never a feed's.
* The run ends after ``duration`` seconds, when ``stop`` is set, when every
  feed has finished (a replay at its end) or when it is cancelled; in every
  case the feeds are stopped and every sink is closed before it returns.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Callable, Protocol, Sequence

from feeds.base import Feed
from feeds.events import Event
from feeds.supervisor import Backoff, Supervisor, describe_error

log = logging.getLogger("liqwatch.run")

_KIND = attrgetter("KIND")
#: The supervisor's default silence limit for feeds that set none (``Feed.stale_after``).
STALE_AFTER_S = 120.0


class Sink(Protocol):
    """Where batches go.  ``write`` may wait (back-pressure) and raises to
    end the run; ``close`` flushes and releases, once, when the run ends."""

    async def write(self, batch: Sequence[Event]) -> None: ...

    async def close(self) -> None: ...


class Tap:
    """A sink that hands every batch to a plain function (``record``'s engine,
    kept current for ``liqwatch status``)."""

    def __init__(self, fn: Callable[[Sequence[Event]], object]) -> None:
        self._fn = fn

    async def write(self, batch: Sequence[Event]) -> None:
        self._fn(batch)

    async def close(self) -> None:
        pass


@dataclass
class RunResult:
    """What a run carried."""

    #: Events passed to the sinks, by ``Event.KIND`` (``liquidation``, ``feed_status`` ...).
    counts: dict[str, int] = field(default_factory=dict)
    #: Whether, at the end, no venue could be reached (supervised runs; see Supervisor).
    no_venue_reachable: bool = False
    #: feed name -> why it failed, for feeds run alone (a supervised feed is retried instead).
    feed_errors: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


class FeedRunner:
    """One run of ``feeds`` into ``sinks``; see the module docstring.  Its
    state (``counts``, ``feed_errors``, ``no_venue_reachable``) can be read
    while it runs.  ``backoff`` and ``stale_after`` go to the supervisor."""

    def __init__(
        self,
        feeds: Sequence[Feed],
        sinks: Sequence[Sink],
        *,
        supervised: bool,
        backoff: Backoff = Backoff(),
        stale_after: float = STALE_AFTER_S,
    ) -> None:
        self.feeds = list(feeds)
        self.sinks = list(sinks)
        self.counts: Counter[str] = Counter()
        self.feed_errors: dict[str, str] = {}
        self.supervisor = (
            Supervisor(self.feeds, self._emit, backoff=backoff, stale_after=stale_after) if supervised else None
        )
        self._sink_error: BaseException | None = None
        self._sink_failed = asyncio.Event()
        self._started = False

    @property
    def no_venue_reachable(self) -> bool:
        return self.supervisor is not None and self.supervisor.no_venue_reachable

    def result(self) -> RunResult:
        return RunResult(dict(self.counts), self.no_venue_reachable, dict(self.feed_errors))

    async def _emit(self, batch: Sequence[Event]) -> None:
        if self._sink_error is not None:
            await _park()
        if not batch:
            return  # a heartbeat: the supervisor has seen it; no sink needs it
        self.counts.update(map(_KIND, batch))
        try:
            for sink in self.sinks:
                await sink.write(batch)
        except Exception as exc:
            if self._sink_error is None:
                self._sink_error = exc
                self._sink_failed.set()
            await _park()

    async def _run_alone(self, feed: Feed) -> None:
        try:
            await feed.run(self._emit)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one feed's failure must not end the others
            log.exception("feed %s failed", feed.name)
            self.feed_errors[feed.name] = describe_error(exc)

    async def run(self, *, duration: float | None = None, stop: asyncio.Event | None = None) -> RunResult:
        """Run until ``duration``, ``stop``, every feed finished, a sink's
        failure (re-raised) or cancellation; the sinks are closed in every case."""
        if self._started:
            raise RuntimeError("a FeedRunner runs once")
        self._started = True
        feeds: list[asyncio.Task[None]] = []
        if self.supervisor is not None:
            self.supervisor.start()
            finished = asyncio.ensure_future(self.supervisor.wait())
        else:
            feeds = [asyncio.create_task(self._run_alone(f), name=f"feed:{f.name}") for f in self.feeds]
            finished = asyncio.ensure_future(asyncio.wait(feeds) if feeds else asyncio.sleep(0))
        waiters = [finished, asyncio.ensure_future(self._sink_failed.wait())]
        if stop is not None:
            waiters.append(asyncio.ensure_future(stop.wait()))
        try:
            await asyncio.wait(waiters, timeout=duration, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (*waiters, *feeds):
                task.cancel()
            await asyncio.gather(*waiters, *feeds, return_exceptions=True)
            if self.supervisor is not None:
                await self.supervisor.stop()
            close_error = await self._close_sinks()
        failure = self._sink_error or close_error
        if failure is not None:
            raise failure
        return self.result()

    async def _close_sinks(self) -> BaseException | None:
        """Close every sink, even after one failed to; the first error."""
        first: BaseException | None = None
        for sink in self.sinks:
            try:
                await sink.close()
            except Exception as exc:
                log.error("closing %s failed: %s", type(sink).__name__, describe_error(exc))
                first = first or exc
        return first


async def _park() -> None:
    """Hold a feed that emits after a sink failed until the run stops it."""
    await asyncio.Future()


async def run_feeds(
    feeds: Sequence[Feed],
    sinks: Sequence[Sink],
    *,
    supervised: bool,
    duration: float | None = None,
    stop: asyncio.Event | None = None,
    backoff: Backoff = Backoff(),
    stale_after: float = STALE_AFTER_S,
) -> RunResult:
    """Run ``feeds`` into ``sinks`` once (``FeedRunner(...).run(...)``)."""
    runner = FeedRunner(feeds, sinks, supervised=supervised, backoff=backoff, stale_after=stale_after)
    return await runner.run(duration=duration, stop=stop)
