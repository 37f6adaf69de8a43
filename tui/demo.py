"""The bundled demo recording, for the app, ``report`` and ``tape``.

Kept out of tui/app.py so the headless commands can play the demo without
importing Textual.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from feeds.replay import ReplayFeed


def demo_path() -> Path:
    """The bundled demo recording (package data)."""
    return Path(str(files("feeds.data").joinpath("demo.jsonl.gz")))


def demo_meta() -> dict:
    return json.loads(files("feeds.data").joinpath("demo.json").read_text())


def demo_feed(speed: float = 60.0) -> ReplayFeed:
    """The demo: history before the storm at once, the rest at ``speed`` x."""
    return ReplayFeed(demo_path(), speed=speed, instant_until=int(demo_meta()["instant_until_ts"]))
