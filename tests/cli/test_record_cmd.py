"""`liqwatch record`: what it writes, what it says, and bad paths."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from feeds.events import FeedStatus, Liquidation, MarketCap
from feeds.recording import read_events, write_events

ROOT = Path(__file__).resolve().parents[2]
T0 = 1_762_290_000_000

EVENTS = [
    Liquidation(T0 + 1000, "binance", "BTC/USDT:USDT", "long", 64012.5, 18.9, 1_209_836.25),
    FeedStatus(T0 + 1200, "okx", "down", "ConnectionResetError; retry in 1.0 s"),
    MarketCap(T0 + 1500, "coingecko", 3.5e12),
    Liquidation(T0 + 2000, "okx", "FROG/USDT:USDT", "short", 0.0785, 100_000.0, 7_850.0),
]


def record(*args: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "LIQWATCH_CONFIG"}
    env["LIQWATCH_STATE_DIR"] = str(tmp_path / "state")
    return subprocess.run([sys.executable, "-m", "tui", "record", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)


def test_re_recording_a_recording_writes_the_same_events(tmp_path):
    """A replay runs alone, not under the supervisor: the copy holds the
    source's events, its outages included, and nothing of the replay's own."""
    source, copy = tmp_path / "source.jsonl", tmp_path / "copy.jsonl.gz"
    write_events(source, EVENTS)
    out = record(str(copy), "--replay", str(source), "--speed", "1000", tmp_path=tmp_path)
    assert out.returncode == 0, out.stderr
    assert list(read_events(copy)) == EVENTS
    assert f"recorded 4 events to {copy}: 1 feed_status, 2 liquidation, 1 market_cap" in out.stderr


def test_a_path_that_cannot_be_written_is_named(tmp_path):
    source = tmp_path / "source.jsonl"
    write_events(source, EVENTS)
    target = tmp_path / "missing" / "out.jsonl"
    out = record(str(target), "--replay", str(source), tmp_path=tmp_path)
    assert out.returncode == 2
    assert out.stderr.strip() == f"liqwatch record: cannot write {target}: No such file or directory"
