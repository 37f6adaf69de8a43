"""The one driver: feeds into sinks, supervised or alone, and how a run ends."""

from __future__ import annotations

import asyncio
import math
from typing import Sequence

import pytest

from feeds.base import Feed
from feeds.events import Event, FeedStatus, Liquidation, Price
from feeds.replay import ReplayFeed
from feeds.run import FeedRunner, Tap, run_feeds
from feeds.supervisor import Backoff

T0 = 1_700_000_000_000
FAST = Backoff(base=0.001, cap=0.002)


def prices(n: int, start: int = 0) -> list[Price]:
    return [Price(T0 + i, "binance", "BTC/USDT:USDT", 1.0 + i) for i in range(start, start + n)]


class Batches(Feed):
    """Emits the given batches, then ends (or stays, when ``forever``)."""

    def __init__(self, name: str, batches: list[list[Event]], forever: bool = False) -> None:
        self.name = name
        self.batches = batches
        self.forever = forever

    async def run(self, emit) -> None:
        for batch in self.batches:
            await emit(batch)
            await asyncio.sleep(0)
        if self.forever:
            await asyncio.Event().wait()


class Broken(Feed):
    name = "broken"

    async def run(self, emit) -> None:
        raise ConnectionResetError("connection reset by peer")


class Keep:
    """A sink that keeps what it gets, and whether it was closed."""

    def __init__(self, log: list[str] | None = None, name: str = "keep") -> None:
        self.batches: list[Sequence[Event]] = []
        self.closed = 0
        self.log = log if log is not None else []
        self.name = name

    @property
    def events(self) -> list[Event]:
        return [ev for b in self.batches for ev in b]

    async def write(self, batch: Sequence[Event]) -> None:
        self.log.append(self.name)
        self.batches.append(batch)

    async def close(self) -> None:
        self.closed += 1


class Failing(Keep):
    """Raises on its ``after``-th write."""

    def __init__(self, after: int, exc: Exception) -> None:
        super().__init__()
        self.after = after
        self.exc = exc

    async def write(self, batch: Sequence[Event]) -> None:
        if len(self.batches) + 1 >= self.after:
            raise self.exc
        await super().write(batch)


async def test_every_batch_goes_to_each_sink_in_order_the_same_object():
    log: list[str] = []
    first, second = Keep(log, "first"), Keep(log, "second")
    batches = [prices(3), prices(2, 3)]
    result = await asyncio.wait_for(run_feeds([Batches("a", batches)], [first, second], supervised=False), 10)
    assert log == ["first", "second", "first", "second"]
    assert first.batches == second.batches == batches
    assert all(a is b for a, b in zip(first.batches, second.batches))  # never copied
    assert result.counts == {"price": 5} and result.total == 5
    assert first.closed == second.closed == 1


async def test_alone_a_replay_runs_without_supervision_and_ends_when_finished():
    events = [*prices(3), Liquidation(T0 + 9, "okx", "BTC/USDT:USDT", "long", 1.0, 1.0, 1.0)]
    sink = Keep()
    result = await asyncio.wait_for(
        run_feeds([ReplayFeed(events, speed=1e9)], [sink], supervised=False, duration=3600), 10
    )
    assert sink.events == events  # no feed_status of its own: only the recording's events
    assert result.counts == {"price": 3, "liquidation": 1}
    assert not result.no_venue_reachable and result.feed_errors == {}


async def test_supervised_feeds_report_their_health_and_are_retried():
    sink = Keep()
    stop = asyncio.Event()
    runner = FeedRunner([Batches("a", [prices(2)], forever=True), Broken()], [sink], supervised=True, backoff=FAST,
                        stale_after=math.inf)
    task = asyncio.create_task(runner.run(stop=stop))
    while sum(1 for ev in sink.events if isinstance(ev, FeedStatus) and ev.feed == "broken" and ev.state == "down") < 3:
        await asyncio.sleep(0.01)
    stop.set()
    result = await asyncio.wait_for(task, 10)
    assert result.counts["price"] == 2 and result.feed_errors == {}
    states = [ev.state for ev in sink.events if isinstance(ev, FeedStatus) and ev.feed == "a"]
    assert states == ["connecting", "live"]
    assert not result.no_venue_reachable  # "a" delivered


