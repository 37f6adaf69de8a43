"""Publishing to the desk's stream: ``BusSink``, one more sink of the feed runner.

Every event becomes one JetStream message (feeds/bus/wire.py) whose
``Nats-Msg-Id`` is its stable key, so a resend is stored once.  Messages are
published in order, a window at a time, and an event leaves the sink's
buffer only once the stream has acknowledged it.  When the server goes
away, nothing is dropped: the buffer holds what is unacknowledged (bounded:
past ``max_buffered`` events ``write`` waits, and so the feeds feel
back-pressure), the sink reconnects with capped backoff, and publishes again
from the first unacknowledged event; what the stream had already stored is
recognised as a duplicate.  Order is kept: a window is retried from its
first gap, in order.

The collector also says it is alive: a heartbeat on core NATS every second
(not stored), which viewers turn into the ``collector`` feed's health.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import time
from collections import deque
from itertools import islice
from typing import Any, Callable, Sequence

import nats.errors
import nats.js.errors

from feeds.bus import BUS_FEED
from feeds.bus.connection import API_TIMEOUT_S, BusConfigError, BusDown, BusError, connect, ensure_stream
from feeds.bus.settings import BusSettings, safe_url
from feeds.bus.wire import MSG_ID, encode, heartbeat_subject
from feeds.events import FeedStatus
from feeds.supervisor import Backoff, describe_error

log = logging.getLogger("liqwatch.bus")

#: Unacknowledged events held while the bus is away (~70 MB at most): ten
#: minutes of a busy market.  Past it, ``write`` waits.
MAX_BUFFERED = 200_000
#: Messages in flight before their acknowledgements are awaited.
WINDOW = 2000
#: A window not acknowledged by then is sent again (after a reconnect).
ACK_TIMEOUT_S = 5.0
HEARTBEAT_S = 1.0
#: How long ``close`` waits without an acknowledgement before giving up on the buffer.
CLOSE_TIMEOUT_S = 10.0
#: How long the publisher may take to stop once cancelled.
STOP_TIMEOUT_S = 3.0
BACKOFF = Backoff(base=0.25, cap=5.0)
#: Failures that mean "the connection or the server is not there now".
_DOWN = (BusDown, nats.errors.Error, nats.js.errors.Error, OSError, asyncio.TimeoutError)

StatusListener = Callable[[FeedStatus], None]


def collector_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class BusSink:
    """A sink (``write(batch)``, ``close()``) that publishes to the stream.

    ``heartbeat`` adds fields to each heartbeat (the collector's mode and
    data clock); ``on_status`` hears the bus's health as ``FeedStatus``
    events of the feed ``bus`` (the collector's status file shows it).
    A bad URL or refused credentials end the sink: the next ``write`` (or
    ``close``) raises ``BusConfigError``.
    """

    def __init__(
        self,
        settings: BusSettings,
        *,
        max_buffered: int = MAX_BUFFERED,
        heartbeat: Callable[[], dict[str, Any]] | None = None,
        on_status: StatusListener | None = None,
        name: str | None = None,
    ) -> None:
        if max_buffered < 1:
            raise ValueError("max_buffered must be >= 1")
        self.settings = settings
        self.name = name or collector_name()
        self.max_buffered = max_buffered
        self._heartbeat_fields = heartbeat
        self._on_status = on_status
        self._prefix = settings.subject_prefix
        self._buf: deque[tuple[str, bytes, str]] = deque()
        self._room = asyncio.Event()
        self._room.set()
        self._wake = asyncio.Event()
        self._drained = asyncio.Event()
        self._drained.set()
        self._task: asyncio.Task[None] | None = None
        self._fatal: BusConfigError | None = None
        #: Set when the sink can publish no more (refused credentials): the
        #: collector ends on it rather than buffer for ever.
        self.ended = asyncio.Event()
        self.state = ""
        self.detail = ""
        #: Events the stream acknowledged, and how many of those it already held.
        self.published = 0
        self.duplicates = 0
        self.reconnects = 0

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def start(self) -> None:
        """Connect in the background (``write`` does it on first use)."""
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="bus-publisher")

    async def write(self, batch: Sequence[Any]) -> None:
        self.start()
        self._raise_fatal()
        if not batch:
            return
        while len(self._buf) >= self.max_buffered:
            self._room.clear()
            await self._room.wait()
            self._raise_fatal()
        self._buf.extend(encode(self._prefix, batch))
        self._drained.clear()
        self._wake.set()

    async def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Publish what is buffered (waiting up to ``timeout``), say goodbye, disconnect."""
        if self._task is None:
            return
        # A long buffer drains as long as it takes; only a bus that stops
        # acknowledging for ``timeout`` is given up on.
        idle_since, seen = time.monotonic(), self.published
        while not self._drained.is_set():
            try:
                await asyncio.wait_for(self._drained.wait(), 0.5)
            except asyncio.TimeoutError:
                pass
            if self.published != seen:
                idle_since, seen = time.monotonic(), self.published
            elif time.monotonic() - idle_since > timeout:
                log.warning("bus %s: %d event(s) not published (the bus did not come back within %.0f s)",
                            safe_url(self.settings.url), len(self._buf), timeout)
                break
        self._task.cancel()
        # Bounded: the client library's own teardown must not hold up an exit.
        await asyncio.wait({self._task}, timeout=STOP_TIMEOUT_S)
        self._raise_fatal()

    # -- the publisher --------------------------------------------------------

    def _raise_fatal(self) -> None:
        if self._fatal is not None:
            raise self._fatal
        task = self._task
        if task is not None and task.done() and not task.cancelled() and task.exception() is not None:
            raise task.exception()  # a bug, not the weather: never swallowed

    def _set(self, state: str, detail: str = "") -> None:
        if (state, detail) == (self.state, self.detail):
            return
        self.state, self.detail = state, detail
        if self._on_status is not None:
            self._on_status(FeedStatus(int(time.time() * 1000), BUS_FEED, state, detail))

    async def _run(self) -> None:
        attempt = 0
        where = safe_url(self.settings.url)
        self._set("connecting")
        while True:
            lost = asyncio.Event()
            try:
                nc = await connect(self.settings, f"liqwatch collector {self.name}", lost)
            except BusConfigError as exc:
                self._fatal = exc
                self._set("down", str(exc))
                self._room.set()
                self._drained.set()
                self.ended.set()
                return
            except BusDown as exc:
                await self._retry_later(attempt, str(exc))
                attempt += 1
                continue
            try:
                js = nc.jetstream(timeout=API_TIMEOUT_S, publish_async_max_pending=WINDOW)
                await ensure_stream(js, self.settings)
                if attempt or self.reconnects:
                    log.info("bus %s back; publishing %d buffered event(s)", where, len(self._buf))
                self._set("live")
                attempt = 0
                await self._pump(nc, js, lost)
            except _DOWN as exc:
                self.reconnects += 1
                await self._close_quietly(nc)
                await self._retry_later(attempt, exc.args[0] if isinstance(exc, BusError) else describe_error(exc))
                attempt += 1
            except asyncio.CancelledError:
                await self._goodbye(nc)
                raise

    async def _retry_later(self, attempt: int, reason: str) -> None:
        """Show the bus down with the retry, and wait for it (capped backoff)."""
        delay = BACKOFF.delay(attempt)
        self._set("down", f"{reason}; retry in {delay:.1f} s")
        log.warning("bus %s down (%s); %d event(s) buffered; retry in %.1f s", safe_url(self.settings.url), reason,
                    len(self._buf), delay)
        await asyncio.sleep(delay)

    async def _pump(self, nc: Any, js: Any, lost: asyncio.Event) -> None:
        """Publish the buffer in order, a window at a time, until cancelled."""
        next_beat = 0.0
        while True:
            now = time.monotonic()
            if now >= next_beat:
                await self._beat(nc, "running")
                next_beat = now + HEARTBEAT_S
            if lost.is_set():
                raise BusDown("lost the connection")
            if not self._buf:
                self._drained.set()
                self._wake.clear()
                try:
                    await asyncio.wait_for(self._wake.wait(), max(0.0, next_beat - time.monotonic()))
                except asyncio.TimeoutError:
                    pass
                continue
            await self._publish_window(js, lost)

    async def _publish_window(self, js: Any, lost: asyncio.Event) -> None:
        window = list(islice(self._buf, WINDOW))
        futures = []
        try:
            # The whole window is bounded, the sending too: a connection
            # that half-died can block a write, and that must end in a
            # reconnect, not a hang.
            async with asyncio.timeout(ACK_TIMEOUT_S):
                for subj, payload, mid in window:
                    futures.append(await js.publish_async(subj, payload, headers={MSG_ID: mid}))
                acks = asyncio.ensure_future(asyncio.wait(futures))
                dropped = asyncio.ensure_future(lost.wait())
                try:
                    await asyncio.wait((acks, dropped), return_when=asyncio.FIRST_COMPLETED)
                finally:
                    acks.cancel()
                    dropped.cancel()
        except TimeoutError:
            pass  # counted below: what was acknowledged stays acknowledged
        finally:
            acked = 0
            failure: BaseException | None = None
            for fut in futures:
                if not fut.done() or fut.cancelled():
                    break
                failure = fut.exception()
                if failure is not None:
                    break
                acked += 1
                if fut.result().duplicate:
                    self.duplicates += 1
            for fut in futures:
                fut.cancel()
            for _ in range(acked):
                self._buf.popleft()
            self.published += acked
            if len(self._buf) < self.max_buffered:
                self._room.set()
        if acked < len(window):
            if failure is not None:
                raise failure
            if lost.is_set():
                raise BusDown("lost the connection")
            raise BusDown(f"no acknowledgement from the stream within {ACK_TIMEOUT_S:.0f} s")

    async def _beat(self, nc: Any, state: str) -> None:
        beat: dict[str, Any] = {"collector": self.name, "state": state, "ts": int(time.time() * 1000),
                                "buffered": len(self._buf), "published": self.published}
        if self._heartbeat_fields is not None:
            beat.update(self._heartbeat_fields())
        try:
            await asyncio.wait_for(nc.publish(heartbeat_subject(self._prefix), json.dumps(beat).encode()),
                                   HEARTBEAT_S)
        except (nats.errors.Error, asyncio.TimeoutError):
            pass  # a heartbeat lost with the connection is the news itself

    async def _goodbye(self, nc: Any) -> None:
        """Tell the viewers the collector stopped on purpose, then disconnect."""
        try:
            if nc.is_connected:
                await self._beat(nc, "stopped")
                await asyncio.wait_for(nc.flush(), 1.0)
        except (nats.errors.Error, asyncio.TimeoutError):
            pass
        await self._close_quietly(nc)

    @staticmethod
    async def _close_quietly(nc: Any) -> None:
        try:
            await asyncio.wait_for(nc.close(), 2.0)
        except (nats.errors.Error, asyncio.TimeoutError, OSError):
            pass
