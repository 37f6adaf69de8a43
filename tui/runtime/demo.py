"""The bundled demo as a feed, for the app, ``tape`` and ``record``.

The recording and its metadata are located in one place, ``feeds.data``;
this only says how the demo is played: its history before the storm at
once, the rest paced.
"""

from __future__ import annotations

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.replay import ReplayFeed

DEMO_SPEED = 60.0


def demo_feed(speed: float = DEMO_SPEED) -> ReplayFeed:
    """The demo: history before the storm at once, the rest at ``speed`` x."""
    return ReplayFeed(DEMO_RECORDING, speed=speed, instant_until=int(demo_metadata()["instant_until_ts"]))
