"""Lifecycle: a hang-up or SIGTERM flushes and exits; a SIGKILLed recorder leaves a readable file."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import time
from pathlib import Path

import pytest

from tui.runtime import paths, statefile

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 30  # every wait here is bounded; the 2 s exit figure is measured in bench/lifecycle.py


def spawn_app(state_dir: Path, *args: str, ignore_hup: bool = False) -> tuple[int, int]:
    """`liqwatch --demo` in a pseudo-terminal of 120x40, as a user would run it."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: a session leader whose controlling terminal is the pty
        # An ignored signal stays ignored across exec, and the app keeps an
        # ignored SIGHUP ignored (as nohup asks).  So the child sets it either
        # way: ignored as under nohup, or at its default as a terminal session
        # starts it, even when pytest itself runs with SIGHUP ignored (under
        # nohup, or a CI wrapper that ignores it).
        signal.signal(signal.SIGHUP, signal.SIG_IGN if ignore_hup else signal.SIG_DFL)
        os.chdir(ROOT)
        env = {**os.environ, paths.STATE_DIR_ENV: str(state_dir), "TERM": "xterm-256color"}
        env.pop("LIQWATCH_CONFIG", None)
        os.execve(sys.executable, [sys.executable, "-m", "tui", "--demo", *args], env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    return pid, fd


def drain(fd: int, out: bytearray) -> bool:
    """Read what the app drew; False once the terminal is closed."""
    try:
        ready, _, _ = select.select([fd], [], [], 0.05)
        if ready:
            data = os.read(fd, 65536)
            if not data:
                return False
            out.extend(data)
    except OSError:
        return False
    return True


def status(state_dir: Path) -> dict | None:
    return statefile.read(str(state_dir / paths.STATUS_NAME))


def wait_running(pid: int, fd: int, state_dir: Path, out: bytearray) -> None:
    """Until the app has drawn and its status file shows the demo's data."""
    deadline = time.monotonic() + BOUND_S
    while time.monotonic() < deadline:
        drain(fd, out)
        st = status(state_dir)
        if st and st["state"] == "running" and st["events"] > 0:
            return
    os.kill(pid, signal.SIGKILL)
    pytest.fail(f"the app did not start: {bytes(out[-2000:])!r}")


def wait_exit(pid: int, fd: int | None, out: bytearray) -> tuple[int, float]:
    start = time.monotonic()
    while time.monotonic() - start < BOUND_S:
        if fd is not None and not drain(fd, out):
            fd = None
        if fd is None:
            time.sleep(0.02)
        done, code = os.waitpid(pid, os.WNOHANG)
        if done:
            return code, time.monotonic() - start
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail("the app did not exit")


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGTERM])
def test_signal_to_a_running_app_in_a_pty_flushes_and_exits(tmp_path, sig):
    out = bytearray()
    pid, fd = spawn_app(tmp_path)
    try:
        wait_running(pid, fd, tmp_path, out)
        os.kill(pid, sig)
        code, took = wait_exit(pid, fd, out)
    finally:
        os.close(fd)
    print(f"{sig.name}: exited in {took:.2f} s")
    assert os.waitstatus_to_exitcode(code) == 0
    assert status(tmp_path)["state"] == "stopped"
    assert b"Traceback" not in out
    # Log lines go to the state dir's log, never over the screen.
    assert (tmp_path / paths.LOG_NAME).exists()


@pytest.mark.parametrize("ignore_hup", [False, True], ids=["sighup", "nohup"])
def test_vanished_terminal_flushes_and_exits(tmp_path, ignore_hup):
    """The SSH drop: the terminal's master side closes under the app.  With
    SIGHUP ignored (nohup) the dead tty itself is noticed."""
    out = bytearray()
    pid, fd = spawn_app(tmp_path, ignore_hup=ignore_hup)
    wait_running(pid, fd, tmp_path, out)
    os.close(fd)
    code, took = wait_exit(pid, None, out)
    print(f"terminal closed: exited in {took:.2f} s")
    assert os.waitstatus_to_exitcode(code) == 0
    assert status(tmp_path)["state"] == "stopped"


@pytest.mark.parametrize("name", ["rec.jsonl", "rec.jsonl.gz"])
def test_recorder_killed_with_sigkill_leaves_every_complete_line(tmp_path, name):
    """`report` and `replay` read back a prefix of what was recorded: no torn line, no gap."""
    import subprocess

    from feeds.events import Liquidation
    from feeds.recording import ReadStats, read_events, write_events

    # 10k liquidations 10 ms apart, re-recorded at 10x: 1000 events a second for 10 s.
    source = tmp_path / "source.jsonl"
    # Stamped just behind the wall clock, as live data is: the recorder's own
    # feed_status lines carry wall time, and a report reads both on one clock.
    t0 = int(time.time() * 1000) - 10_000
    events = [Liquidation(t0 + 10 * i, "binance", "BTC/USDT:USDT", "long" if i % 3 else "short", 1e5 + i, 0.5, 5e4 + i)
              for i in range(10_000)]
    write_events(source, events)
    out = tmp_path / name
    env = {**os.environ, paths.STATE_DIR_ENV: str(tmp_path)}
    env.pop("LIQWATCH_CONFIG", None)
    proc = subprocess.Popen([sys.executable, "-m", "tui", "record", str(out), "--replay", str(source), "--speed", "10"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + BOUND_S
        while time.monotonic() < deadline:
            st = status(tmp_path)
            if st and st["events"] > 2000:
                break
            time.sleep(0.02)
        else:
            pytest.fail("the recorder did not get going")
        time.sleep(0.5)  # mid-stream: a write is in flight
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=BOUND_S)
    finally:
        proc.kill()
        proc.wait()
    stats = ReadStats()
    got = [e for e in read_events(out, on_bad_line=None, stats=stats) if e.KIND != "feed_status"]
    assert stats.bad == []
    assert 2000 < len(got) < len(events)  # killed mid-stream, and the flushed part is there
    assert got == events[: len(got)]  # every complete line, in order, nothing torn or skipped
    rep = subprocess.run([sys.executable, "-m", "tui", "report", "--json", str(out)], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=BOUND_S)
    assert rep.returncode == 0 and "Traceback" not in rep.stderr, rep.stderr
