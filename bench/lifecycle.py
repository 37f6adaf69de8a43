"""Benchmark: how fast liqwatch leaves, and what a SIGKILLed recorder loses.

1. ``liqwatch --demo`` in a pseudo-terminal (120x40) gets SIGTERM, SIGHUP, or
   its terminal closed (the SSH drop), either while it is still loading the
   demo's history (the event loop busy) or once idle.  Time from the signal
   to the process gone; the target is under 2 s.
2. ``liqwatch record --replay SRC --speed 10`` (1000 events/s) is killed with
   SIGKILL at a random moment, just after a status write (whose ``as_of`` is
   the newest event emitted then); the loss is that minus the newest event in
   the file, in wall seconds.  The recorder flushes every 0.5 s.

Run ``python -m bench.lifecycle``.
"""

from __future__ import annotations

import fcntl
import os
import pty
import random
import select
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import time
from pathlib import Path

from feeds.events import Liquidation
from feeds.recording import read_events, write_events
from tui.runtime import paths, statefile

ROOT = Path(__file__).resolve().parent.parent


def _drain(fd: int) -> bool:
    try:
        if select.select([fd], [], [], 0.02)[0]:
            return bool(os.read(fd, 65536))
    except OSError:
        return False
    return True


def exit_time(how: str, settle_s: float) -> float:
    state = tempfile.mkdtemp(prefix="liqwatch-bench-")
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(ROOT)
        env = {**os.environ, paths.STATE_DIR_ENV: state, "TERM": "xterm-256color"}
        os.execve(sys.executable, [sys.executable, "-m", "tui", "--demo"], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    path = os.path.join(state, paths.STATUS_NAME)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        _drain(fd)
        st = statefile.read(path)
        if st and st["events"] > 0:
            break
    end = time.monotonic() + settle_s
    while time.monotonic() < end:
        _drain(fd)
    t = time.monotonic()
    if how == "close":
        os.close(fd)
        fd = -1
    else:
        os.kill(pid, getattr(signal, how))
    while True:
        if fd >= 0 and not _drain(fd):
            os.close(fd)
            fd = -1
        if os.waitpid(pid, os.WNOHANG)[0]:
            took = time.monotonic() - t
            break
        if fd < 0:
            time.sleep(0.005)
    if fd >= 0:
        os.close(fd)
    st = statefile.read(path)
    assert st is not None and st["state"] == "stopped", "no final status write"
    return took


def sigkill_loss(runs: int = 5, speed: float = 10.0) -> list[float]:
    losses = []
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src.jsonl"
        t0 = int(time.time() * 1000)
        write_events(src, [Liquidation(t0 + 10 * i, "binance", "BTC/USDT:USDT", "long", 1e5, 0.5, 5e4)
                           for i in range(30_000)])
        for n in range(runs):
            out = Path(tmp) / f"rec{n}.jsonl.gz"
            env = {**os.environ, paths.STATE_DIR_ENV: tmp}
            proc = subprocess.Popen([sys.executable, "-m", "tui", "record", str(out), "--replay", str(src),
                                     "--speed", str(speed)], cwd=ROOT, env=env,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            status_path = os.path.join(tmp, paths.STATUS_NAME)
            while not (statefile.read(status_path) or {}).get("events"):
                time.sleep(0.01)
            time.sleep(random.uniform(0.5, 2.0))
            # Kill just after a status write: its as_of is what had been emitted then.
            last = statefile.read(status_path)["written_ms"]
            while (st := statefile.read(status_path) or {}).get("written_ms", last) == last:
                time.sleep(0.002)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            played = st["as_of_ms"]
            newest = max(e.ts for e in read_events(out, on_bad_line=None) if e.KIND == "liquidation")
            losses.append(max(0.0, (played - newest) / speed / 1000))  # in wall seconds
    return losses


def main() -> None:
    print("exit after the signal (s), liqwatch --demo in a 120x40 pty:")
    for settle, label in ((0.0, "while loading"), (3.0, "idle")):
        for how in ("SIGTERM", "SIGHUP", "close"):
            times = [exit_time(how, settle) for _ in range(3)]
            print(f"  {label:<14} {how:<8} median {statistics.median(times):.2f}  max {max(times):.2f}")
    losses = sigkill_loss()
    print(f"recorder SIGKILL: lost {statistics.median(losses):.2f} s median, {max(losses):.2f} s max "
          f"(of {len(losses)} kills; flush every 0.5 s)")


if __name__ == "__main__":
    main()
