"""`liqwatch tape`: text lines, JSON lines, the filter, and a reader that goes away."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from feeds.events import Liquidation, MarketCap
from feeds.recording import from_dict, write_events

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_762_290_000_000  # 2025-11-04 21:00:00 UTC

EVENTS = [
    Liquidation(T0 + 1000, "binance", "BTC/USDT:USDT", "long", 64012.5, 18.9, 1_209_836.25),
    MarketCap(T0 + 1500, "coingecko", 3.5e12),
    Liquidation(T0 + 2000, "okx", "FROG/USDT:USDT", "short", 0.0785, 100_000.0, 7_850.0),
    Liquidation(T0 + 3000, "bybit", "ETH/USDT:USDT", "short", 3101.25, 200.0, 620_250.0),
]


def tape(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LIQWATCH_CONFIG"}
    env["TZ"] = "UTC"
    return subprocess.run([sys.executable, "-m", "tui", "tape", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, **kw)


def recording(tmp_path) -> str:
    path = tmp_path / "r.jsonl"
    write_events(path, EVENTS)
    return str(path)


def test_text_lines(tmp_path):
    """Each line carries its date: a log outlives its day, a replay is of another one."""
    out = tape("--replay", recording(tmp_path), "--speed", "1000")
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == [
        "2025-11-04 21:00:01  binance      BTC/USDT:USDT      ▼ LONG   $1.21M  @ 64,012.5",
        "2025-11-04 21:00:02  okx          FROG/USDT:USDT     ▲ SHORT  $7.85K  @ 0.07850",
        "2025-11-04 21:00:03  bybit        ETH/USDT:USDT      ▲ SHORT   $620K  @ 3,101.25",
    ]


def test_json_lines_are_recording_lines(tmp_path):
    out = tape("--replay", recording(tmp_path), "--speed", "1000", "--json")
    assert out.returncode == 0, out.stderr
    got = [from_dict(json.loads(line)) for line in out.stdout.splitlines()]
    assert got == [e for e in EVENTS if isinstance(e, Liquidation)]


def test_min_usd(tmp_path):
    out = tape("--replay", recording(tmp_path), "--speed", "1000", "--json", "--min-usd", "500000")
    assert [json.loads(line)["usd"] for line in out.stdout.splitlines()] == [1_209_836.25, 620_250.0]


def test_closed_pipe_ends_quietly_with_status_0():
    """`liqwatch tape --demo | head -2`: no traceback, exit 0, and it does not linger."""
    proc = subprocess.Popen([sys.executable, "-m", "tui", "tape", "--demo", "--speed", "600"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        lines = [proc.stdout.readline() for _ in range(2)]
        proc.stdout.close()  # what head does after its lines
        assert proc.wait(timeout=30) == 0
        assert all(" @ " in line for line in lines)
        assert proc.stderr.read() == ""
    finally:
        proc.kill()
        proc.wait()




def test_a_feed_that_fails_is_named_and_the_exit_status_is_1(capsys):
    """A replay runs alone: when it fails, tape says which feed and why."""
    from datetime import timezone

    from feeds.base import Feed
    from tui.cli.tape import run_tape

    class Unreadable(Feed):
        name = "replay"

        async def run(self, emit) -> None:
            await emit(EVENTS[:1])
            raise OSError("Input/output error")

    assert run_tape([Unreadable()], False, 0.0, timezone.utc) == 1
    out = capsys.readouterr()
    assert out.out.splitlines() == ["2025-11-04 21:00:01  binance      BTC/USDT:USDT      ▼ LONG   $1.21M  @ 64,012.5"]
    assert "liqwatch tape: feed replay failed: OSError: Input/output error" in out.err
