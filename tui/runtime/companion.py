"""What runs beside the panes: the status file each second, the history
(live runs only), and the final flush on the way out.

The app calls three things: ``start()`` before the pipeline starts (the
history warm-loads the engine first, so the 24 h totals, the cap range and the
LVR trend pick up where the last run left them), and ``await stop()`` after
the pipeline stops.  ``liqwatch record`` uses the same status writer, so
``liqwatch status`` works beside either.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING, Callable

from tui.runtime import statefile
from tui.runtime.filelock import FileLock
from tui.runtime.lifecycle import Lifecycle
from tui.runtime.status_data import status_dict

if TYPE_CHECKING:
    from tui.runtime.config import Config
    from tui.runtime.history import History
    from tui.runtime.pipeline import Pipeline

log = logging.getLogger("liqwatch.companion")

STATUS_EVERY_S = 1.0
HISTORY_EVERY_S = 60.0
# A reader of the history tries this often to become its writer (see History).
TAKEOVER_EVERY_S = 2.0
# Events replayed from the history per step; the UI draws between steps.
WARM_CHUNK = 2000


class StatusWriter:
    """Rewrites the status file from ``build()`` every second (atomically).

    Two instances sharing a state dir (a live app and a recorder, a demo
    beside a live run) must not take turns at the one file, or ``liqwatch
    status`` would flip between them each second.  The rule: the file has one
    writer, the holder of ``<status file>.lock`` (an flock, released when the
    process ends however it ends); the others try again at each write, so
    when the writer stops, a waiting instance takes the file over within a
    second.  ``liqwatch status`` shows the writer."""

    def __init__(self, build: Callable[[], dict], path: str | None = None) -> None:
        self.build = build
        self.path = path or statefile.status_path()
        self.writes = 0
        self._lock = FileLock(self.path + ".lock")

    @property
    def owner(self) -> bool:
        """Whether this instance writes the status file (it holds the lock)."""
        return self._lock.held

    def write(self, state: str = "running") -> None:
        if not self._lock.acquire():
            return  # another instance is the writer; try again next second
        data = self.build()
        data["state"] = state
        try:
            statefile.write_atomic(self.path, data)
            self.writes += 1
        except OSError as exc:  # a full disk must not take the app down
            log.warning("cannot write %s: %s", self.path, exc)

    def close(self) -> None:
        """Hand the status file over to a waiting instance."""
        self._lock.release()

    async def run(self) -> None:
        while True:
            self.write()
            await asyncio.sleep(STATUS_EVERY_S)


class Companion:
    def __init__(
        self,
        pipeline: Pipeline,
        history: History | None = None,
        status_path: str | None = None,
        wall_ms: Callable[[], int] = lambda: int(time.time() * 1000),
    ) -> None:
        self.pipeline = pipeline
        self.history = history
        self.wall_ms = wall_ms
        self.status = StatusWriter(self._status_data, status_path)
        self._tasks: list[asyncio.Task] = []
        self.lifecycle: Lifecycle | None = None
        self.stopped = False

    @property
    def since_ms(self) -> int | None:
        """Start of the unbroken coverage when it is under 24 h ("since HH:MM"), else None."""
        if self.history is None:
            return None
        return self.history.since_ms(self.wall_ms())

    def _status_data(self) -> dict:
        p = self.pipeline
        return status_dict(p.engine.snapshot(p.now_ms()), p.mode, self.wall_ms(), self.since_ms)

    def start(self, exit: Callable[[], None] | None = None) -> None:
        """Warm-load the engine from history, then start the periodic writers.
        Call from inside the running loop, before ``pipeline.start()``.

        With ``exit`` (the app's exit), SIGTERM, SIGHUP and a vanished
        terminal flush everything at once and then call it (tui/runtime/lifecycle.py)."""
        if exit is not None:
            self.lifecycle = Lifecycle(self.flush_now, exit)
            self.lifecycle.install()
        if self.history is not None:
            # The consumer waits for the history: live batches queue up
            # (bounded, so the feeds feel back-pressure) and are applied after it.
            self.pipeline.ready.clear()
            self._tasks.append(asyncio.create_task(self._warm_then_collect(), name="liqwatch-history"))
        self._tasks.append(asyncio.create_task(self.status.run(), name="liqwatch-status"))

    async def _warm_then_collect(self) -> None:
        """Warm-load in chunks between frames, open the gate, then flush each minute."""
        from indicators import warm

        assert self.history is not None
        history, engine = self.history, self.pipeline.engine
        now = self.wall_ms()
        try:
            data = await asyncio.to_thread(history.load_warm, now, engine.params.cap_range_days,
                                           engine.params.bai_window_days)
            warm.begin(engine, data.hourly)
            events = data.events
            for i in range(0, len(events), WARM_CHUNK):
                engine.apply_many(events[i : i + WARM_CHUNK])
                await asyncio.sleep(0)
            warm.finish(engine, data.lvr, data.oi)
            log.info("history: %d events replayed from %s", len(events), history.path)
        except Exception:  # a damaged history must not keep the live data out
            log.exception("history: warm start failed; starting without it")
        finally:
            history.mark_start(now)
            self.pipeline.taps.append(history.add)
            self.pipeline.ready.set()
        await self._flush_history()

    async def _flush_history(self) -> None:
        assert self.history is not None
        while True:
            # A reader's flush is its bid for the writer's lock: every few seconds.
            await asyncio.sleep(HISTORY_EVERY_S if self.history.writer else TAKEOVER_EVERY_S)
            self.history.collect_samples(self.pipeline.engine)
            try:
                # Off the event loop: SQLite commits can take a disk's time.
                await asyncio.to_thread(self.history.flush, self.wall_ms())
            except Exception:  # a full disk loses that minute, not the app or later minutes
                log.exception("history: flush failed")

    async def stop(self) -> None:
        """Flush everything once more and mark the status file stopped."""
        tasks = list(self._tasks)
        self.flush_now()
        await asyncio.gather(*tasks, return_exceptions=True)

    def flush_now(self) -> None:
        """The synchronous last flush (a signal handler calls it): history,
        then the status file marked stopped.  Only the first call does anything."""
        if self.stopped:
            return
        self.stopped = True
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        if self.history is not None:
            try:
                self.history.collect_samples(self.pipeline.engine)
                self.history.flush(self.wall_ms())
            except Exception:  # the status file must still say "stopped"
                log.exception("history: final flush failed")
            finally:
                self.history.close()
        self.status.write(state="stopped")
        self.status.close()


def companion_for(pipeline: Pipeline, config: Config, wall_ms: Callable[[], int] | None = None) -> Companion:
    """The companion for a run: history only when live (a replay or the demo
    never writes into live history) and enabled in config."""
    from tui.format import LIVE

    history = None
    if pipeline.mode == LIVE and config.history.enabled:
        import sqlite3

        from tui.runtime.history import History

        try:
            history = History(retention_days=config.history.retention_days)
        except (OSError, sqlite3.Error) as exc:  # an unwritable state dir costs the memory, not the app
            log.warning("history unavailable: %s", exc)
    if wall_ms is None:
        return Companion(pipeline, history)
    return Companion(pipeline, history, wall_ms=wall_ms)
