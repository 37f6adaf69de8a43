"""The supervisor: restarts with capped backoff, the silence watchdog, health
events, venue reachability and a clean stop.

The feeds here are small ``Feed`` subclasses with scripted behaviour (fail N
times, stall, finish): real feeds as far as the supervisor can tell.
"""

from __future__ import annotations

import asyncio
import gc
import math
import weakref
from typing import Callable

import pytest

from feeds.base import Feed
from feeds.events import VENUES_STATUS, FeedStatus, Price
from feeds.supervisor import (
    FINISHED_DETAIL,
    NO_VENUE_DETAIL,
    Backoff,
    Supervisor,
    describe_error,
)

FAST = Backoff(base=0.001, factor=2.0, cap=0.004, reset_after=math.inf)


def price(n: int, feed: str = "x") -> Price:
    return Price(n, feed, "BTC/USDT:USDT", 100.0 + n)


class Sink:
    """The pipeline's emit: keeps every batch as received."""

    def __init__(self) -> None:
        self.batches: list = []

    async def __call__(self, batch) -> None:
        self.batches.append(batch)

    @property
    def events(self) -> list:
        return [ev for b in self.batches for ev in b]

    def states(self, feed: str) -> list[str]:
        return [ev.state for ev in self.events if isinstance(ev, FeedStatus) and ev.feed == feed]

    def data(self, feed: str) -> list[Price]:
        return [ev for ev in self.events if isinstance(ev, Price) and ev.exchange == feed]


async def until(pred: Callable[[], bool], limit: float = 10.0) -> None:
    """Wait for a condition; the limit only bounds a broken test."""

    async def poll() -> None:
        while not pred():
            await asyncio.sleep(0.002)

    await asyncio.wait_for(poll(), limit)


class Stream(Feed):
    """Emits one price every ``every`` seconds, forever.  Never judged stale
    itself (a loaded test machine may pause it), but it makes "others flow"
    true for the feeds under test."""

    stale_after = math.inf

    def __init__(self, name: str, every: float = 0.002, venue: bool = True) -> None:
        self.name = name
        self.every = every
        self.venue = venue
        self.n = 0

    async def run(self, emit) -> None:
        while True:
            self.n += 1
            await emit([price(self.n, self.name)])
            await asyncio.sleep(self.every)


class Dead(Feed):
    """Fails every time, like a venue that refuses connections; can recover."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.runs = 0
        self.recovered = False

    async def run(self, emit) -> None:
        self.runs += 1
        if not self.recovered:
            raise ConnectionRefusedError(f"cannot connect to {self.name}.example:443")
        while True:
            await emit([price(self.runs, self.name)])
            await asyncio.sleep(0.002)


class FailThenLive(Feed):
    """Fails ``failures`` times, then streams."""

    def __init__(self, name: str, failures: int) -> None:
        self.name = name
        self.failures = failures
        self.runs = 0

    async def run(self, emit) -> None:
        self.runs += 1
        if self.runs <= self.failures:
            raise OSError(f"drop {self.runs}")
        while True:
            await emit([price(self.runs, self.name)])
            await asyncio.sleep(0.002)


class LiveThenFail(Feed):
    """Delivers once, then fails: each run is briefly healthy."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def run(self, emit) -> None:
        await emit([price(1, self.name)])
        raise OSError("dropped")


