"""Leaving cleanly: SIGTERM, SIGHUP and a terminal that vanished (an SSH drop).

On any of them the process flushes what must survive (history, status file,
recording), then asks for a graceful exit, and in any case ends within
``DEADLINE_S`` of the signal.  The deadline is kept by a watchdog thread
started from the signal handler itself, not from the event loop: the loop
can be busy for a moment (a replay loading its history), and a dead terminal
can make the UI's own teardown hang (its writer thread blocked on a tty that
will never drain).  The flush runs on the loop, where the engine is
consistent, normally within milliseconds of the signal; the watchdog then
ends the process if the graceful exit has not.  Nothing keeps running after
that, so nothing can spin on a tty that returns EIO or EOF.

A terminal that vanished without a SIGHUP (the signal ignored, as under
``nohup``) is noticed by polling the tty four times a second for POLLHUP/POLLERR.

When the terminal is gone, there is nothing to restore on it and the UI's
teardown could only hang on it: once the flush is done the process ends at
once, rather than at the watchdog's deadline, so the exit keeps its 2 s
promise with room on a loaded machine.
"""

from __future__ import annotations

import asyncio
import logging
import os
import select
import signal
import threading
from typing import Callable

log = logging.getLogger("liqwatch.lifecycle")

DEADLINE_S = 1.5
GONE_DEADLINE_S = 0.5
WATCH_EVERY_S = 0.25
EXIT_STATUS = 0


class Lifecycle:
    """Turns a stop signal or a hang-up into flush -> exit, with a hard deadline."""

    def __init__(self, flush: Callable[[], None], exit: Callable[[], None], deadline_s: float = DEADLINE_S) -> None:
        self.flush = flush
        self.exit = exit
        self.deadline_s = deadline_s
        self.reason: str | None = None
        self._watch: asyncio.Task | None = None
        self._watchdog: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tty_fds: list[int] = []

    def install(self, watch_tty: bool = True) -> None:
        """Call from inside the running loop (in the main thread)."""
        self._loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGHUP):
            # An ignored SIGHUP (nohup) stays ignored: the user asked to outlive the terminal.
            if sig == signal.SIGHUP and signal.getsignal(sig) == signal.SIG_IGN:
                continue
            signal.signal(sig, self._on_signal)
        if watch_tty:
            self._tty_fds = [fd for fd in (0, 1) if _isatty(fd)]
            if self._tty_fds:
                self._watch = asyncio.create_task(self._watch_tty(self._tty_fds), name="liqwatch-tty-watch")

    def _on_signal(self, signum: int, _frame: object) -> None:
        # Runs between two bytecodes of the main thread: only start the clock
        # and hand the work to the loop.
        self._start_watchdog()
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self.stop, signal.Signals(signum).name)

    def stop(self, reason: str, deadline_s: float | None = None) -> None:
        """Flush, then exit; only the first call does anything."""
        if self.reason is not None:
            return
        self.reason = reason
        self._start_watchdog(deadline_s)
        log.info("stopping: %s", reason)
        if self._watch is not None:
            self._watch.cancel()
        try:
            self.flush()
        finally:
            if self._tty_fds and _hung_up(self._tty_fds):
                os._exit(EXIT_STATUS)  # flushed; a dead terminal has nothing to restore
            self.exit()

    def _start_watchdog(self, deadline_s: float | None = None) -> None:
        if self._watchdog is None:
            wait = self.deadline_s if deadline_s is None else deadline_s
            self._watchdog = threading.Thread(target=self._hard_exit, args=(wait,), name="liqwatch-exit-watchdog",
                                              daemon=True)
            self._watchdog.start()

    @staticmethod
    def _hard_exit(wait_s: float) -> None:
        threading.Event().wait(wait_s)
        os._exit(EXIT_STATUS)

    async def _watch_tty(self, fds: list[int]) -> None:
        while True:
            await asyncio.sleep(WATCH_EVERY_S)
            if _hung_up(fds):
                # Nothing to restore on a dead terminal: a short grace after the flush.
                self.stop("terminal gone", deadline_s=GONE_DEADLINE_S)
                return


def _hung_up(fds: list[int]) -> bool:
    """Whether any of the terminal's fds reports a hang-up or an error, now."""
    poller = select.poll()
    for fd in fds:
        poller.register(fd, 0)  # only errors and hang-ups are reported
    return any(flags & (select.POLLHUP | select.POLLERR | select.POLLNVAL) for _fd, flags in poller.poll(0))


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False
