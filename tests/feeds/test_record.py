"""The recording sink: feeds (under the supervisor, through the one driver)
into a JSONL file that survives a SIGKILL up to its last flush."""

from __future__ import annotations

import asyncio
import errno
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from feeds.base import Feed
from feeds.events import FeedStatus, Liquidation, Price
from feeds.record import RecordingSink
from feeds.recording import ReadStats, read_events
from feeds.run import RunResult, run_feeds
from feeds.supervisor import Backoff

REPO = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000_000  # the counting feeds' first ts (a recording's ts is a real time)


class Counting(Feed):
    """Emits batches of numbered prices; ``ts`` is T0 plus the running number."""

    def __init__(self, name: str = "counting", batch: int = 10, every: float = 0.002, limit: int | None = None):
        self.name = name
        self.batch = batch
        self.every = every
        self.limit = limit

    async def run(self, emit) -> None:
        n = 0
        while self.limit is None or n < self.limit:
            await emit([Price(T0 + n + i, self.name, "BTC/USDT:USDT", 1.0) for i in range(self.batch)])
            n += self.batch
            await asyncio.sleep(self.every)


class OneThenQuiet(Feed):
    name = "binance"

    async def run(self, emit) -> None:
        await emit([Liquidation(1_700_000_000_000, "binance", "BTC/USDT:USDT", "long", 64000.0, 0.5, 32000.0)])
        await asyncio.Event().wait()


class Broken(Feed):
    name = "okx"

    async def run(self, emit) -> None:
        raise ConnectionResetError("connection reset by peer")


def read_all(path: Path) -> tuple[list, ReadStats]:
    stats = ReadStats()
    return list(read_events(path, on_bad_line=None, stats=stats)), stats


async def record(feeds, path, duration=None, *, append=False, **kw) -> RunResult:
    """``liqwatch record`` in small: live feeds, supervised, into the file."""
    return await run_feeds(feeds, [RecordingSink(path, append=append)], supervised=True, duration=duration, **kw)


async def until(pred, limit: float = 20.0) -> None:
    async def poll() -> None:
        while not pred():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), limit)


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
async def test_records_every_event_and_reads_back_whole(tmp_path, name):
    path = tmp_path / name
    feeds = [Counting("a", limit=200), Counting("b", batch=7, limit=140), Broken()]
    stop = asyncio.Event()
    fast = Backoff(base=0.001, cap=0.002)

    # The counting feeds finish, the broken one never does: ``stop`` ends it.
    task = asyncio.create_task(record(feeds, path, duration=None, stop=stop, backoff=fast, stale_after=math.inf))
    await asyncio.sleep(0)

    def written() -> int:
        try:
            return sum(1 for ev in read_events(path, on_bad_line=None) if isinstance(ev, Price))
        except FileNotFoundError:
            return 0

    await until(lambda: written() == 340)
    stop.set()
    result = await asyncio.wait_for(task, 10)

    events, stats = read_all(path)
    assert stats.bad == [] and not stats.truncated
    assert result.total == len(events) == stats.events
    prices = [ev for ev in events if isinstance(ev, Price)]
    assert [ev.ts for ev in prices if ev.exchange == "a"] == list(range(T0, T0 + 200))
    assert [ev.ts for ev in prices if ev.exchange == "b"] == list(range(T0, T0 + 140))
    statuses = [ev for ev in events if isinstance(ev, FeedStatus)]
    assert result.counts["price"] == 340
    assert result.counts["feed_status"] == len(statuses)
    # Outages are part of the record: the broken feed's failures are in it.
    okx = [ev for ev in statuses if ev.feed == "okx"]
    assert okx[0].state == "connecting" and okx[1].state == "down"
    assert okx[1].detail.startswith("ConnectionResetError: connection reset by peer")
    # Only the broken feed is a venue here, so none can be reached.
    assert result.no_venue_reachable


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
async def test_events_are_flushed_while_recording(tmp_path, name):
    """A single event reaches the disk without the recorder closing the file
    or writing anything more (the flush timer does it)."""
    path = tmp_path / name
    task = asyncio.create_task(record([OneThenQuiet()], path, duration=None, stale_after=math.inf))

    def liquidations() -> list:
        if not path.exists():
            return []
        return [ev for ev in read_events(path, on_bad_line=None) if isinstance(ev, Liquidation)]

    await until(lambda: len(liquidations()) == 1)
    assert not task.done()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # Cancelled, yet closed properly: a gzip file has its trailer.
    events, stats = read_all(path)
    assert not stats.truncated and stats.bad == []
    assert [ev.state for ev in events if isinstance(ev, FeedStatus)] == ["connecting", "live"]


