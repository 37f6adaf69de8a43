"""One supervisor for every feed: restarts, a silence watchdog, health events.

Live feeds fail all the time (dropped sockets, venue maintenance, rate
limits) and the program must run for days through that, so no feed runs on
its own: each is a task under the supervisor, which restarts a failed feed
with capped exponential backoff, resubscribes one that fell silent while the
others flow, and reports every change of health as a ``FeedStatus`` event in
the same stream as the data.  The UI and a recording thus see exactly what
the user saw: when a venue was down, and for how long.

States (``feeds.events.FEED_STATES``):

- ``connecting``: ``run()`` was (re)started and has not delivered yet;
- ``live``: it delivered (data or an empty heartbeat batch) since starting;
- ``stale``: the watchdog found it silent while others flowed; it is being
  resubscribed and turns ``live`` on its next delivery;
- ``down``: ``run()`` raised (``detail`` says why and when the retry is), or
  it returned, which means it has nothing more to say (``detail`` is
  ``"finished"``, and it is not restarted).

Besides the per-feed states, the supervisor tracks whether any venue can be
reached at all; see ``Supervisor.no_venue_reachable``.

A dropped connection leaves reference cycles behind (ccxt's client, its
error and that error's traceback, aiohttp's WebSocket response) that own
memory CPython's collector does not count: a zlib stream of about 80 KB per
connection, socket buffers.  With ccxt's modules and markets in the oldest
generation (some 200k objects), that generation is only collected after
tens of thousands more objects survive, so a flapping network grew a
recorder by about 0.3 MB/s (bench/soak.py).  So after a run ends the
supervisor runs one full collection, at most every ``sweep_interval``
seconds (about 0.1 s of work each).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import math
import random
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, Sequence

from feeds.base import Emit, Feed
from feeds.events import VENUES_STATUS, Event, FeedStatus

log = logging.getLogger("liqwatch.supervisor")

#: Whether any venue can be reached travels as FeedStatus events of the
#: reserved feed ``VENUES_STATUS`` (feeds.events): ``down`` with this detail
#: when none can, ``live`` again when one delivers.
NO_VENUE_DETAIL = "no venue can be reached; check the network, or try liqwatch --demo"
FINISHED_DETAIL = "finished"

_DETAIL_MAX = 120


@dataclass(frozen=True)
class Backoff:
    """Restart delays: exponential from ``base``, capped, with jitter.

    The jitter spreads the reconnects of many feeds (and many users) after a
    shared outage, so that a venue coming back is not hit by all of them in
    the same instant.  Delay ``n`` (0-based) is drawn in ``[d/2, d]`` with
    ``d = min(cap, base * factor**n)``: it still grows, and never exceeds the
    cap.  The attempt count starts over once a feed has been live for
    ``reset_after`` seconds, so one drop a day never waits 30 s.  That is 10 s,
    not a minute: a venue that drops a healthy connection every 20-60 s (a bad
    day, see ``bench/soak.py``) must not push each reconnect towards the cap;
    only a feed that cannot stay up for 10 s is backed off further.
    """

    base: float = 0.5
    factor: float = 2.0
    cap: float = 30.0
    reset_after: float = 10.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        # Cap the exponent first: factor**attempt overflows a float for a feed
        # that has failed for days.
        ceiling = self.base * self.factor ** min(attempt, 64) if self.factor > 1 else self.base
        d = min(self.cap, ceiling)
        return d * (0.5 + 0.5 * rand())


def describe_error(exc: BaseException) -> str:
    """A short, one-line, human reason for a failure, fit for a status line."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    name = type(exc).__name__
    out = f"{name}: {text}" if text else name
    return out if len(out) <= _DETAIL_MAX else out[: _DETAIL_MAX - 1] + "…"


class _Slot:
    """The supervisor's book-keeping for one feed."""

    def __init__(self, feed: Feed, stale_after: float) -> None:
        self.feed = feed
        self.name = feed.name
        self.stale_after = stale_after
        self.state = ""
        self.detail = ""
        self.status: FeedStatus | None = None
        self.runner: asyncio.Task[None] | None = None
        self.run_task: asyncio.Task[None] | None = None
        self.run_started = 0.0
        self.last_delivery: float | None = None
        self.live_since: float | None = None
        self.emitting = 0
        self.resubscribing = False
        self.done = False
        # True from a failure (or a stall with nothing delivered) until the
        # next delivery: the feed cannot currently reach its source.
        self.unreachable = False
        self.restarts = 0


