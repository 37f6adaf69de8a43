"""The TUI under load in a real pseudo-terminal at 120x40.

    python -m bench.tui [--seconds S] [--rates 0,100,1000,5000] [--quick]

For each rate, ``bench/tui_child.py`` (the real app from ``make_app`` with a
synthetic liquidation feed, bench code only) runs in a pty of 120x40 while
this process reads everything it writes, as a terminal emulator would.
After the first frame and ``WARMUP_S`` of load, over ``S`` seconds:

* CPU: the child's user + system time from ``/proc/<pid>/stat``, as a share
  of one core;
* event-to-screen latency: each liquidation's price encodes its sequence
  number, so the first time ``@ 1,000,123.0`` shows up in the output stream
  is when event 123 reached the screen; latency = that moment minus the
  moment the feed emitted it (p50 and p99 over the events that were drawn;
  at 1,000/s the tape shows the newest rows of each 4 Hz redraw, so most
  events scroll past between redraws and are never drawn, as intended);
* terminal output in KiB/s.

Separately, the time to the first frame: ``liqwatch --demo`` (``python -m
tui --demo``) from process start until the first full frame (the status line
badge and the tape title) has been written to the pty, beside a bare
Textual app that paints the same words (the floor: what Textual alone costs
on this machine now).

Targets (issue 5, issue 19): at 1,000/s CPU <= 30 % of one core, p99 <= 500
ms, <= 60 KiB/s; idle (0/s) CPU <= 0.5 %; first frame within 0.35 s.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
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
from typing import Any

from bench.tui_child import MARKER_BASE
from tui.runtime import paths

COLS, ROWS = 120, 40
WARMUP_S = 3.0
RATES = (0, 100, 1000, 5000)
TARGET_CPU_1K = 30.0
TARGET_CPU_IDLE = 0.5
TARGET_P99_MS = 500.0
TARGET_KIB_S = 60.0
TARGET_FIRST_FRAME_S = 0.35
# The floor of the first frame: Textual painting the two words the bench waits for, and nothing else.
BARE_TEXTUAL = """
from textual.app import App
from textual.widgets import Static
class Bare(App):
    def compose(self):
        yield Static("DEMO Tape")
