"""`liqwatch status`: the line for tmux, from the status file the app writes each second."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

import platformdirs
import pytest

from feeds.events import Liquidation
from indicators.snapshot import CapSnapshot, LiquidationSnapshot, Mood, Snapshot, WindowTotals
from tui.runtime import paths, statefile
from tui.cli.status import EXIT_BAD_TEMPLATE, EXIT_FRESH, EXIT_NOT_RUNNING, EXIT_STALE, NOT_RUNNING
from tui.runtime.status_data import status_dict

ROOT = Path(__file__).resolve().parents[2]


def sample_snapshot(as_of: int = 1_762_290_000_000) -> Snapshot:
    big = Liquidation(as_of - 5000, "binance", "BTC/USDT:USDT", "long", 100_000.0, 50.0, 5e6)
    w1 = WindowTotals("1h", 3600, long_usd=495.72e6, short_usd=116.28e6, count=900, largest=big)
    w24 = WindowTotals("24h", 86400, long_usd=1.2e9, short_usd=0.8e9, count=9000, largest=big)
    cap = CapSnapshot(usd=3.5e12, ts=as_of, source="coingecko", low=3.2e12, high=3.84e12, position=0.47,
                      state="inside", days_in_range=12.0)
    moods = (Mood("FROG/USDT:USDT", price=0.08, bai=82.4), Mood("BTC/USDT:USDT", price=1e5, bai=12.0))
    return Snapshot(as_of=as_of, events=12345, liquidations=LiquidationSnapshot(windows=(w1, w24)), cap=cap, moods=moods)


def run_status(state_dir: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, paths.STATE_DIR_ENV: str(state_dir)}
    return subprocess.run([sys.executable, "-m", "tui", "status", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=30)


def write(state_dir: Path, written_ms: int, **extra) -> dict:
    data = status_dict(sample_snapshot(), "LIVE", written_ms)
    data.update(extra)
    statefile.write_atomic(str(state_dir / paths.STATUS_NAME), data)
    return data


def test_the_line_is_built_with_the_snapshot_data():
    data = status_dict(sample_snapshot(), "LIVE", 0)
    assert data["line"] == "liq 1h $612M ▼L 81% | cap $3.50T 47% in range | BAI FROG 82"
    assert data["liq_1h_usd"] == pytest.approx(612e6)
    assert data["bai_symbol"] == "FROG/USDT:USDT" and data["cap_state"] == "inside"
    assert json.loads(json.dumps(data)) == data  # plain JSON values only


def test_demo_and_replay_say_so_and_outside_the_range_reads_so():
    snap = sample_snapshot()
    cap = CapSnapshot(usd=3.9e12, ts=0, source="x", low=3.2e12, high=3.84e12, position=1.09, state="above",
                      days_in_range=0)
    snap = Snapshot(as_of=snap.as_of, liquidations=snap.liquidations, cap=cap, moods=())
    assert status_dict(snap, "DEMO", 0)["line"] == "DEMO | liq 1h $612M ▼L 81% | cap $3.90T above range"


def test_fresh_file(tmp_path):
    data = write(tmp_path, int(time.time() * 1000))
    out = run_status(tmp_path)
    assert (out.returncode, out.stdout) == (EXIT_FRESH, data["line"] + "\n")


def test_stale_file(tmp_path):
    start = time.time()
    data = write(tmp_path, int(start * 1000) - 60_000)
    out = run_status(tmp_path)
    # The file's age when `status` read it: 60 s plus however long the
    # command took to start (more than a second on a loaded machine).
    oldest = math.ceil(60 + time.time() - start)
    assert out.returncode == EXIT_STALE
    assert out.stdout in [f"stale {age}s | {data['line']}\n" for age in range(60, oldest + 1)], out.stdout


def test_stopped_writer_says_when(tmp_path):
    write(tmp_path, int(time.time() * 1000), state="stopped")
    out = run_status(tmp_path)
    assert out.returncode == EXIT_STALE and out.stdout.startswith("stopped ")


def test_missing_file(tmp_path):
    out = run_status(tmp_path / "nothing-here")
    assert (out.returncode, out.stdout, out.stderr) == (EXIT_NOT_RUNNING, NOT_RUNNING + "\n", "")


def test_format_fields(tmp_path):
    write(tmp_path, int(time.time() * 1000))
    out = run_status(tmp_path, "--format", "{liq_1h} {side} {side_pct}|{liq_24h}|{cap} {cap_pos} {cap_state}|"
                                            "{bai_symbol} {bai} {bai_band}|{mode}|{feeds}|{stale}|")
    assert out.returncode == EXIT_FRESH, out.stderr
    assert out.stdout == "$612M ▼L 81%|$2.00B|$3.50T 47% in range|FROG 82 going to zero|LIVE|0/0||\n"
    stale = write(tmp_path, int(time.time() * 1000) - 120_000)
    out = run_status(tmp_path, "--format", "{stale}: {line}")
    assert out.stdout == f"stale 2m: {stale['line']}\n"


def test_format_equals_form_and_help_fall_back_to_argparse(tmp_path):
    write(tmp_path, int(time.time() * 1000))
    assert run_status(tmp_path, "--format={bai_symbol}").stdout == "FROG\n"
    assert "--format TEMPLATE" in run_status(tmp_path, "--help").stdout
    out = run_status(tmp_path, "--json", "--format", "{bai}")
    assert out.returncode == 2 and "not allowed with" in out.stderr


def test_unknown_format_field_is_a_usage_error(tmp_path):
    write(tmp_path, int(time.time() * 1000))
    out = run_status(tmp_path, "--format", "{nope}")
    assert out.returncode == EXIT_BAD_TEMPLATE
    assert "nope" in out.stderr and "fields:" in out.stderr and "Traceback" not in out.stderr


def test_json(tmp_path):
    data = write(tmp_path, int(time.time() * 1000))
    out = run_status(tmp_path, "--json")
    got = json.loads(out.stdout)
    assert got["stale"] is False and got["line"] == data["line"] and got["cap_usd"] == 3.5e12


def test_state_dir_matches_platformdirs(monkeypatch, tmp_path):
    monkeypatch.delenv(paths.STATE_DIR_ENV, raising=False)
    monkeypatch.delenv("XDG_STATE_HOME", raising=False)
    assert paths.state_dir() == platformdirs.user_state_dir("liqwatch")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    assert paths.state_dir() == platformdirs.user_state_dir("liqwatch") == str(tmp_path / "liqwatch")


def test_status_imports_nothing_heavy(tmp_path):
    """tmux runs it every few seconds: the UI, numeric and exchange libraries stay out."""
    code = (
        "import sys\n"
        "from tui.cli import main\n"
        "main(['status'])\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    env = {**os.environ, paths.STATE_DIR_ENV: str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=30)
    loaded = set(out.stdout.splitlines()[-1].split())
    assert not loaded & {"textual", "rich", "numpy", "ccxt", "aiohttp", "platformdirs", "tomllib", "indicators", "feeds",
                         "argparse", "datetime"}


def test_a_forming_cap_range_is_said_so_without_a_position():
    snap = sample_snapshot()
    cap = CapSnapshot(usd=3.36e12, ts=0, source="x", low=3.35e12, high=3.36e12, position=None, state="forming",
                      days_in_range=0, covered_days=41 / 1440)
    snap = Snapshot(as_of=snap.as_of, liquidations=snap.liquidations, cap=cap, moods=())
    data = status_dict(snap, "LIVE", 0)
    assert data["line"] == "liq 1h $612M ▼L 81% | cap $3.36T range forming"
    assert (data["text"]["cap_pos"], data["text"]["cap_state"]) == ("—", "range forming")


def test_lvr_is_compact_like_the_pane():
    from indicators.snapshot import LeverageSnapshot

    snap = sample_snapshot()
    snap = Snapshot(as_of=snap.as_of, liquidations=snap.liquidations, leverage=LeverageSnapshot(lvr_24h=8_223_078.0))
    assert status_dict(snap, "LIVE", 0)["text"]["lvr"] == "$8.22M"
