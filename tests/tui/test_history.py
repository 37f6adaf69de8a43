"""History: record, stop, restart; the totals, the cap range and the LVR trend come back."""

from __future__ import annotations

import itertools
import shutil
import sqlite3

import pytest

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.events import HOUR_MS
from feeds.recording import read_events
from indicators.engine import Engine
from tui.runtime.history import History

META = demo_metadata()
# Stop the "live" run just after the demo's 600M hour began: a busy day behind it.
STOP_MS = int(META["hour_600m_start"]) + 20 * 60_000


START_MS = STOP_MS - 3 * 86_400_000  # three days: enough for an LVR trend, quick to apply


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """A "live" run over three demo days, stopped: (database, snapshot at the stop)."""
    events = [e for e in itertools.takewhile(lambda e: e.ts <= STOP_MS, read_events(DEMO_RECORDING)) if e.ts >= START_MS]
    db = tmp_path_factory.mktemp("history") / "history.sqlite3"
    return db, run_live(db, events, STOP_MS).snapshot(STOP_MS)


def run_live(path, events, stop_ms: int, flush_every: int = 2000) -> Engine:
    """What the app does live: engine + history tap, flushed now and then, and at exit."""
    engine = Engine()
    history = History(str(path))
    history.mark_start(events[0].ts)
    for i in range(0, len(events), flush_every):
        batch = events[i : i + flush_every]
        engine.apply_many(batch)
        history.add(batch)
        history.collect_samples(engine)
        history.flush(batch[-1].ts)
    history.collect_samples(engine)
    history.flush(stop_ms)
    history.close()
    return engine


def restart(path, now_ms: int) -> Engine:
    engine = Engine()
    history = History(str(path))
    history.warm_load(engine, now_ms)
    history.close()
    return engine


def test_restart_brings_back_totals_cap_range_and_lvr_trend(recorded):
    db, before = recorded
    after = restart(db, STOP_MS).snapshot(STOP_MS)

    for w_before, w_after in zip(before.liquidations.windows, after.liquidations.windows, strict=True):
        assert (w_after.label, w_after.count, w_after.largest) == (w_before.label, w_before.count, w_before.largest)
        assert w_after.long_usd == pytest.approx(w_before.long_usd)
        assert w_after.short_usd == pytest.approx(w_before.short_usd)
        flat = lambda m: {(k, i): v[i] for k, v in m.items() for i in (0, 1)}  # noqa: E731
        assert flat(w_after.by_symbol) == pytest.approx(flat(w_before.by_symbol))
    assert before.liquidations.window("24h").count > 1000  # the test has teeth
    assert [(b.start, b.count) for b in after.liquidations.hourly] == [(b.start, b.count) for b in before.liquidations.hourly]
    assert after.liquidations.storm == before.liquidations.storm

    assert before.cap is not None and after.cap is not None
    assert (after.cap.low, after.cap.high, after.cap.usd, after.cap.state) == (
        before.cap.low, before.cap.high, before.cap.usd, before.cap.state)

    lev_b, lev_a = before.leverage, after.leverage
    assert lev_b.lvr_trend != "unknown"
    assert (lev_a.lvr_trend, lev_a.falling_since) == (lev_b.lvr_trend, lev_b.falling_since)
    assert lev_a.lvr_median_7d == pytest.approx(lev_b.lvr_median_7d)
    assert lev_a.lvr_24h == pytest.approx(lev_b.lvr_24h)
    assert lev_a.oi_usd == pytest.approx(lev_b.oi_usd)
    assert {m.symbol for m in after.moods} == {m.symbol for m in before.moods}