class Supervisor:
    """Run feeds as tasks, restart them, watch them, report their health.

    ``emit`` is the pipeline's: every feed's batches go to it unchanged
    (the same list object, never copied), and so do the ``FeedStatus``
    events.  ``stale_after`` is the default silence limit for feeds that do
    not set ``Feed.stale_after``.  ``sweep_interval`` spaces the garbage
    collections after failed runs (see the module docstring).  ``rand``,
    ``sleep``, ``clock`` and ``collect`` are injectable so tests can read the
    backoff without waiting for it.
    """

    def __init__(
        self,
        feeds: Sequence[Feed],
        emit: Emit,
        *,
        backoff: Backoff = Backoff(),
        stale_after: float = 120.0,
        watchdog_interval: float = 1.0,
        sweep_interval: float = 10.0,
        collect: Callable[[], object] = gc.collect,
        rand: Callable[[], float] = random.random,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        names = [f.name for f in feeds]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"feed names must be unique: {', '.join(dupes)}")
        if VENUES_STATUS in names:
            raise ValueError(f"{VENUES_STATUS!r} is reserved for the venue reachability status")
        self._emit = emit
        self._backoff = backoff
        self._watchdog_interval = watchdog_interval
        self._rand = rand
        self._sleep = sleep
        self._clock = clock
        self._wall_ms = wall_ms
        self._slots = [
            _Slot(f, f.stale_after if f.stale_after is not None else stale_after) for f in feeds
        ]
        self._watchdog: asyncio.Task[None] | None = None
        self._sweep_interval = sweep_interval
        self._collect = collect
        self._sweep_due = asyncio.Event()
        self._sweeper: asyncio.Task[None] | None = None
        self._no_venue = False
        self._started = False

    # -- public -------------------------------------------------------------

    @property
    def no_venue_reachable(self) -> bool:
        """True when every venue feed still running has failed (or stalled
        without delivering anything) since it last delivered.

        Feeds that are merely starting do not count as unreachable, so this
        does not flash at start-up; finished feeds are left out.  Each flip
        is also emitted as ``FeedStatus(feed=VENUES_STATUS, state="down",
        detail=NO_VENUE_DETAIL)`` and back to ``state="live"``.
        """
        return self._no_venue

    @property
    def statuses(self) -> dict[str, FeedStatus]:
        """The latest status of each feed, by name (in the feeds' order)."""
        return {s.name: s.status for s in self._slots if s.status is not None}

    def restarts(self, name: str) -> int:
        """How many times the feed's ``run()`` was started again (failures and
        resubscriptions)."""
        return self._slot(name).restarts

    def start(self) -> None:
        """Start every feed and the watchdog on the running loop."""
        if self._started:
            raise RuntimeError("supervisor already started")
        self._started = True
        for slot in self._slots:
            slot.runner = asyncio.create_task(self._supervise(slot), name=f"feed:{slot.name}")
        if any(math.isfinite(s.stale_after) for s in self._slots):
            self._watchdog = asyncio.create_task(self._watch(), name="feed-watchdog")
        self._sweeper = asyncio.create_task(self._sweep(), name="feed-sweeper")

    async def wait(self) -> None:
        """Return once every feed has finished (live feeds never do)."""
        runners = [s.runner for s in self._slots if s.runner is not None]
        if runners:
            await asyncio.wait(runners)

    async def stop(self) -> None:
        """Cancel every task and wait for them all: nothing is left running."""
        tasks = [t for t in (self._watchdog, self._sweeper, *(s.runner for s in self._slots)) if t is not None]
        for t in tasks:
            t.cancel()
        results = await asyncio.gather(*tasks, return_exceptions=True)
        for t, res in zip(tasks, results):
            if isinstance(res, Exception):
                log.error("task %s ended with %s", t.get_name(), describe_error(res))

    async def __aenter__(self) -> Supervisor:
        self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- one feed -----------------------------------------------------------

    def _slot(self, name: str) -> _Slot:
        for s in self._slots:
            if s.name == name:
                return s
        raise KeyError(name)

    async def _set(self, slot: _Slot, state: str, detail: str = "") -> None:
        if state == slot.state and detail == slot.detail:
            return
        slot.state, slot.detail = state, detail
        slot.status = FeedStatus(self._wall_ms(), slot.name, state, detail)
        await self._emit([slot.status])

    def _emitter(self, slot: _Slot) -> Emit:
        """The ``emit`` handed to one feed: notes the delivery, then forwards
        the very same batch."""
        forward = self._emit
        clock = self._clock

        async def emit(batch: Sequence[Event]) -> None:
            slot.last_delivery = clock()
            if slot.state != "live":
                slot.live_since = slot.last_delivery
                slot.unreachable = False
                await self._set(slot, "live")
                await self._update_reachability()
            if batch:
                slot.emitting += 1
                try:
                    await forward(batch)
                finally:
                    slot.emitting -= 1

        return emit

    async def _supervise(self, slot: _Slot) -> None:
        emit = self._emitter(slot)
        attempt = 0
        first = True
        while True:
            slot.run_started = self._clock()
            slot.last_delivery = None
            slot.live_since = None
            if not first:
                slot.restarts += 1
            first = False
            # A resubscription keeps showing ``stale`` until data flows again.
            if not slot.resubscribing:
                await self._set(slot, "connecting")
            slot.resubscribing = False
            run = asyncio.create_task(slot.feed.run(emit), name=f"run:{slot.name}")
            slot.run_task = run
            try:
                await asyncio.wait((run,))
            finally:
                # Our own cancellation (stop()) lands here with ``run`` still going.
                if not run.done():
                    run.cancel()
                    await asyncio.wait((run,))
                slot.run_task = None
                # Fetch the outcome even when we are being stopped: an error
                # left unread is logged later by the task's finaliser.
                exc = None if run.cancelled() else run.exception()
                cancelled = run.cancelled()
            # The ended task holds its error, whose traceback holds the old
            # connection: drop it before the sweep, or one would outlive it.
            del run
            if slot.resubscribing:
                self._sweep_due.set()
                continue
            if exc is None and not cancelled:
                slot.done = True
                await self._set(slot, "down", FINISHED_DETAIL)
                await self._update_reachability()
                return
            healthy_for = (
                self._clock() - slot.live_since if slot.live_since is not None else 0.0
            )
            if healthy_for >= self._backoff.reset_after:
                attempt = 0
            delay = self._backoff.delay(attempt, self._rand)
            attempt += 1
            reason = describe_error(exc) if exc is not None else "cancelled"
            log.warning("feed %s failed (%s); retry in %.1f s", slot.name, reason, delay)
            if exc is not None:
                log.debug("feed %s failure", slot.name, exc_info=exc)
            exc = None
            self._sweep_due.set()
            slot.unreachable = True
            await self._set(slot, "down", f"{reason}; retry in {delay:.1f} s")
            await self._update_reachability()
            await self._sleep(delay)

    # -- garbage of ended runs ------------------------------------------------

    async def _sweep(self) -> None:
        while True:
            await self._sweep_due.wait()
            self._sweep_due.clear()
            self._collect()
            await asyncio.sleep(self._sweep_interval)  # real time, not the backoff's injected sleep

    # -- watchdog -----------------------------------------------------------

    async def _watch(self) -> None:
        while True:
            await self._sleep(self._watchdog_interval)
            await self._check_silence()

    async def _check_silence(self) -> None:
        now = self._clock()
        for slot in self._slots:
            if slot.run_task is None or slot.done or slot.emitting or not math.isfinite(slot.stale_after):
                continue
            since = slot.last_delivery if slot.last_delivery is not None else slot.run_started
            silent = now - since
            if silent < slot.stale_after or not self._others_flow(slot, now):
                continue
            # Silence everywhere is a quiet market or our own network: a
            # resubscription would not help, so only a lone silent feed is stale.
            if slot.last_delivery is None:
                slot.unreachable = True
            log.warning("feed %s silent for %.0f s; resubscribing", slot.name, silent)
            slot.resubscribing = True
            slot.run_task.cancel()
            await self._set(slot, "stale", f"no data for {silent:.0f} s; resubscribing")
            await self._update_reachability()

    def _others_flow(self, slot: _Slot, now: float) -> bool:
        return any(
            o is not slot and o.last_delivery is not None and now - o.last_delivery < slot.stale_after
            for o in self._slots
        )

    # -- reachability -------------------------------------------------------

    async def _update_reachability(self) -> None:
        venues = [s for s in self._slots if s.feed.venue and not s.done]
        none = bool(venues) and all(s.unreachable for s in venues)
        if none == self._no_venue:
            return
        self._no_venue = none
        if none:
            log.warning("no venue can be reached")
            status = FeedStatus(self._wall_ms(), VENUES_STATUS, "down", NO_VENUE_DETAIL)
        else:
            status = FeedStatus(self._wall_ms(), VENUES_STATUS, "live", "")
        await self._emit([status])
