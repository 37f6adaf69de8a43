"""Replay: file order, the instant part, pacing at the requested speed, pause."""

from __future__ import annotations

import asyncio

from feeds.events import FeedStatus, Liquidation, Price
from feeds.recording import write_events
from feeds.replay import ReplayFeed

T0 = 1_700_000_000_000


class VirtualTime:
    """A wall clock that only moves when the replay sleeps: pacing becomes exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds
        await asyncio.sleep(0)


def liq(ts: int, usd: float = 1000.0) -> Liquidation:
    return Liquidation(ts, "binance", "BTC/USDT:USDT", "long", 50_000.0, usd / 50_000.0, usd)


async def play(feed: ReplayFeed, vt: VirtualTime) -> list[tuple[float, int | None, list]]:
    """Run the feed; for each batch, note the wall time, the data clock and the events."""
    seen: list[tuple[float, int | None, list]] = []

    async def emit(batch):
        seen.append((vt.now, feed.now_ms(), list(batch)))

    await feed.run(emit)
    return seen


async def test_order_is_file_order_and_nothing_is_lost(tmp_path):
    # Slightly out of order, as a recording merged from several feeds is.
    events = [liq(T0 + d) for d in (0, 1000, 900, 2000, 5000, 4990, 9000)]
    path = tmp_path / "r.jsonl"
    write_events(path, events)
    vt = VirtualTime()
    feed = ReplayFeed(path, speed=10.0, monotonic=vt.monotonic, sleep=vt.sleep)
    seen = await play(feed, vt)
    got = [e for _, _, batch in seen for e in batch if not isinstance(e, FeedStatus)]
    assert got == events
    assert feed.finished and feed.emitted == len(events)


async def test_paced_at_speed_and_never_early():
    events = [liq(T0 + i * 1000) for i in range(61)]  # one minute of data
    vt = VirtualTime()
    start = vt.now
    feed = ReplayFeed(events, speed=60.0, monotonic=vt.monotonic, sleep=vt.sleep)
    seen = await play(feed, vt)
    for _, clock, batch in seen:
        for ev in batch:
            if not isinstance(ev, FeedStatus):
                assert clock is not None and ev.ts <= clock, "emitted before its time"
    # A minute of data at 60x takes one second of wall time (to a tick).
    assert abs((vt.now - start) - 1.0) <= 0.06
    # And each event left within one tick of its due time.
    for wall, _, batch in seen:
        for ev in batch:
            due = start + (ev.ts - T0) / 1000 / 60.0
            assert wall - due <= 0.06


async def test_instant_part_is_emitted_before_any_wait():
    events = [liq(T0 + i * 60_000) for i in range(100)]  # 99 minutes
    cut = T0 + 90 * 60_000
    vt = VirtualTime()
    start = vt.now
    feed = ReplayFeed(events, speed=60.0, instant_until=cut, monotonic=vt.monotonic, sleep=vt.sleep)
    seen = await play(feed, vt)
    instant = [e for w, _, b in seen if w == start for e in b if isinstance(e, Liquidation)]
    # Everything before the cut, and the event exactly at it (already due).
    assert [e.ts for e in instant] == [e.ts for e in events if e.ts <= cut]
    # The remaining 9 minutes of data take 9 s at 60x.
    assert abs((vt.now - start) - 9.0) <= 0.06


async def test_pause_freezes_the_data_clock_and_set_speed_keeps_it_continuous():
    vt = VirtualTime()
    feed = ReplayFeed([liq(T0), Price(T0 + 10_000_000, "binance", "BTC/USDT:USDT", 1.0)],
                      speed=2.0, monotonic=vt.monotonic, sleep=vt.sleep)
    task = asyncio.create_task(feed.run(_discard))
    for _ in range(5):
        await asyncio.sleep(0)
    feed.pause()
    frozen = feed.now_ms()
    assert frozen is not None
    vt.now += 100
    assert feed.now_ms() == frozen
    feed.resume()
    resumed = feed.now_ms()
    vt.now += 1
    assert feed.now_ms() == resumed + 2000
    feed.set_speed(10.0)
    assert feed.now_ms() == resumed + 2000
    vt.now += 1
    assert feed.now_ms() == resumed + 12_000
    task.cancel()


async def _discard(batch) -> None:
    return None


async def test_bad_lines_do_not_stop_a_replay(tmp_path, caplog):
    path = tmp_path / "r.jsonl"
    write_events(path, [liq(T0)])
    with open(path, "a") as fh:
        fh.write("{broken\n")
    write_events(tmp_path / "b.jsonl", [liq(T0 + 5)])
    with open(path, "a") as fh:
        fh.write((tmp_path / "b.jsonl").read_text())
    vt = VirtualTime()
    feed = ReplayFeed(path, speed=1000.0, monotonic=vt.monotonic, sleep=vt.sleep)
    with caplog.at_level("WARNING"):
        seen = await play(feed, vt)
    assert [e.ts for _, _, b in seen for e in b if isinstance(e, Liquidation)] == [T0, T0 + 5]
    assert "line 2" in caplog.text


async def test_caught_up_waits_for_late_lines_that_are_already_due():
    """A candle line arrives when its bar closes, after later-stamped lines:
    past the instant cut it is due at once, and caught_up covers it."""
    cut = T0 + 60_000
    late_candle = Price(T0 + 30_000, "binance", "BTC/USDT:USDT", 1.0)
    events = [liq(T0), liq(cut), late_candle, liq(cut + 600_000)]
    vt = VirtualTime()
    feed = ReplayFeed(events, speed=1.0, instant_until=cut, monotonic=vt.monotonic, sleep=vt.sleep)
    seen: list = []

    async def emit(batch):
        seen.extend(batch)
        if late_candle in batch:
            assert not feed.caught_up.is_set()

    task = asyncio.create_task(feed.run(emit))
    for _ in range(50):
        if feed.caught_up.is_set():
            break
        await asyncio.sleep(0)
    assert feed.caught_up.is_set()
    assert seen == events[:3]
    task.cancel()


async def test_a_status_stamped_by_another_clock_neither_paces_nor_moves_the_replay():
    """A recording of older data with a wall-clock feed_status in it (issue 13):
    the status comes with the data around it, and the replay ends at the data's end."""
    later = T0 + 60 * 86_400_000  # two months past the data
    events = [liq(T0), FeedStatus(later, "binance", "live"), liq(T0 + 10_000), FeedStatus(later, "okx", "down")]
    vt = VirtualTime()
    start = vt.now
    feed = ReplayFeed(events, speed=1.0, instant_until=T0 + 1, monotonic=vt.monotonic, sleep=vt.sleep)
    seen = await play(feed, vt)
    assert [e for _, _, batch in seen for e in batch] == events
    assert vt.now - start < 11 and feed.now_ms() <= T0 + 11_000