def test_database_is_wal_and_pruned_to_retention(recorded, tmp_path):
    db = tmp_path / "copy.sqlite3"
    shutil.copy(recorded[0], db)
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    oldest_raw = con.execute("SELECT min(ts) FROM liq_recent").fetchone()[0]
    assert oldest_raw >= STOP_MS - STOP_MS % HOUR_MS - 26 * HOUR_MS
    hours = con.execute("SELECT count(DISTINCT hour) FROM liq_hourly").fetchone()[0]
    assert hours > 26  # older hours stay as aggregates
    con.close()
    history = History(str(db), retention_days=2)
    history.mark_start(STOP_MS)
    history.flush(STOP_MS)
    history.close()
    con = sqlite3.connect(db)
    assert con.execute("SELECT min(hour) FROM liq_hourly").fetchone()[0] >= STOP_MS - 2 * 86_400_000


def test_one_writer(tmp_path):
    db = str(tmp_path / "history.sqlite3")
    first = History(db)
    second = History(db)
    assert first.writer and not second.writer
    second.add([])
    second.close()
    first.close()
    assert History(db).writer


def test_since_shows_a_gap_in_coverage(tmp_path):
    db = str(tmp_path / "history.sqlite3")
    t0 = 1_700_000_000_000
    h = History(db)
    h.mark_start(t0)
    h.flush(t0 + 2 * HOUR_MS)
    h.close()
    # Restarted a minute later: one unbroken coverage, still under a day.
    h = History(db)
    h.mark_start(t0 + 2 * HOUR_MS + 60_000)
    assert h.since_ms(t0 + 3 * HOUR_MS) == t0
    h.flush(t0 + 3 * HOUR_MS)
    h.close()
    # Restarted after a 5-hour gap: coverage starts again at the restart.
    h = History(db)
    restart = t0 + 8 * HOUR_MS
    h.mark_start(restart)
    assert h.since_ms(restart + 60_000) == restart
    # A whole day later the totals cover their full window again.
    assert h.since_ms(restart + 25 * HOUR_MS) is None
    h.close()


async def test_the_app_side_wiring_restores_what_it_collected(tmp_path):
    """Pipeline + Companion, as the app runs them live: collect, stop (final
    flush), start again (warm load behind the gate), same totals."""
    import asyncio

    from feeds.events import Liquidation, MarketCap
    from feeds.replay import ReplayFeed
    from tui.format import LIVE
    from tui.runtime.companion import Companion
    from tui.runtime.pipeline import Pipeline

    now = 1_762_290_000_000
    events = [Liquidation(now - 3_600_000 + 1000 * i, "bybit", "SOL/USDT:USDT", "long" if i % 2 else "short",
                          150.0, 10.0, 1500.0 + i) for i in range(50)]
    events += [MarketCap(now - 60_000 * (5 - i), "coingecko", 3.4e12 + 1e10 * i) for i in range(5)]
    events.sort(key=lambda e: e.ts)
    db = str(tmp_path / "history.sqlite3")

    async def run(feed_events) -> tuple:
        pipeline = Pipeline(Engine(), [ReplayFeed(feed_events, speed=1e9)], LIVE, wall_ms=lambda: now)
        companion = Companion(pipeline, History(db), str(tmp_path / "status.json"), wall_ms=lambda: now)
        companion.start()
        pipeline.start()
        await asyncio.wait_for(pipeline.ready.wait(), 10)
        await asyncio.wait_for(pipeline.wait_idle(), 10)
        snap = pipeline.engine.snapshot(now)
        await pipeline.stop()
        await companion.stop()
        w = snap.liquidations.window("24h")
        return (w.count, w.long_usd, w.short_usd, snap.cap.low, snap.cap.high, snap.cap.usd)

    first = await run(events)
    assert first[0] == 50
    assert await run([]) == first


def test_only_a_live_run_with_history_enabled_opens_it(tmp_path, monkeypatch):
    from tui.format import DEMO, LIVE, REPLAY
    from tui.runtime.companion import companion_for
    from tui.runtime.config import Config
    from tui.runtime.pipeline import Pipeline

    monkeypatch.setenv("LIQWATCH_STATE_DIR", str(tmp_path))
    cfg = Config()
    for mode in (DEMO, REPLAY):
        assert companion_for(Pipeline(Engine(), [], mode), cfg).history is None
    assert not (tmp_path / "history.sqlite3").exists()  # a demo or replay never touches live history
    live = companion_for(Pipeline(Engine(), [], LIVE), cfg)
    assert live.history is not None and live.history.writer
    live.history.close()
    cfg.history.enabled = False
    assert companion_for(Pipeline(Engine(), [], LIVE), cfg).history is None


