"""The history: what a restart must not forget, in SQLite under the state dir.

Without it the 24 h totals, the cap range and the LVR trend would start from
zero every morning.  One live process writes (a lock file makes sure of it;
a second one only reads); a replay or the demo never opens it for writing.

Two live instances sharing a state dir: the first is the writer.  The other
keeps the last ``READER_KEEP_MS`` of what it receives and bids for the lock
every few seconds (tui/runtime/companion.py); when the writer exits (or
dies: the kernel frees the lock), it takes over within seconds and writes
what it kept after the old writer's last flush, so no row is lost in any
order of start and stop, and none is counted twice.

Writing is off the hot path: ``add`` only keeps a reference to each batch,
and ``flush`` (each minute, and at exit) aggregates and commits in one
transaction.  The database is in WAL mode, so a reader never blocks the
writer and a crash loses at most the last unflushed minute.

Schema (``SCHEMA_VERSION`` 1; times are ms since the epoch, money USD):

- ``liq_hourly(hour, exchange, symbol, side, usd, count, max_usd)``: hourly
  liquidation aggregates per venue, symbol and side, kept ``retention_days``.
- ``liq_recent(ts, exchange, symbol, side, price, qty, usd)``: the raw
  liquidations of the last ``RECENT_HOURS``, so the rolling windows (and
  their largest liquidation) come back exact, not rounded to hours.
- ``market_cap(ts, source, usd)``: every market-cap sample.
- ``lvr(ts, value)`` and ``oi_total(ts, usd)``: the engine's hourly LVR and
  total open-interest samples (ts = the hour's end).
- ``candle(exchange, symbol, tf, ts, open, high, low, close, volume_usd)``.
- ``open_interest(exchange, symbol, hour, ts, usd)`` and
  ``volume(exchange, symbol, hour, ts, usd_24h)``: the latest value per hour.
- ``coverage(start_ms, end_ms)``: one row per run, its end moved at each
  flush; a gap between runs is how "since HH:MM" is found.
"""

from __future__ import annotations

import heapq
import logging
import os
import sqlite3
import threading
from collections import defaultdict
from typing import TYPE_CHECKING, Iterable, Iterator, NamedTuple, Sequence

from feeds.events import DAY_MS, HOUR_MS, Candle, Event, Liquidation, MarketCap, OpenInterest, Volume
from tui.runtime.filelock import FileLock
from tui.runtime.paths import history_path

if TYPE_CHECKING:
    from indicators.engine import Engine

log = logging.getLogger("liqwatch.history")