async def test_duration_ends_the_recording(tmp_path):
    path = tmp_path / "rec.jsonl"
    result = await asyncio.wait_for(record([Counting(every=0.01)], path, duration=0.2), 10)
    events, stats = read_all(path)
    assert stats.bad == []
    assert result.total == len(events) > 0


async def test_recording_ends_when_every_feed_has_finished(tmp_path):
    path = tmp_path / "rec.jsonl.gz"
    result = await asyncio.wait_for(record([Counting(limit=50)], path, duration=3600), 10)
    assert result.counts == {"feed_status": 3, "price": 50}  # connecting, live, down "finished"
    assert not result.no_venue_reachable


async def test_append_keeps_the_earlier_recording(tmp_path):
    path = tmp_path / "rec.jsonl.gz"
    await record([Counting(limit=10)], path)
    await record([Counting(limit=10)], path, append=True)
    events, stats = read_all(path)
    assert not stats.truncated
    assert [ev.ts for ev in events if isinstance(ev, Price)] == list(range(T0, T0 + 10)) * 2


CHILD = textwrap.dedent(
    """
    import asyncio, sys
    from feeds.base import Feed
    from feeds.events import Price
    from feeds.record import RecordingSink
    from feeds.run import run_feeds

    class Counting(Feed):
        name = "counting"

        async def run(self, emit):
            n = 0
            while True:
                await emit([Price(1_700_000_000_000 + n + i, "counting", "BTC/USDT:USDT", 1.0) for i in range(10)])
                n += 10
                await asyncio.sleep(0.002)

    asyncio.run(run_feeds([Counting()], [RecordingSink(sys.argv[1], flush_interval=0.05)], supervised=True))
    """
)


@pytest.mark.parametrize("name", ["killed.jsonl", "killed.jsonl.gz"])
def test_sigkill_leaves_a_file_readable_up_to_the_last_flush(tmp_path, name):
    path = tmp_path / name
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(path)], cwd=REPO, stderr=subprocess.PIPE)
    try:
        seen = 0
        for _ in range(2000):  # bounded: about 20 s at most
            if child.poll() is not None:
                pytest.fail(f"recorder exited early: {child.stderr.read().decode()}")
            if path.exists():
                seen = sum(1 for ev in read_events(path, on_bad_line=None) if isinstance(ev, Price))
                if seen >= 500:
                    break
            time.sleep(0.01)
        assert seen >= 500
        os.kill(child.pid, signal.SIGKILL)
        child.wait(10)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(10)
        child.stderr.close()
    assert child.returncode == -signal.SIGKILL

    events, stats = read_all(path)
    # The gzip stream really was cut off (no trailer): nothing closed it.
    assert stats.truncated == name.endswith(".gz")
    prices = [ev.ts for ev in events if isinstance(ev, Price)]
    # Everything read before the kill is still there, in order, without gaps.
    assert len(prices) >= seen
    assert prices == list(range(T0, T0 + len(prices)))
    # At most the torn tail of an interrupted write is unreadable.
    assert all(lineno == stats.lines for lineno, _ in stats.bad)
    assert [ev.state for ev in events if isinstance(ev, FeedStatus)] == ["connecting", "live"]


def test_recording_pulls_in_no_ui_no_indicators_and_no_network_stack():
    """``record`` and the supervisor run headless (and replay a file without
    any network library); the market-cap poller needs aiohttp and nothing
    from the upper layers."""
    code = textwrap.dedent(
        """
        import sys
        import feeds.record, feeds.run, feeds.supervisor
        heavy = ("textual", "rich", "indicators", "tui", "ccxt", "aiohttp")
        print(sorted(m for m in sys.modules if m.split(".")[0] in heavy))
        import feeds.marketcap
        print(sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy}))
        """
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[]", "['aiohttp']"]


async def test_a_full_disk_ends_the_recording_with_its_error():
    """/dev/full takes the open and fails every flush (ENOSPC): the recorder
    stops and says so instead of running on while events are lost."""
    feed = Counting(every=0.001)
    task = asyncio.create_task(
        run_feeds([feed], [RecordingSink("/dev/full", flush_interval=0.01)], supervised=True, stale_after=math.inf)
    )
    with pytest.raises(OSError) as err:
        await asyncio.wait_for(task, 10)
    assert err.value.errno == errno.ENOSPC


def test_a_path_that_cannot_be_written_fails_before_any_feed_starts(tmp_path):
    with pytest.raises(FileNotFoundError):
        RecordingSink(tmp_path / "no" / "such" / "dir.jsonl")
