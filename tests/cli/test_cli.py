"""The command line: bad input gets a clear message and exit 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def liqwatch(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, env=env
    )


def test_bad_config_key_is_named_with_its_line_and_exits_2(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[ui]\ntheme = "liqwatch-dark"\nlarge_usdd = 5\n')
    out = liqwatch("--config", str(cfg), "--demo")
    assert out.returncode == 2
    assert "ui.large_usdd (line 3): unknown key" in out.stderr
    assert "Traceback" not in out.stderr


def test_bad_value_type_is_named(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[indicators]\nstorm_multiple = \"three\"\n")
    out = liqwatch("report", "--demo", "--config", str(cfg))
    assert out.returncode == 2
    assert "indicators.storm_multiple (line 2): must be a number" in out.stderr


def test_missing_named_config_file(tmp_path):
    out = liqwatch("--config", str(tmp_path / "nope.toml"), "--demo")
    assert out.returncode == 2 and "no such file" in out.stderr
