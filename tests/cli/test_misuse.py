"""Misuse through the real command line: every bad input gets one clear line,
the documented exit status, no traceback, and nothing lost (issue 13)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from indicators.snapshot import FeedHealth, LiquidationSnapshot, Snapshot
from tui.cli.status import FIELDS
from tui.runtime import paths, statefile
from tui.runtime.status_data import status_dict

ROOT = Path(__file__).resolve().parents[2]


def liqwatch(*args: str, state_dir: Path | None = None, shell_pipe: str = "") -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if state_dir is not None:
        env[paths.STATE_DIR_ENV] = str(state_dir)
    cmd = [sys.executable, "-m", "tui", *args]
    if shell_pipe:
        # The command's own exit status, through a pipe whose reader leaves early.
        line = " ".join(f"'{c}'" for c in cmd) + f" | {shell_pipe}; exit ${{PIPESTATUS[0]}}"
        return subprocess.run(["bash", "-c", line], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)


def usage_error(out: subprocess.CompletedProcess, flag: str, command: str) -> None:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert f"argument {flag}" in out.stderr
    # The subcommand's own usage, not the top level's.
    assert out.stderr.startswith(f"usage: liqwatch {command}".rstrip()), out.stderr


@pytest.mark.parametrize(
    ("args", "flag", "command"),
    [
        (["tape", "--demo", "--speed", "nan"], "--speed", "tape"),
        (["tape", "--demo", "--speed", "inf"], "--speed", "tape"),
        (["tape", "--demo", "--min-usd", "nan"], "--min-usd", "tape"),
        (["tape", "--demo", "--min-usd", "-5"], "--min-usd", "tape"),
        (["record", "x.jsonl", "--demo", "--duration", "nan"], "--duration", "record"),
        (["record", "x.jsonl", "--demo", "--duration", "0"], "--duration", "record"),
        (["record", "x.jsonl", "--demo", "--speed", "-inf"], "--speed", "record"),
        (["replay", "x.jsonl", "--speed", "nan"], "--speed", "replay"),
        (["--demo", "--speed", "0"], "--speed", ""),
    ],
)
def test_non_finite_or_out_of_range_flags_are_usage_errors(args, flag, command, tmp_path):
    usage_error(liqwatch(*args, state_dir=tmp_path), flag, command)


def test_version():
    out = liqwatch("--version")
    assert out.returncode == 0 and out.stdout.startswith("liqwatch ") and out.stdout.split()[1][0].isdigit()


def _write_status(state_dir: Path, data: dict) -> None:
    statefile.write_atomic(str(state_dir / paths.STATUS_NAME), data)


def _snapshot(feeds: tuple[FeedHealth, ...]) -> Snapshot:
    return Snapshot(as_of=0, events=1, liquidations=LiquidationSnapshot(windows=()), feeds=feeds)


def test_status_template_is_checked_before_the_status_file(tmp_path):
    """No status file, a bad template: the documented 2, not 3."""
    for template in ("{bogus", "{not_a_field}"):
        out = liqwatch("status", "--format", template, state_dir=tmp_path)
        assert out.returncode == 2 and "bad --format template" in out.stderr and "Traceback" not in out.stderr


def test_status_template_fields_are_the_writers():
    """The fields `status --format` accepts are exactly what the writer formats (plus age and stale)."""
    text = status_dict(_snapshot(()), "LIVE", 0)["text"]
    assert set(FIELDS) == set(text) | {"age", "stale"}


@pytest.mark.parametrize("written_ms", ['"abc"', "null", "true", "[1]"])
def test_a_corrupt_status_file_reads_as_not_running(written_ms, tmp_path):
    (tmp_path / paths.STATUS_NAME).write_text('{"v":1,"written_ms":%s,"line":"x"}' % written_ms)
    out = liqwatch("status", state_dir=tmp_path)
    assert out.returncode == 3 and out.stdout.strip() == "liq: not running" and "Traceback" not in out.stderr


def test_status_into_a_closed_pipe_is_quiet(tmp_path):
    now = int(time.time() * 1000)
    _write_status(tmp_path, status_dict(_snapshot((FeedHealth(feed="binance", state="live"),)), "LIVE", now))
    out = liqwatch("status", "--json", state_dir=tmp_path, shell_pipe="head -c 10")
    assert out.returncode == 0 and len(out.stdout) == 10
    assert "Traceback" not in out.stderr and "BrokenPipe" not in out.stderr


def test_status_says_feeds_down_when_no_feed_is_live(tmp_path):
    """0 of 2 feeds live must not read as a calm market in a tmux bar."""
    now = int(time.time() * 1000)
    feeds = (FeedHealth(feed="binance", state="down"), FeedHealth(feed="okx", state="stale"))
    _write_status(tmp_path, status_dict(_snapshot(feeds), "LIVE", now))
    out = liqwatch("status", state_dir=tmp_path)
    assert out.returncode == 4
    assert out.stdout.startswith("feeds down 0/2 live | ")
    assert json.loads(liqwatch("status", "--json", state_dir=tmp_path).stdout)["feeds_down"] is True


def test_starting_feeds_are_not_down(tmp_path):
    """Feeds still connecting (a start) or one live among failures: not "feeds down"."""
    now = int(time.time() * 1000)
    for feeds in ((FeedHealth(feed="binance", state="connecting"), FeedHealth(feed="okx", state="down")),
                  (FeedHealth(feed="binance", state="live"), FeedHealth(feed="okx", state="down"))):
        _write_status(tmp_path, status_dict(_snapshot(feeds), "LIVE", now))
        out = liqwatch("status", state_dir=tmp_path)
        assert out.returncode == 0 and "feeds down" not in out.stdout
