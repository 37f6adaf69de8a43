"""The one rule of direction: feeds -> indicators -> tui (DESIGN.md).

Each layer's modules are imported in a fresh interpreter and ``sys.modules``
is checked, so an indirect import (a helper that pulls in rich) is caught as
surely as a direct one.
"""

from __future__ import annotations

import json
import os
import pkgutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def modules_of(package: str) -> list[str]:
    path = ROOT.joinpath(*package.split("."))
    names = [package]
    for info in pkgutil.walk_packages([str(path)], prefix=f"{package}."):
        if info.name.endswith("__main__"):
            continue
        names.append(info.name)
    return names


def loaded_after_importing(modules: list[str]) -> set[str]:
    code = (
        "import importlib, json, sys\n"
        f"for m in {modules!r}: importlib.import_module(m)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def top_level(names: set[str]) -> set[str]:
    return {n.split(".")[0] for n in names}


def test_feeds_import_neither_indicators_nor_tui_nor_ui_libraries():
    loaded = top_level(loaded_after_importing(modules_of("feeds")))
    assert not loaded & {"indicators", "tui", "textual", "rich"}


def test_building_the_app_and_its_live_feeds_does_not_import_ccxt():
    """ccxt is a heavy import: it must wait until a venue feed runs, after the first frame."""
    code = (
        "import sys\n"
        "from tui.app import AppOptions, make_app\n"
        "from tui.runtime.config import Config\n"
        "from tui.runtime.live import live_feeds\n"
        "from tui.format import LIVE\n"
        "feeds = live_feeds(Config())\n"
        "make_app(AppOptions(LIVE, feeds))\n"
        "assert len(feeds) >= 6, feeds\n"
        "print('ccxt' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_indicators_are_pure():
    loaded = loaded_after_importing(modules_of("indicators"))
    assert not top_level(loaded) & {"tui", "textual", "rich", "ccxt", "aiohttp"}
    # From feeds, only the event types (and plain settings) may come in.
    feeds_modules = {n for n in loaded if n == "feeds" or n.startswith("feeds.")}
    assert feeds_modules <= {"feeds", "feeds.events", "feeds.settings"}


UI_LIBRARIES = {"textual", "rich"}
# What a command may not pay for before it runs: the parser imports every command module.
HEAVY = UI_LIBRARIES | {"numpy", "msgspec", "orjson", "ccxt", "aiohttp", "indicators", "sqlite3", "nats", "textual_serve"}


def test_the_headless_half_of_tui_imports_no_ui_library():
    """tui/cli and tui/runtime are what ``status``, ``report``, ``record`` and
    ``tape`` are built from: none of their modules imports Textual or Rich."""
    loaded = top_level(loaded_after_importing(modules_of("tui.cli") + modules_of("tui.runtime")))
    assert not loaded & UI_LIBRARIES


def test_building_the_parser_imports_nothing_heavy():
    """Every command module is imported to build the parser, the TUI's first frame included."""
    code = (
        "import json, sys\n"
        "from tui.cli import build_parser\n"
        "build_parser()\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout))
    assert not top_level(loaded) & HEAVY
    assert not {"feeds.recording", "feeds.supervisor", "feeds.replay"} & loaded


def _run_command(argv: list[str], tmp_path: Path) -> set[str]:
    """Run ``liqwatch argv`` in a fresh interpreter; the modules it imported."""
    code = (
        "import json, sys\n"
        "from tui.cli import main\n"
        f"code = main({argv!r})\n"
        "sys.stdout.flush()\n"
        "print('MODULES', json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    env = {**os.environ, "LIQWATCH_STATE_DIR": str(tmp_path / "state")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    line = next(ln for ln in out.stderr.splitlines() if ln.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):]))


@pytest.mark.parametrize("command", ["status", "report", "tape", "record"])
def test_headless_commands_never_import_a_ui_library(command, tmp_path):
    """The commands a server or a pipe runs work without Textual or Rich."""
    small = tmp_path / "small.jsonl"
    small.write_text(
        '{"type":"liquidation","ts":1700000000000,"exchange":"binance","symbol":"BTC/USDT:USDT",'
        '"side":"long","price":35000.0,"qty":0.1,"usd":3500.0}\n'
    )
    argv = {
        "status": ["status", "--json"],
        "report": ["report", str(small), "--json"],
        "tape": ["tape", "--replay", str(small), "--speed", "1000", "--json"],
        "record": ["record", str(tmp_path / "out.jsonl"), "--replay", str(small), "--speed", "1000"],
    }[command]
    if command == "status":
        # A status file to read: the command exits 3 when there is none.
        from tui.runtime import statefile

        now_ms = int(time.time() * 1000)
        statefile.write_atomic(str(tmp_path / "state" / "status.json"), {"v": statefile.VERSION, "written_ms": now_ms})
    assert not top_level(_run_command(argv, tmp_path)) & UI_LIBRARIES


@pytest.mark.parametrize("package", ["feeds", "indicators", "tui"])
def test_every_module_imports(package):
    assert set(modules_of(package)) <= loaded_after_importing(modules_of(package))