def test_an_unwritable_state_dir_costs_the_history_not_the_app(tmp_path, monkeypatch):
    from tui.format import LIVE
    from tui.runtime.companion import companion_for
    from tui.runtime.config import Config
    from tui.runtime.pipeline import Pipeline

    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("LIQWATCH_STATE_DIR", str(blocker / "state"))  # a path under a file
    assert companion_for(Pipeline(Engine(), [], LIVE), Config()).history is None


def _liqs(t0: int, n: int, every: int = 1000) -> list:
    from feeds.events import Liquidation

    return [Liquidation(t0 + i * every, "binance", "BTC/USDT:USDT", "long", 1.0, 1.0, 1.0 + i) for i in range(n)]


def _rows(db: str) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT ts, usd FROM liq_recent ORDER BY ts").fetchall()
    finally:
        con.close()


@pytest.mark.parametrize("a_dies", [False, True], ids=["a-quits", "a-killed"])
def test_a_reader_takes_over_when_the_writer_stops_and_no_row_is_lost_or_doubled(tmp_path, a_dies):
    """A and B live on one state dir, both seeing the same stream: A writes; when
    A stops (or dies after its last flush), B takes over at its next bid and
    the history holds every liquidation once (issue 13)."""
    db = str(tmp_path / "history.sqlite3")
    t0 = 1_700_000_000_000
    stream = _liqs(t0, 300)
    a, b = History(db), History(db)
    a.mark_start(t0)
    b.mark_start(t0)
    assert a.writer and not b.writer
    for i in range(0, 200, 10):  # both receive everything; A flushes each 50
        a.add(stream[i:i + 10])
        b.add(stream[i:i + 10])
        if i % 50 == 40:
            a.flush(stream[i + 9].ts)
            b.flush(stream[i + 9].ts)  # a bid that fails: B stays a reader
    assert not b.writer
    if a_dies:  # killed: events after its last flush never reached the disk
        a.add(stream[200:220])
        b.add(stream[200:220])
        a._db.close()
        a._lock.release()  # what the kernel does when the process dies
        last = stream[199].ts
    else:
        b.add(stream[200:220])
        a.close()
        last = stream[199].ts
    b.add(stream[220:300])
    b.flush(stream[-1].ts)  # the next bid wins
    assert b.writer
    b.close()
    assert _rows(db) == [(ev.ts, ev.usd) for ev in stream]
    assert last < stream[-1].ts


def test_a_reader_keeps_only_its_last_minutes(tmp_path):
    from tui.runtime.history import READER_KEEP_MS

    db = str(tmp_path / "history.sqlite3")
    a, b = History(db), History(db)
    t0 = 1_700_000_000_000
    for i in range(100):
        b.add(_liqs(t0 + i * 60_000, 1))
    b.flush(t0 + 100 * 60_000)
    assert sum(len(x) for x in b._pending) == READER_KEEP_MS // 60_000 + 1
    a.close()
    b.close()


def test_one_status_writer_and_the_file_passes_on(tmp_path):
    """Two instances on one state dir: the status file has one writer, the
    other takes over at its next write once the first stops (issue 13)."""
    from tui.runtime import statefile
    from tui.runtime.companion import StatusWriter

    path = str(tmp_path / "status.json")
    first = StatusWriter(lambda: {"v": 1, "written_ms": 1, "who": "first"}, path)
    second = StatusWriter(lambda: {"v": 1, "written_ms": 2, "who": "second"}, path)
    for _ in range(3):
        first.write()
        second.write()
        assert statefile.read(path)["who"] == "first"
    assert first.owner and not second.owner
    first.write(state="stopped")
    first.close()
    assert statefile.read(path)["state"] == "stopped"
    second.write()
    assert statefile.read(path)["who"] == "second" and second.owner
    second.close()