Bare().run()
"""
MARKER = re.compile(rb"@ (1,\d{3},\d{3}\.\d)")
CLK_TCK = os.sysconf("SC_CLK_TCK")


def _spawn(argv: list[str], state_dir: str) -> tuple[subprocess.Popen[bytes], int]:
    """Start ``argv`` on a new pty of COLSxROWS; returns the process and the master fd.

    ``state_dir`` is the app's own, empty: with the user's, the app would
    warm-start from the history earlier runs left (a 5,000/s run stores
    100k liquidations) and the "idle" figure would time that load."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "TEXTUAL", "TMUX")}
    env.update(TERM="xterm-256color", COLORTERM="truecolor", COLUMNS=str(COLS), LINES=str(ROWS),
               **{paths.STATE_DIR_ENV: state_dir})
    proc = subprocess.Popen(
        argv, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True, close_fds=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    os.close(slave)
    return proc, master


def _cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def _read(master: int, timeout: float) -> bytes:
    ready, _, _ = select.select([master], [], [], timeout)
    if not ready:
        return b""
    try:
        return os.read(master, 1 << 16)
    except OSError:  # the child closed the pty
        return b""


def _stop(proc: subprocess.Popen[bytes], master: int) -> None:
    """Quit the app with its own key (it writes its emit log at exit)."""
    try:
        os.write(master, b"q")
    except OSError:
        pass
    deadline = time.monotonic() + 10
    while proc.poll() is None and time.monotonic() < deadline:
        _read(master, 0.1)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    os.close(master)


def _first_frame(master: int, started: float, timeout: float, needles: tuple[bytes, ...]) -> tuple[float | None, bytes]:
    seen = b""
    while time.monotonic() - started < timeout:
        chunk = _read(master, 0.05)
        seen += chunk
        if all(n in seen for n in needles):
            return time.monotonic() - started, seen
    return None, seen


def import_costs() -> dict[str, float]:
    """Cumulative import time of what the app loads before its first paint
    (``python -X importtime``), to say where the first frame's time goes."""
    proc = subprocess.run([sys.executable, "-X", "importtime", "-c", "import tui.app"], capture_output=True, text=True,
                          cwd=Path(__file__).resolve().parent.parent, timeout=60)
    out: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() in ("textual.app", "indicators.engine", "numpy", "tui.app"):
            out.setdefault(parts[2].strip(), round(int(parts[1]) / 1000, 1))
    return out


def first_frame(timeout: float = 20.0, repeat: int = 5) -> dict[str, Any]:
    """``liqwatch --demo`` from spawn to its first full frame (best and median
    of ``repeat``), and a bare Textual app's, the runs interleaved so that both
    see the same neighbours."""
    times, bare = [], []
    for _ in range(repeat):
        for argv, out in (([sys.executable, "-m", "tui", "--demo"], times), ([sys.executable, "-c", BARE_TEXTUAL], bare)):
            with tempfile.TemporaryDirectory() as state_dir:
                started = time.monotonic()
                proc, master = _spawn(argv, state_dir)
                t, _ = _first_frame(master, started, timeout, (b"DEMO", b"Tape"))
                _stop(proc, master)
            if t is not None:
                out.append(t)
    return {
        "bare_textual_s_median": round(statistics.median(bare), 3) if bare else None,
        "imports_ms": import_costs(),
        "runs": repeat,
        "drawn": len(times),
        "first_frame_s_best": round(min(times), 3) if times else None,
        "first_frame_s_median": round(statistics.median(times), 3) if times else None,
    }


def _percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def under_load(rate: float, seconds: float) -> dict[str, Any]:
    """One run of the app at ``rate`` liquidations/s; figures over ``seconds`` after warm-up."""
    with tempfile.TemporaryDirectory() as tmp:
        emit_log = Path(tmp) / "emits.json"
        started = time.monotonic()
        proc, master = _spawn([sys.executable, "-m", "bench.tui_child", "--rate", str(rate), "--emit-log", str(emit_log)],
                              tmp)
        shown, _ = _first_frame(master, started, 30.0, (b"BENCH", b"Tape"))
        if shown is None:
            _stop(proc, master)
            return {"rate": rate, "error": "no first frame within 30 s"}
        first_seen: dict[int, float] = {}
        tail = b""

        def pump(timeout: float) -> int:
            nonlocal tail
            chunk = _read(master, timeout)
            if chunk:
                now = time.time()
                text = tail + chunk
                for m in MARKER.finditer(text):
                    seq = int(m.group(1).replace(b",", b"").split(b".")[0]) - MARKER_BASE
                    first_seen.setdefault(seq, now)
                tail = text[-24:]
            return len(chunk)

        warm_until = time.monotonic() + WARMUP_S
        while time.monotonic() < warm_until:
            pump(0.05)
        cpu0, wall0, t0 = _cpu_s(proc.pid), time.monotonic(), time.time()
        out_bytes = 0
        while time.monotonic() - wall0 < seconds:
            out_bytes += pump(0.05)
        cpu1, wall1, t1 = _cpu_s(proc.pid), time.monotonic(), time.time()
        _stop(proc, master)
        emits = json.loads(emit_log.read_text()) if emit_log.exists() else []
    elapsed = wall1 - wall0
    # Events of the last moments may not be drawn before the app quits: they are left out.
    tail = min(1.0, elapsed / 4)
    emitted_at: dict[int, float] = {}
    prev = 0
    for last, when in emits:
        for seq in range(prev + 1, last + 1):
            emitted_at[seq] = when
        prev = last
    latencies = [
        (first_seen[seq] - when) * 1000
        for seq, when in emitted_at.items()
        if t0 <= when <= t1 - tail and seq in first_seen
    ]
    in_window = sum(1 for when in emitted_at.values() if t0 <= when <= t1)
    out: dict[str, Any] = {
        "rate": rate,
        "seconds": round(elapsed, 1),
        "cpu_pct": round(100 * (cpu1 - cpu0) / elapsed, 1),
        "kib_per_s": round(out_bytes / 1024 / elapsed, 1),
        "events_emitted": in_window,
        "achieved_rate": round(in_window / elapsed),
        "events_drawn": len(latencies),
    }
    if latencies:
        out["latency_ms_p50"] = round(statistics.median(latencies), 1)
        out["latency_ms_p99"] = round(_percentile(latencies, 0.99), 1)
        out["latency_ms_max"] = round(max(latencies), 1)
    return out


def run(seconds: float = 20.0, rates: tuple[float, ...] = RATES, headline_seconds: float | None = None, first_frame_runs: int = 5) -> dict[str, Any]:
    """Every rate (``headline_seconds`` for 1,000/s when given) and the first frame."""
    results = []
    for rate in rates:
        s = headline_seconds if (headline_seconds and rate == 1000) else seconds
        results.append(under_load(rate, s))
    return {"size": f"{COLS}x{ROWS}", "warmup_s": WARMUP_S, "rates": results, "first_frame": first_frame(repeat=first_frame_runs)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.tui", description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0, help="measured seconds per rate (default 20)")
    ap.add_argument("--headline-seconds", type=float, default=60.0, help="measured seconds at 1,000/s (default 60)")
    ap.add_argument("--rates", default=",".join(map(str, RATES)))
    args = ap.parse_args(argv)
    figures = run(args.seconds, tuple(float(r) for r in args.rates.split(",")), args.headline_seconds)
    print(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
