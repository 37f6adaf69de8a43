"""`liqwatch config path | init | check`, the commented default, and flags over the file."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tui.cli import build_parser
from tui.cli.common import config_from_args
from tui.runtime.config import Config, config_keys, parse
from tui.cli.config import default_text

ROOT = Path(__file__).resolve().parents[2]


def liqwatch(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    full = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "tui", *args], cwd=ROOT, capture_output=True, text=True, timeout=60, env=full
    )


def _uncommented(text: str) -> str:
    """The template with every `# key = value` line switched on."""
    return re.sub(r"^# ([A-Za-z0-9_]+ = )", r"\1", text, flags=re.M)


def test_template_names_every_config_key():
    text = _uncommented(default_text())
    present = set()
    table = ""
    for line in text.splitlines():
        if m := re.match(r"^\[([^\]]+)\]", line):
            table = m.group(1)
        elif m := re.match(r"^([A-Za-z0-9_]+) = ", line):
            present.add(f"{table}.{m.group(1)}" if table else m.group(1))
    assert set(config_keys()) == present


def test_template_values_are_the_defaults():
    """Uncommented, the template is exactly the built-in defaults: it cannot drift."""
    assert parse(_uncommented(default_text())) == Config()


def test_init_then_check_passes(tmp_path):
    cfg = tmp_path / "sub" / "config.toml"
    out = liqwatch("config", "init", "--config", str(cfg))
    assert out.returncode == 0, out.stderr
    assert cfg.read_text() == default_text()
    out = liqwatch("config", "check", "--config", str(cfg))
    assert out.returncode == 0 and "OK" in out.stdout


def test_init_refuses_to_overwrite_without_force(tmp_path):
    cfg = tmp_path / "config.toml"
    cfg.write_text("[ui]\ntheme = 'mine'\n")
    out = liqwatch("config", "init", "--config", str(cfg))
    assert out.returncode == 1 and "--force" in out.stderr
    assert "mine" in cfg.read_text()
    assert liqwatch("config", "init", "--force", "--config", str(cfg)).returncode == 0
    assert cfg.read_text() == default_text()


def test_path_follows_flag_then_env(tmp_path):
    env = {"LIQWATCH_CONFIG": str(tmp_path / "env.toml")}
    assert liqwatch("config", "path", env=env).stdout.strip() == str(tmp_path / "env.toml")
    out = liqwatch("config", "path", "--config", str(tmp_path / "flag.toml"), env=env)
    assert out.stdout.strip() == str(tmp_path / "flag.toml")


def test_path_defaults_to_the_platform_config_dir(tmp_path):
    env = {"LIQWATCH_CONFIG": "", "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert liqwatch("config", "path", env=env).stdout.strip() == str(tmp_path / "xdg" / "liqwatch" / "config.toml")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[ui]\ntheme = 'x'\nlarge_usdd = 5\n", "ui.large_usdd (line 3): unknown key"),
        ("\n[history]\nretention_days = 'long'\n", "history.retention_days (line 3): must be a number"),
        ("[history]\nenabled = true\nretention_days = 1\n",
         "history.retention_days (line 3): must be in [2, 3650], got 1.0"),
        ("watchlist = 'BTC'\n", "watchlist (line 1): must be a list of strings"),
        ("[exchanges.kraken]\nenabled = true\n", "exchanges.kraken (line 1): unknown name"),
        ("[ui\ntheme = 1\n", "(syntax) (line 1)"),
    ],
    ids=["unknown-key", "wrong-type", "bad-value", "wrong-type-list", "unknown-table", "syntax"],
)
def test_bad_config_is_named_and_exits_2(tmp_path, text, expected):
    cfg = tmp_path / "c.toml"
    cfg.write_text(text)
    out = liqwatch("config", "check", "--config", str(cfg))
    assert out.returncode == 2, out
    assert expected in out.stderr
    assert "Traceback" not in out.stderr


@pytest.mark.parametrize("command", [("tape", "--demo"), ("replay", "x.jsonl"), ("report", "--demo"), ("--demo",)])
def test_every_command_refuses_a_bad_config_the_same_way(tmp_path, command):
    """`status` is the one exception: it reads only the status file, never the config."""
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ui]\ntheme = 'x'\nlarge_usdd = 5\n")
    out = liqwatch(*command, env={"LIQWATCH_CONFIG": str(cfg)})
    assert out.returncode == 2, out
    assert f"{cfg}: ui.large_usdd (line 3): unknown key" in out.stderr
    assert "Traceback" not in out.stderr


def test_theme_flag_overrides_the_file(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ui]\ntheme = 'liqwatch-light'\nlarge_usd = 2e6\n")
    args = build_parser().parse_args(["--config", str(cfg), "--theme", "liqwatch-contrast", "--demo"])
    got = config_from_args(args, args.parser)
    assert got.ui.theme == "liqwatch-contrast"
    assert got.ui.large_usd == 2e6  # what no flag names still comes from the file
    args = build_parser().parse_args(["--config", str(cfg), "--demo"])
    assert config_from_args(args, args.parser).ui.theme == "liqwatch-light"
