"""Reading the desk's stream: ``BusFeed``, one more feed of the pipeline.

A viewer's events come from the stream instead of the venues: the app, the
tape, a report or a recording cannot tell them from their own feeds'.  The
feed reads with an ordered consumer (JetStream delivers in stream order and
the library restarts the consumer at its first gap), and keeps the stream
sequence of the last event it handed on: when the connection drops, ``run``
raises, the supervisor shows the ``bus`` feed down and runs it again with
backoff, and the new consumer starts at that sequence + 1.  A message at or
below it is never handed on twice, so a drop costs neither a gap nor a
duplicate.

Where a first run starts: the last ``WARM_HOURS`` by the stream's own
timestamps (the viewer's warm start, ``DeliverPolicy.BY_START_TIME``), the
whole stream, or only what arrives from now on.  With ``to_tail`` the feed
ends at the stream's last message as of its start: what ``report --bus``
summarises.

The collector's health arrives on its heartbeat (core NATS, feeds/bus/sink.py)
and is emitted as the ``collector`` feed's ``FeedStatus``: live while it
beats, stale after a few silent seconds, down when it said it stopped or
stayed silent.  The bus's own health is this feed's, under the supervisor
(the feed is named ``bus``): connecting, live, down with the retry.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import logging
import math
import time
from dataclasses import dataclass
from typing import Any, Callable

import nats.errors
import nats.js.errors
from nats.js.api import ConsumerConfig, DeliverPolicy

from feeds.base import Emit, Feed
from feeds.bus import BUS_FEED, COLLECTOR_FEED
from feeds.bus.connection import API_TIMEOUT_S, BusDown, connect, stream_last_seq
from feeds.bus.settings import BusSettings, safe_url
from feeds.bus.wire import heartbeat_subject
from feeds.events import HOUR_MS, Event, FeedStatus
from feeds.recording import BadLineHandler, decode_lines
from feeds.supervisor import describe_error

log = logging.getLogger("liqwatch.bus")

WARM_HOURS = 26
#: No heartbeat for this long: the collector is stale, then down.
COLLECTOR_STALE_S = 5.0
COLLECTOR_DOWN_S = 15.0
#: The consumer's idle heartbeat: a consumer lost with a server is noticed
#: (and recreated by the library) within two of these.
IDLE_HEARTBEAT_S = 1.0
TICK_S = 1.0
#: At most this long for the collector's first heartbeat (it beats every second).
FIRST_BEAT_WAIT_S = 1.5
#: Messages taken from the library per batch, and held at most while the
#: pipeline applies the last batch (beyond that, delivery pauses: the
#: consumer's flow control holds the server back).
BATCH = 4096
MAX_QUEUED = 4 * BATCH
# What a server going away mid-read raises, besides a dropped connection.
_TROUBLE = (nats.errors.Error, nats.js.errors.Error, asyncio.TimeoutError)
# The reply subject of a JetStream message: $JS.ACK.<stream>.<consumer>.
# <delivered>.<stream seq>.<consumer seq>.<ns>.<pending>.
_V1_TOKENS = 9


@dataclass(frozen=True)
class Start:
    """Where a viewer's first read begins: ``since_ms`` (stream time), the
    whole stream (``from_start``), or only new messages (neither)."""

    since_ms: int | None = None
    from_start: bool = False

    @classmethod
    def warm(cls, now_ms: int | None = None) -> Start:
        now = int(time.time() * 1000) if now_ms is None else now_ms
        return cls(since_ms=now - WARM_HOURS * HOUR_MS)


def _seq_and_pending(reply: str) -> tuple[int, int]:
    tokens = reply.split(".")
    if len(tokens) == _V1_TOKENS:
        return int(tokens[5]), int(tokens[8])
    # Newer servers may add a domain and an account hash in front.
    return int(tokens[-5]), int(tokens[-3])


class BusFeed(Feed):
    """Events of the desk's stream, in stream order, each once."""

    name = BUS_FEED
    # Its silence is a quiet market, not a stalled socket: health comes from
    # the connection (the library pings) and the collector's heartbeat.
    stale_after = math.inf
    # The venues are the collector's: their health arrives as its feed_status.
    venue = False

    def __init__(
        self,
        settings: BusSettings,
        start: Start,
        *,
        to_tail: bool = False,
        watch_collector: bool = True,
        on_bad_line: BadLineHandler | None = None,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.settings = settings
        self.start = start
        self.to_tail = to_tail
        self.watch_collector = watch_collector
        self.on_bad_line = on_bad_line if on_bad_line is not None else self._warn
        self.wall_ms = wall_ms
        #: The stream sequence of the last message handed on (0: none yet).
        self.last_seq = 0
        self._end_seq: int | None = None
        # The collector, as its heartbeats tell it.
        self.collector: dict[str, Any] | None = None
        self._beat_at: float | None = None
        self._collector_state = ""
        self._started_at = 0.0
        self._first_beat = asyncio.Event()

    @property
    def where(self) -> str:
        return safe_url(self.settings.url)

    def _warn(self, seq: int, reason: str) -> None:
        log.warning("bus %s: message %d: %s; skipped", self.where, seq, reason)

    def _consumer_config(self) -> ConsumerConfig:
        if self.last_seq:
            return ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE, opt_start_seq=self.last_seq + 1)
        if self.start.since_ms is not None:
            at = datetime.datetime.fromtimestamp(self.start.since_ms / 1000, datetime.timezone.utc)
            return ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_TIME, opt_start_time=at)
        return ConsumerConfig(deliver_policy=DeliverPolicy.ALL)

    async def run(self, emit: Emit) -> None:
        lost = asyncio.Event()
        nc = await connect(self.settings, "liqwatch viewer", lost)
        try:
            await self._read(nc, lost, emit)
        except _TROUBLE as exc:
            raise BusDown(f"the bus at {self.where} failed: {describe_error(exc)}") from None
        finally:
            try:
                await asyncio.wait_for(nc.close(), 2.0)
            except Exception:  # closing a dead connection must not mask why it died
                pass

    async def _read(self, nc: Any, lost: asyncio.Event, emit: Emit) -> None:
        js = nc.jetstream(timeout=API_TIMEOUT_S)
        first, last = await stream_last_seq(js, self.settings)
        if not self.last_seq and self.start.since_ms is None and not self.start.from_start:
            # "From now on" is from this sequence on, for this run and every
            # run after a drop: what arrives while the bus is away is not lost.
            self.last_seq = last
        if self.to_tail:
            if self._end_seq is None:
                self._end_seq = last
            if self.last_seq >= self._end_seq or last < first:
                return
        queue: list[Any] = []
        wake = asyncio.Event()
        room = asyncio.Event()
        room.set()

        async def on_msg(msg: Any) -> None:
            queue.append(msg)
            wake.set()
            if len(queue) >= MAX_QUEUED:
                room.clear()
                await room.wait()

        prefix = self.settings.subject_prefix
        sub = await js.subscribe(f"{prefix}.*.*", stream=self.settings.stream, cb=on_msg, ordered_consumer=True,
                                 idle_heartbeat=IDLE_HEARTBEAT_S, config=self._consumer_config())
        if self.to_tail:
            info = await sub.consumer_info()
            if info.num_pending == 0 and not info.delivered.consumer_seq:
                return  # nothing from the start point on
        if self.watch_collector:
            self._started_at = time.monotonic()
            await nc.subscribe(heartbeat_subject(prefix), cb=self._on_beat)
            if self._beat_at is None:
                # Hear the collector once before handing on data: whether it
                # plays a recording decides the clock the viewer shows it on,
                # and a clock once shown cannot step back.
                try:
                    await asyncio.wait_for(self._first_beat.wait(), FIRST_BEAT_WAIT_S)
                except asyncio.TimeoutError:
                    pass
        await emit([])  # connected: the supervisor shows the bus live
        while True:
            if not queue:
                wake.clear()
                try:
                    await asyncio.wait_for(wake.wait(), TICK_S)
                except asyncio.TimeoutError:
                    pass
            if lost.is_set():
                raise BusDown(f"lost the bus at {self.where}")
            take, queue[:] = queue[:BATCH], queue[BATCH:]
            if len(queue) < MAX_QUEUED:
                room.set()
            events, done = self._decode(take)
            statuses = self._collector_status()
            await emit(statuses + events if statuses else events)  # empty: a heartbeat to the supervisor
            if done:
                return

    def _decode(self, msgs: list[Any]) -> tuple[list[Event], bool]:
        """The new messages' events (each sequence once, in order), and
        whether the tail a ``to_tail`` read was after has been reached."""
        lines: list[bytes] = []
        last = self.last_seq
        done = False
        first_seq = 0
        for msg in msgs:
            seq, pending = _seq_and_pending(msg.reply)
            if seq <= last:
                continue  # already handed on (a consumer restarted behind us)
            if not lines:
                first_seq = seq
            last = seq
            lines.append(msg.data)
            if self._end_seq is not None and (seq >= self._end_seq or pending == 0):
                done = True
                break
        self.last_seq = last
        # Message n of the batch is stream sequence first_seq + n for a
        # stream without gaps; bad lines are reported by sequence.
        events = decode_lines(lines, self.on_bad_line, first_lineno=first_seq) if lines else []
        return events, done

    # -- the collector's heartbeat ---------------------------------------------

    async def _on_beat(self, msg: Any) -> None:
        try:
            beat = json.loads(msg.data)
        except ValueError:
            return
        if isinstance(beat, dict):
            self.collector = beat
            self._beat_at = time.monotonic()
            self._first_beat.set()

    def _collector_status(self) -> list[FeedStatus]:
        if not self.watch_collector:
            return []
        beat = self.collector
        if self._beat_at is None:
            silent = time.monotonic() - self._started_at
            state, detail = ("connecting", "waiting for the collector's heartbeat") if silent < COLLECTOR_STALE_S \
                else ("down", f"no collector is publishing to {self.settings.stream}")
        else:
            assert beat is not None
            silent = time.monotonic() - self._beat_at
            who = str(beat.get("collector", ""))
            if beat.get("state") == "stopped":
                state, detail = "down", f"{who} stopped"
            elif silent >= COLLECTOR_DOWN_S:
                state, detail = "down", f"{who}: no heartbeat for {COLLECTOR_DOWN_S:.0f} s"
            elif silent >= COLLECTOR_STALE_S:
                state, detail = "stale", f"{who}: no heartbeat for {COLLECTOR_STALE_S:.0f} s"
            else:
                state, detail = "live", who
        if state == self._collector_state:
            return []
        self._collector_state = state
        return [FeedStatus(self.wall_ms(), COLLECTOR_FEED, state, detail)]

    def data_clock(self) -> int | None:
        """The collector's data clock when it plays a recording (the demo),
        extrapolated from its last heartbeat; None when it is live."""
        beat = self.collector
        if beat is None or self._beat_at is None or beat.get("data_ms") is None:
            return None
        speed = float(beat.get("speed") or 1.0)
        if beat.get("state") == "stopped" or beat.get("paused"):
            speed = 0.0
        return int(beat["data_ms"] + (time.monotonic() - self._beat_at) * 1000 * speed)
