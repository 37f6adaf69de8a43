"""Replay controls behind the app's ``p``, ``+`` and ``-`` keys.

Speeds step through a fixed ladder (1x to 300x) rather than doubling, so a
day-long recording is a few key presses from watchable and back to real time.
"""

from __future__ import annotations

from feeds.replay import ReplayFeed

SPEEDS = (1.0, 2.0, 5.0, 10.0, 60.0, 300.0)


def next_speed(current: float, step: int) -> float:
    """The next rung up (step > 0) or down from ``current``; a speed between
    rungs (``--speed 3``) moves to the nearest rung in that direction."""
    if step > 0:
        return next((s for s in SPEEDS if s > current), SPEEDS[-1])
    return next((s for s in reversed(SPEEDS) if s < current), SPEEDS[0])


def toggle_pause(replay: ReplayFeed) -> bool:
    """Pause or resume; returns True when now paused."""
    if replay.paused:
        replay.resume()
    else:
        replay.pause()
    return replay.paused


def change_speed(replay: ReplayFeed, step: int) -> float:
    speed = next_speed(replay.speed, step)
    replay.set_speed(speed)
    return speed