SCHEMA_VERSION = 1
# Raw liquidations are kept this long: the 24 h window plus the hour it starts in.
RECENT_HOURS = 26
# What a reader keeps, by event time, for the day it becomes the writer: the
# writer it takes over from flushed at most a minute before it died.
READER_KEEP_MS = 5 * 60_000
# Runs closer than this count as one unbroken coverage (a flush is each minute,
# so a crash can leave the recorded end up to a minute early).
GAP_MS = 5 * 60_000
TF_MS = {"1m": 60_000, "1h": HOUR_MS, "1d": DAY_MS}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS liq_hourly(
    hour INTEGER NOT NULL, exchange TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
    usd REAL NOT NULL, count INTEGER NOT NULL, max_usd REAL NOT NULL,
    PRIMARY KEY(hour, exchange, symbol, side)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS liq_recent(
    ts INTEGER NOT NULL, exchange TEXT NOT NULL, symbol TEXT NOT NULL, side TEXT NOT NULL,
    price REAL NOT NULL, qty REAL NOT NULL, usd REAL NOT NULL);
CREATE INDEX IF NOT EXISTS liq_recent_ts ON liq_recent(ts);
CREATE TABLE IF NOT EXISTS market_cap(ts INTEGER PRIMARY KEY, source TEXT NOT NULL, usd REAL NOT NULL);
CREATE TABLE IF NOT EXISTS lvr(ts INTEGER PRIMARY KEY, value REAL NOT NULL);
CREATE TABLE IF NOT EXISTS oi_total(ts INTEGER PRIMARY KEY, usd REAL NOT NULL);
CREATE TABLE IF NOT EXISTS candle(
    exchange TEXT NOT NULL, symbol TEXT NOT NULL, tf TEXT NOT NULL, ts INTEGER NOT NULL,
    open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume_usd REAL NOT NULL,
    PRIMARY KEY(exchange, symbol, tf, ts)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS open_interest(
    exchange TEXT NOT NULL, symbol TEXT NOT NULL, hour INTEGER NOT NULL, ts INTEGER NOT NULL, usd REAL NOT NULL,
    PRIMARY KEY(exchange, symbol, hour)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS volume(
    exchange TEXT NOT NULL, symbol TEXT NOT NULL, hour INTEGER NOT NULL, ts INTEGER NOT NULL, usd_24h REAL NOT NULL,
    PRIMARY KEY(exchange, symbol, hour)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS coverage(start_ms INTEGER PRIMARY KEY, end_ms INTEGER NOT NULL);
"""


def _hour(ts: int) -> int:
    return ts - ts % HOUR_MS


class History:
    """The SQLite history of one state dir.

    ``writer`` is False when another process holds the write lock: this one
    then warm-loads but never writes.
    """

    def __init__(self, path: str | None = None, retention_days: float = 90.0, write: bool = True) -> None:
        self.path = path or history_path()
        self.retention_ms = int(retention_days * DAY_MS)
        os.makedirs(os.path.dirname(self.path) or ".", exist_ok=True)
        self._lock = FileLock(self.path + ".lock")
        self._may_write = write
        # The flush runs in a worker thread; the lock keeps to one at a time.
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._flush_lock = threading.Lock()
        self._closed = False
        self._pending: list[Sequence[Event]] = []
        self._samples: tuple[list, list] = ([], [])
        self._run_start: int | None = None
        self._prior: list[tuple[int, int]] = []  # earlier runs' (start, end), newest first
        self.writer = False
        if write and not self._become_writer():
            log.warning("%s: another liqwatch is writing the history; this one reads it and takes over when "
                        "that one stops", self.path)
        self._has_schema = self._table_exists("coverage")

    def _become_writer(self) -> bool:
        """Take the write lock if it is free, and ready the schema."""
        if not self._lock.acquire():
            return False
        self.writer = True
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._db.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        self._has_schema = True
        return True

    def _take_over(self) -> bool:
        """A reader's bid for the lock (each flush).  Once the old writer is gone,
        the liquidations it already wrote (up to its last flush) are dropped
        from what this one kept: the rest is written as this one's own."""
        if not self._may_write or not self._become_writer():
            return False
        row = self._db.execute("SELECT MAX(end_ms) FROM coverage").fetchone()
        handover = row[0] if row and row[0] is not None else None
        if handover is not None:
            self._pending = [[ev for ev in batch if type(ev) is not Liquidation or ev.ts > handover]
                             for batch in self._pending]
        log.info("%s: took over writing the history (the other liqwatch stopped)", self.path)
        return True

    def _table_exists(self, name: str) -> bool:
        row = self._db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)).fetchone()
        return row is not None

    # -- writing (the hot path only keeps references) -----------------------
    def add(self, batch: Sequence[Event]) -> None:
        """A pipeline tap: remember the batch for the next flush (O(1)); a
        reader keeps it too, for the day it takes over."""
        self._pending.append(batch)

    def collect_samples(self, engine: Engine) -> None:
        """Copy the engine's hourly LVR and OI samples; call on the loop's thread
        (the engine is not thread-safe), before ``flush``."""
        lev = engine.leverage
        self._samples = (list(lev.lvr_samples), list(lev.oi_samples))

    def flush(self, now_ms: int) -> None:
        """Write what was added since the last flush in one transaction, move
        this run's coverage end, and drop rows past retention.  A reader
        bids for the lock instead, and keeps only its last READER_KEEP_MS."""
        with self._flush_lock:
            if self._closed:
                return  # a flush cancelled at exit, arriving after the final one
            if not self.writer and not self._take_over():
                self._keep_recent()
                return
            pending, self._pending = self._pending, []
            lvr, oi = self._samples
            db = self._db
            db.execute("BEGIN")
            try:
                self._write(pending, lvr, oi)
                if self._run_start is None:
                    self._run_start = now_ms
                db.execute("INSERT OR REPLACE INTO coverage VALUES (?, ?)", (self._run_start, now_ms))
                self._prune(now_ms)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _keep_recent(self) -> None:
        newest = max((batch[-1].ts for batch in self._pending if batch), default=None)
        if newest is not None:
            cut = newest - READER_KEEP_MS
            self._pending = [b for b in self._pending if b and max(ev.ts for ev in b) >= cut]

    def mark_start(self, now_ms: int) -> None:
        """This run's coverage begins now (a gap since the last run shows from here).

        The earlier runs are read once here: only this process writes, so they
        do not change while it runs, and ``since_ms`` never waits on a flush."""
        self._run_start = now_ms
        if self._has_schema:
            self._prior = self._db.execute(
                "SELECT start_ms, end_ms FROM coverage WHERE start_ms < ? ORDER BY start_ms DESC", (now_ms,)
            ).fetchall()

    def _write(self, pending: list[Sequence[Event]], lvr: list, oi: list) -> None:
        db = self._db
        raw: list[tuple] = []
        hourly: dict[tuple, list] = defaultdict(lambda: [0.0, 0, 0.0])
        caps: list[tuple] = []
        candles: list[tuple] = []
        ois: dict[tuple, tuple] = {}
        vols: dict[tuple, tuple] = {}
        for batch in pending:
            for ev in batch:
                kind = type(ev)
                if kind is Liquidation:
                    raw.append((ev.ts, ev.exchange, ev.symbol, ev.side, ev.price, ev.qty, ev.usd))
                    agg = hourly[(_hour(ev.ts), ev.exchange, ev.symbol, ev.side)]
                    agg[0] += ev.usd
                    agg[1] += 1
                    agg[2] = max(agg[2], ev.usd)
                elif kind is MarketCap:
                    caps.append((ev.ts, ev.source, ev.usd))
                elif kind is Candle:
                    candles.append((ev.exchange, ev.symbol, ev.tf, ev.ts, ev.open, ev.high, ev.low, ev.close, ev.volume_usd))
                elif kind is OpenInterest:
                    key = (ev.exchange, ev.symbol, _hour(ev.ts))
                    if key not in ois or ev.ts >= ois[key][3]:
                        ois[key] = (*key, ev.ts, ev.usd)
                elif kind is Volume:
                    key = (ev.exchange, ev.symbol, _hour(ev.ts))
                    if key not in vols or ev.ts >= vols[key][3]:
                        vols[key] = (*key, ev.ts, ev.usd_24h)
        db.executemany("INSERT INTO liq_recent VALUES (?,?,?,?,?,?,?)", raw)
        db.executemany(
            "INSERT INTO liq_hourly VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET "
            "usd = usd + excluded.usd, count = count + excluded.count, max_usd = max(max_usd, excluded.max_usd)",
            [(*k, v[0], v[1], v[2]) for k, v in hourly.items()],
        )
        db.executemany("INSERT OR REPLACE INTO market_cap VALUES (?,?,?)", caps)
        db.executemany("INSERT OR REPLACE INTO candle VALUES (?,?,?,?,?,?,?,?,?)", candles)
        db.executemany(
            "INSERT INTO open_interest VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET ts = excluded.ts, usd = excluded.usd "
            "WHERE excluded.ts >= ts", list(ois.values()))
        db.executemany(
            "INSERT INTO volume VALUES (?,?,?,?,?) ON CONFLICT DO UPDATE SET ts = excluded.ts, usd_24h = excluded.usd_24h "
            "WHERE excluded.ts >= ts", list(vols.values()))
        db.executemany("INSERT OR REPLACE INTO lvr VALUES (?,?)", lvr)
        db.executemany("INSERT OR REPLACE INTO oi_total VALUES (?,?)", oi)

    def _prune(self, now_ms: int) -> None:
        db = self._db
        old = now_ms - self.retention_ms
        db.execute("DELETE FROM liq_recent WHERE ts < ?", (_hour(now_ms) - RECENT_HOURS * HOUR_MS,))
        for table, col in (("liq_hourly", "hour"), ("market_cap", "ts"), ("lvr", "ts"), ("oi_total", "ts"),
                           ("candle", "ts"), ("open_interest", "hour"), ("volume", "hour"), ("coverage", "end_ms")):
            db.execute(f"DELETE FROM {table} WHERE {col} < ?", (old,))

    def close(self) -> None:
        with self._flush_lock:
            self._closed = True
            self._db.close()
        self._lock.release()

    # -- reading -------------------------------------------------------------
    def since_ms(self, now_ms: int) -> int | None:
        """Start of the unbroken coverage ending now, when it began less than
        24 h ago (the totals then say "since HH:MM"); None when a whole day is
        covered or nothing is recorded."""
        if self._run_start is None:
            return None
        rows = [(self._run_start, now_ms), *self._prior]
        since = rows[0][0]
        for start, end in rows[1:]:
            if end < since - GAP_MS:
                break
            since = min(since, start)
        return since if since > now_ms - DAY_MS else None

    def warm_events(self, now_ms: int, cap_days: float, bar_days: float) -> Iterator[Event]:
        """The stored events worth replaying, in the order they happened:
        raw liquidations from the cut, market caps of the cap range, candles of
        the anxiety window (at their close), and volume / OI state."""
        cut = _hour(now_ms) - RECENT_HOURS * HOUR_MS
        db = self._db
        liqs = (Liquidation(*r) for r in db.execute(
            "SELECT ts, exchange, symbol, side, price, qty, usd FROM liq_recent WHERE ts >= ? ORDER BY ts", (cut,)))
        caps = (MarketCap(*r) for r in db.execute(
            "SELECT ts, source, usd FROM market_cap WHERE ts >= ? ORDER BY ts", (now_ms - int(cap_days * DAY_MS),)))
        candle_rows = db.execute(
            "SELECT ts, exchange, symbol, tf, open, high, low, close, volume_usd FROM candle WHERE ts >= ?",
            (now_ms - int((bar_days + 2) * DAY_MS),)).fetchall()
        # A bar is known at its close: replayed there, it reads its hour's liquidations.
        candles = sorted((Candle(*r) for r in candle_rows), key=lambda c: c.ts + TF_MS.get(c.tf, 0))
        state = list(self._state_events(cut))
        streams: list[Iterable[Event]] = [liqs, caps, state]
        merged = heapq.merge(*streams, key=lambda e: e.ts)
        return heapq.merge(merged, candles, key=lambda e: e.ts + (TF_MS.get(e.tf, 0) if type(e) is Candle else 0))

    def _state_events(self, cut: int) -> Iterator[Event]:
        """Volume and OI: the latest value before the cut (placed at the cut),
        then every stored hourly value after it."""
        db = self._db
        for table, make in (("volume", Volume), ("open_interest", OpenInterest)):
            col = "usd_24h" if table == "volume" else "usd"
            for ex, sym, ts, usd in db.execute(
                f"SELECT exchange, symbol, max(ts), {col} FROM {table} WHERE ts < ? GROUP BY exchange, symbol", (cut,)
            ):
                yield make(cut, ex, sym, usd)
        rows = db.execute(
            "SELECT ts, exchange, symbol, usd_24h, 'volume' FROM volume WHERE ts >= ? UNION ALL "
            "SELECT ts, exchange, symbol, usd, 'oi' FROM open_interest WHERE ts >= ? ORDER BY 1", (cut, cut))
        for ts, ex, sym, usd, kind in rows:
            yield (Volume if kind == "volume" else OpenInterest)(ts, ex, sym, usd)

    def hourly_before(self, cut: int) -> dict[int, tuple[float, float, int]]:
        """Hour open -> (long_usd, short_usd, count), all venues and symbols, for hours before ``cut``."""
        out: dict[int, list] = {}
        for hour, side, usd, count in self._db.execute(
            "SELECT hour, side, sum(usd), sum(count) FROM liq_hourly WHERE hour < ? GROUP BY hour, side", (cut,)
        ):
            cur = out.setdefault(hour, [0.0, 0.0, 0])
            cur[0 if side == "long" else 1] += usd
            cur[2] += count
        return {h: (v[0], v[1], v[2]) for h, v in out.items()}

    def samples(self) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
        db = self._db
        lvr = [(ts, v) for ts, v in db.execute("SELECT ts, value FROM lvr ORDER BY ts")]
        oi = [(ts, v) for ts, v in db.execute("SELECT ts, usd FROM oi_total ORDER BY ts")]
        return lvr, oi

    def load_warm(self, now_ms: int, cap_days: float, bar_days: float) -> WarmData:
        """Everything a warm start needs, read in one go (a worker thread may call it)."""
        if not self._has_schema:
            return WarmData({}, [], [], [])
        cut = _hour(now_ms) - RECENT_HOURS * HOUR_MS
        with self._flush_lock:
            lvr, oi = self.samples()
            return WarmData(self.hourly_before(cut), lvr, oi, list(self.warm_events(now_ms, cap_days, bar_days)))

    def warm_load(self, engine: Engine, now_ms: int) -> int:
        """Put the engine back where the stored runs left it, at once; returns events replayed."""
        from indicators.warm import warm_start

        p = engine.params
        data = self.load_warm(now_ms, p.cap_range_days, p.bai_window_days)
        return warm_start(engine, data.hourly, data.lvr, data.oi, data.events)


class WarmData(NamedTuple):
    hourly: dict[int, tuple[float, float, int]]
    lvr: list[tuple[int, float]]
    oi: list[tuple[int, float]]
    events: list[Event]
