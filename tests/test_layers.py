"""The one rule of direction: feeds -> indicators -> tui (DESIGN.md).

Each layer's modules are imported in a fresh interpreter and ``sys.modules``
is checked, so an indirect import (a helper that pulls in rich) is caught as
surely as a direct one.
"""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def modules_of(package: str) -> list[str]:
    path = ROOT / package
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
        "from tui.config import Config\n"
        "from tui.live import live_feeds\n"
        "from tui.runtime import LIVE\n"
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


@pytest.mark.parametrize("package", ["feeds", "indicators", "tui"])
def test_every_module_imports(package):
    assert set(modules_of(package)) <= loaded_after_importing(modules_of(package))