class StallOnce(Feed):
    """First run: one event, then silence (a half-open socket).  Later runs
    stream normally, like a resubscription that works."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.runs = 0

    async def run(self, emit) -> None:
        self.runs += 1
        await emit([price(self.runs, self.name)])
        if self.runs == 1:
            await asyncio.Event().wait()
        while True:
            await asyncio.sleep(0.002)
            await emit([price(self.runs, self.name)])


class Silent(Feed):
    """Connects and never says anything (the Binance legacy ``/ws`` trap)."""

    def __init__(self, name: str, venue: bool = True) -> None:
        self.name = name
        self.venue = venue

    async def run(self, emit) -> None:
        await asyncio.Event().wait()


class Finite(Feed):
    """Says three things and ends, like a replay."""

    name = "replay"
    venue = False

    async def run(self, emit) -> None:
        for n in range(3):
            await emit([price(n, self.name)])


# -- backoff ---------------------------------------------------------------


def test_backoff_grows_and_is_capped():
    b = Backoff(base=0.5, factor=2.0, cap=30.0)
    top = [b.delay(n, rand=lambda: 1.0) for n in range(10)]
    low = [b.delay(n, rand=lambda: 0.0) for n in range(10)]
    assert top == [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]
    assert low == [d / 2 for d in top]
    # Jitter: a mid draw lands strictly between the bounds.
    mid = b.delay(3, rand=lambda: 0.5)
    assert low[3] < mid < top[3]
    # A feed that has failed for days does not overflow.
    assert b.delay(10_000, rand=lambda: 1.0) == 30.0


async def test_supervisor_backoff_delays_grow_with_jitter_and_cap():
    slept: list[float] = []

    async def sleep(d: float) -> None:
        slept.append(d)
        await asyncio.sleep(0)

    draws = iter([0.0, 1.0] * 100)
    sink = Sink()
    dead = Dead("binance")
    sup = Supervisor(
        [dead],
        sink,
        backoff=Backoff(base=0.5, factor=2.0, cap=30.0, reset_after=math.inf),
        rand=lambda: next(draws),
        sleep=sleep,
        stale_after=math.inf,
    )
    sup.start()
    await until(lambda: len(slept) >= 9)
    await sup.stop()
    # attempt n draws 0.0 (even n) or 1.0 (odd n): [d/2, d] with d = min(30, 0.5 * 2**n)
    assert slept[:9] == [0.25, 1.0, 1.0, 4.0, 4.0, 16.0, 15.0, 30.0, 15.0]
    assert max(slept) == 30.0
    # The down detail says why, and when the retry comes.
    downs = [ev for ev in sink.events if isinstance(ev, FeedStatus) and ev.state == "down" and ev.feed == "binance"]
    assert downs[0].detail == "ConnectionRefusedError: cannot connect to binance.example:443; retry in 0.2 s"


async def test_backoff_resets_after_a_healthy_run():
    slept: list[float] = []

    async def sleep(d: float) -> None:
        slept.append(d)
        await asyncio.sleep(0)

    sink = Sink()
    # reset_after=0: every run that delivered counts as healthy long enough.
    sup = Supervisor(
        [LiveThenFail("okx")],
        sink,
        backoff=Backoff(base=1.0, factor=2.0, cap=30.0, reset_after=0.0),
        rand=lambda: 1.0,
        sleep=sleep,
        stale_after=math.inf,
    )
    sup.start()
    await until(lambda: len(slept) >= 5)
    await sup.stop()
    assert slept[:5] == [1.0] * 5


# -- restarts and states ---------------------------------------------------


async def test_failing_feed_is_restarted_down_then_live():
    sink = Sink()
    feed = FailThenLive("bybit", failures=2)
    sup = Supervisor([feed], sink, backoff=FAST, stale_after=math.inf)
    sup.start()
    await until(lambda: len(sink.data("bybit")) >= 3)
    await sup.stop()
    assert sink.states("bybit") == ["connecting", "down", "connecting", "down", "connecting", "live"]
    assert feed.runs == 3
    assert sup.restarts("bybit") == 2
    assert sup.statuses["bybit"].state == "live"
    # The first status of a live run comes before its first data.
    events = sink.events
    live_at = next(i for i, ev in enumerate(events) if isinstance(ev, FeedStatus) and ev.state == "live")
    first_data = next(i for i, ev in enumerate(events) if isinstance(ev, Price))
    assert live_at < first_data


async def test_one_failing_feed_never_stops_another():
    sink = Sink()
    dead = Dead("gate")
    good = Stream("binance")
    sup = Supervisor([dead, good], sink, backoff=FAST, stale_after=math.inf)
    sup.start()
    await until(lambda: dead.runs >= 10 and len(sink.data("binance")) >= 50)
    await sup.stop()
    assert sink.states("binance") == ["connecting", "live"]
    assert sink.states("gate").count("down") >= 10
    # Data numbers run on without a gap: the good feed was never restarted.
    ns = [ev.ts for ev in sink.data("binance")]
    assert ns == list(range(1, len(ns) + 1))


async def test_batches_are_forwarded_as_the_same_objects():
    sink = Sink()
    sent: list = []

    class Once(Feed):
        name = "okx"

        async def run(self, emit) -> None:
            batch = [price(1, "okx"), price(2, "okx")]
            sent.append(batch)
            await emit(batch)
            await emit([])  # a heartbeat: counts as alive, not forwarded
            await asyncio.Event().wait()

    sup = Supervisor([Once()], sink, stale_after=math.inf)
    sup.start()
    await until(lambda: any(b is sent[0] for b in sink.batches) if sent else False)
    await sup.stop()
    assert [b for b in sink.batches if not (len(b) == 1 and isinstance(b[0], FeedStatus))] == [sent[0]]
    assert not any(len(b) == 0 for b in sink.batches)


async def test_a_feed_that_returns_is_finished_not_restarted():
    sink = Sink()
    sup = Supervisor([Finite(), Stream("binance")], sink, stale_after=math.inf)
    sup.start()
    await until(lambda: sup.statuses.get("replay") is not None and sup.statuses["replay"].state == "down")
    await asyncio.sleep(0.02)
    await sup.stop()
    assert sink.states("replay") == ["connecting", "live", "down"]
    assert sup.statuses["replay"].detail == FINISHED_DETAIL
    assert sup.restarts("replay") == 0
    assert [ev.ts for ev in sink.data("replay")] == [0, 1, 2]


async def test_wait_returns_when_every_feed_has_finished():
    sink = Sink()
    sup = Supervisor([Finite()], sink)
    sup.start()
    await asyncio.wait_for(sup.wait(), 10)
    await sup.stop()
    assert len(sink.data("replay")) == 3


def test_feed_names_must_be_unique():
    with pytest.raises(ValueError, match="unique: binance"):
        Supervisor([Stream("binance"), Stream("binance")], Sink())
    with pytest.raises(ValueError, match="reserved"):
        Supervisor([Stream(VENUES_STATUS)], Sink())


def test_describe_error_is_short_and_one_line():
    assert describe_error(TimeoutError()) == "TimeoutError"
    long = describe_error(OSError("x" * 500 + "\nsecond line"))
    assert "\n" not in long and len(long) <= 120 and long.startswith("OSError: xxx")


# -- watchdog --------------------------------------------------------------


async def test_watchdog_stale_then_resubscribed_then_live():
    sink = Sink()
    stalled = StallOnce("bybit")
    flowing = Stream("binance")
    sup = Supervisor([stalled, flowing], sink, stale_after=0.1, watchdog_interval=0.01)
    sup.start()
    await until(lambda: "live" in sink.states("bybit")[sink.states("bybit").index("stale"):]
                if "stale" in sink.states("bybit") else False)
    await sup.stop()
    assert sink.states("bybit") == ["connecting", "live", "stale", "live"]
    assert stalled.runs == 2 and sup.restarts("bybit") == 1
    stale = next(ev for ev in sink.events if isinstance(ev, FeedStatus) and ev.state == "stale")
    assert stale.detail.startswith("no data for ") and stale.detail.endswith("resubscribing")
    # The flowing feed was left alone.
    assert sink.states("binance") == ["connecting", "live"]


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


async def test_watchdog_leaves_feeds_alone_when_everything_is_silent():
    """Silence everywhere is a quiet market or our own network: resubscribing
    would not help, so nobody is marked stale."""
    clock = FakeClock()
    rounds = 0

    async def sleep(d: float) -> None:
        nonlocal rounds
        rounds += 1
        await asyncio.sleep(0.001)

    sink = Sink()
    a, b = StallOnce("okx"), StallOnce("bybit")
    sup = Supervisor([a, b], sink, stale_after=60.0, watchdog_interval=1.0, clock=clock, sleep=sleep)
    sup.start()
    await until(lambda: sink.states("okx") == ["connecting", "live"] and sink.states("bybit") == ["connecting", "live"])
    clock.t += 3600
    seen = rounds
    await until(lambda: rounds >= seen + 5)
    await sup.stop()
    assert sink.states("okx") == ["connecting", "live"]
    assert sink.states("bybit") == ["connecting", "live"]
    assert a.runs == b.runs == 1


async def test_watchdog_honours_a_slow_feeds_own_limit():
    """A 60 s poller sets ``stale_after`` above its period and is not called
    stale by the default limit that suits a stream."""
    clock = FakeClock()
    rounds = 0

    async def sleep(d: float) -> None:
        nonlocal rounds
        rounds += 1
        await asyncio.sleep(0.001)

    class Poller(StallOnce):
        stale_after = 300.0

    sink = Sink()
    poller, stream = Poller("marketcap"), Stream("binance")
    poller.venue = False
    sup = Supervisor([poller, stream], sink, stale_after=30.0, watchdog_interval=1.0, clock=clock, sleep=sleep)
    sup.start()
    await until(lambda: sink.states("marketcap") == ["connecting", "live"] and len(sink.data("binance")) > 0)

    async def advance(seconds: float) -> None:
        # The stream keeps delivering at the new time; let the watchdog look.
        clock.t += seconds
        n = len(sink.data("binance"))
        await until(lambda: len(sink.data("binance")) > n)
        seen = rounds
        await until(lambda: rounds >= seen + 3)

    await advance(120.0)
    assert sink.states("marketcap") == ["connecting", "live"]
    await advance(200.0)  # now 320 s of silence: past its own limit
    await until(lambda: "stale" in sink.states("marketcap"))
    await sup.stop()
    assert sink.states("binance") == ["connecting", "live"]


async def test_a_feed_that_never_delivers_goes_stale_while_others_flow():
    sink = Sink()
    silent = Silent("binance")
    sup = Supervisor([silent, Stream("bybit")], sink, stale_after=0.05, watchdog_interval=0.01)
    sup.start()
    await until(lambda: sup.restarts("binance") >= 2)
    await sup.stop()
    assert sink.states("binance")[:2] == ["connecting", "stale"]
    assert "live" not in sink.states("binance")


# -- reachability ----------------------------------------------------------


async def test_no_venue_reachable_when_every_venue_fails():
    sink = Sink()
    venues = [Dead("binance"), Dead("bybit"), Dead("okx")]
    marketcap = Stream("marketcap", venue=False)
    sup = Supervisor([*venues, marketcap], sink, backoff=FAST, stale_after=math.inf)
    sup.start()
    assert not sup.no_venue_reachable  # starting is not failing
    await until(lambda: sup.no_venue_reachable)
    flag = [ev for ev in sink.events if isinstance(ev, FeedStatus) and ev.feed == VENUES_STATUS]
    assert flag == [FeedStatus(flag[0].ts, VENUES_STATUS, "down", NO_VENUE_DETAIL)]
    assert "liqwatch --demo" in NO_VENUE_DETAIL
    # One venue coming back is enough.
    venues[1].recovered = True
    await until(lambda: not sup.no_venue_reachable)
    await sup.stop()
    assert sink.states(VENUES_STATUS) == ["down", "live"]


async def test_one_reachable_venue_means_reachable():
    sink = Sink()
    dead = [Dead("binance"), Dead("bybit")]
    sup = Supervisor([*dead, Stream("okx")], sink, backoff=FAST, stale_after=math.inf)
    sup.start()
    await until(lambda: all(d.runs >= 5 for d in dead))
    await sup.stop()
    assert not sup.no_venue_reachable
    assert sink.states(VENUES_STATUS) == []


async def test_venues_that_never_deliver_count_as_unreachable():
    sink = Sink()
    sup = Supervisor(
        [Silent("binance"), Silent("okx"), Stream("marketcap", venue=False)],
        sink,
        stale_after=0.05,
        watchdog_interval=0.01,
    )
    sup.start()
    await until(lambda: sup.no_venue_reachable)
    await sup.stop()
    assert sink.states(VENUES_STATUS) == ["down"]


# -- stop ------------------------------------------------------------------


async def test_stop_leaves_no_tasks_even_with_a_feed_blocked_on_backpressure():
    queue: asyncio.Queue = asyncio.Queue(maxsize=1)

    async def emit(batch) -> None:
        await queue.put(batch)  # nobody reads: the pipeline is full

    before = asyncio.all_tasks()
    sup = Supervisor(
        [Stream("binance"), Dead("gate"), StallOnce("okx")],
        emit,
        backoff=Backoff(base=5.0, cap=5.0),
        stale_after=0.05,
        watchdog_interval=0.01,
    )
    sup.start()
    await until(lambda: queue.full())
    await asyncio.sleep(0.05)
    await asyncio.wait_for(sup.stop(), 10)
    assert asyncio.all_tasks() == before


# -- garbage of ended runs -----------------------------------------------------


class _Node:
    """Something a connection leaves behind in a reference cycle."""

    other: object = None


class CycleThenFail(Feed):
    """Each run builds a reference cycle (as a dropped ccxt connection does:
    client, error, traceback), delivers once and fails."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.left: list[weakref.ref] = []

    async def run(self, emit) -> None:
        node = _Node()
        node.other = node
        self.left.append(weakref.ref(node))
        await emit([price(len(self.left), self.name)])
        raise OSError("dropped")