async def test_alone_a_failing_feed_is_named_and_the_others_go_on():
    sink = Keep()
    result = await asyncio.wait_for(
        run_feeds([Broken(), Batches("a", [prices(4)])], [sink], supervised=False), 10
    )
    assert result.feed_errors == {"broken": "ConnectionResetError: connection reset by peer"}
    assert sink.events == prices(4) and sink.closed == 1


async def test_heartbeats_reach_no_sink():
    sink = Keep()
    await asyncio.wait_for(run_feeds([Batches("a", [[], prices(1), []])], [sink], supervised=False), 10)
    assert sink.batches == [prices(1)]


async def test_a_failing_sink_ends_the_run_with_its_error_and_the_others_are_closed():
    """A sink's failure is not a feed's: the feed is not restarted, nothing
    more is written, every sink is closed and the error comes out of the run."""
    feed = Batches("a", [prices(1, i) for i in range(100)], forever=True)
    good, bad = Keep(), Failing(after=3, exc=BrokenPipeError("reader gone"))
    with pytest.raises(BrokenPipeError, match="reader gone"):
        await asyncio.wait_for(run_feeds([feed], [good, bad], supervised=True, stale_after=math.inf), 10)
    written = len(good.batches)
    assert good.closed == bad.closed == 1
    statuses = [ev for ev in good.events if isinstance(ev, FeedStatus)]
    assert [s.state for s in statuses] == ["connecting", "live"]  # never "down": the feed did not fail
    assert written == 3  # connecting, live and the first batch, on which the second sink failed


@pytest.mark.parametrize("how", ["duration", "stop", "cancel"])
async def test_every_way_out_stops_the_feeds_and_closes_the_sinks(how: str):
    running = asyncio.Event()
    stopped = asyncio.Event()

    class Forever(Feed):
        name = "forever"

        async def run(self, emit) -> None:
            try:
                await emit(prices(1))
                running.set()
                await asyncio.Event().wait()
            finally:
                stopped.set()

    sink = Keep()
    stop = asyncio.Event()
    task = asyncio.create_task(
        run_feeds([Forever()], [sink], supervised=True, stop=stop, duration=0.2 if how == "duration" else None)
    )
    await asyncio.wait_for(running.wait(), 10)
    if how == "stop":
        stop.set()
    elif how == "cancel":
        task.cancel()
    if how == "cancel":
        with pytest.raises(asyncio.CancelledError):
            await task
    else:
        await asyncio.wait_for(task, 10)
    assert stopped.is_set() and sink.closed == 1


async def test_a_full_sink_holds_the_feeds_back():
    """Back-pressure: a sink that waits (a full queue) keeps the feed waiting
    in its emit instead of letting batches pile up."""
    queue: asyncio.Queue[Sequence[Event]] = asyncio.Queue(maxsize=2)

    class QueueSink:
        async def write(self, batch: Sequence[Event]) -> None:
            await queue.put(batch)

        async def close(self) -> None:
            pass

    feed = Batches("a", [prices(1, i) for i in range(10)])
    task = asyncio.create_task(run_feeds([feed], [QueueSink()], supervised=False))
    await asyncio.sleep(0.05)
    assert queue.qsize() == 2 and not task.done()  # the third batch waits in the feed's emit
    got = [await queue.get() for _ in range(10)]
    await asyncio.wait_for(task, 10)
    assert [ev for b in got for ev in b] == [ev for b in feed.batches for ev in b]


async def test_tap_hands_each_batch_to_a_function():
    seen: list[Sequence[Event]] = []
    await asyncio.wait_for(run_feeds([Batches("a", [prices(2)])], [Tap(seen.append)], supervised=False), 10)
    assert seen == [prices(2)]


async def test_a_runner_runs_once():
    runner = FeedRunner([], [Keep()], supervised=False)
    await runner.run()
    with pytest.raises(RuntimeError):
        await runner.run()