async def test_what_a_failed_run_leaves_in_cycles_is_collected_without_the_gc_heuristics():
    sink = Sink()
    feed = CycleThenFail("okx")
    sup = Supervisor([feed], sink, backoff=FAST, stale_after=math.inf, sweep_interval=0.01)
    gc.disable()  # as if the oldest generation were too big to be collected soon
    try:
        sup.start()
        await until(lambda: len(feed.left) >= 4)
        # Every run's cycle is freed, the latest one too once its run has
        # ended: the supervisor keeps no reference to a finished run.
        await until(lambda: all(ref() is None for ref in feed.left[:3]))
        await sup.stop()
    finally:
        gc.enable()


async def test_the_sweep_runs_at_most_once_per_interval():
    sink = Sink()
    sweeps: list[float] = []
    loop = asyncio.get_running_loop()
    sup = Supervisor([Dead("gate"), Dead("htx")], sink, backoff=FAST, stale_after=math.inf,
                     sweep_interval=0.2, collect=lambda: sweeps.append(loop.time()))
    sup.start()
    await asyncio.sleep(0.5)
    await sup.stop()
    assert 2 <= len(sweeps) <= 4  # dozens of failures, one sweep per 0.2 s
    assert all(b - a >= 0.19 for a, b in zip(sweeps, sweeps[1:]))


async def test_no_sweep_while_every_feed_runs():
    sweeps: list[int] = []
    sup = Supervisor([Stream("binance")], Sink(), stale_after=math.inf, sweep_interval=0.01,
                     collect=lambda: sweeps.append(1))
    sup.start()
    await asyncio.sleep(0.1)
    await sup.stop()
    assert sweeps == []
