"""Shared fixtures: the demo app at a frozen moment, and screen-reading helpers."""

from __future__ import annotations

from datetime import timezone

import pytest
from rich.console import Console

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.replay import ReplayFeed
from tui.app import AppOptions, LiqwatchApp, make_app
from tui.format import DEMO
from tui.runtime.alerts import AlertSettings
from tui.runtime.config import Config

DEMO_META = demo_metadata()
# A frozen wall clock: 2 s after the demo's instant part, in UTC.
WALL_AFTER_MS = 2000
FROZEN_WALL_MS = int(DEMO_META["instant_until_ts"]) + WALL_AFTER_MS
# In the storm hour (21:00-22:00 UTC), 50 minutes in: $600M, FROG broken.
STORM_MS = int(DEMO_META["hour_600m_start"]) + 50 * 60_000


def quiet_config() -> Config:
    """Defaults with every alert rule off: no toasts in snapshots."""
    return Config(alerts=AlertSettings(liq_1h_usd=0, single_usd=0, storm=False, cap_break=False, bai=0))


def frozen_demo_app(config: Config | None = None, until_ms: int | None = None) -> LiqwatchApp:
    """The demo with its data clock stopped at the end of the instant part
    (or at ``until_ms``: in the storm, say).

    A monotonic clock that never moves keeps the replay from advancing, so
    what is on screen depends on the recording alone: stable snapshots.
    """
    until = int(DEMO_META["instant_until_ts"]) if until_ms is None else until_ms
    feed = ReplayFeed(DEMO_RECORDING, speed=60.0, instant_until=until, monotonic=lambda: 0.0)
    options = AppOptions(
        DEMO, [feed], config or quiet_config(), tz=timezone.utc, wall_ms=lambda: until + WALL_AFTER_MS
    )
    return make_app(options)


async def settle(app: LiqwatchApp, pilot) -> None:
    """Wait until the replay has emitted all that is due and the engine has
    applied it, then draw once."""
    replay = app.pipeline.replay
    assert replay is not None
    for _ in range(3000):
        if replay.caught_up.is_set():
            break
        await pilot.pause(0.01)
    assert replay.caught_up.is_set(), "the demo's history did not load"
    await app.pipeline.wait_idle()
    app.refresh_panes(slow=True)
    await pilot.pause()


def text_of(widget) -> str:
    """What a Static-like pane shows, as plain text."""
    console = Console(width=max(widget.content_region.width, 20), record=True, color_system=None)
    console.print(widget.content)
    return console.export_text()


def screen_lines(app, region=None) -> list[str]:
    """The active screen as the terminal shows it, line by line, or only the
    cells of ``region`` (a widget's, say)."""
    strips = app.screen._compositor.render_strips()
    if region is not None:
        strips = [strip.crop(region.x, region.right) for strip in strips[region.y:region.bottom]]
    return [strip.text for strip in strips]


@pytest.fixture
def demo_app() -> LiqwatchApp:
    return frozen_demo_app()


@pytest.fixture(autouse=True)
def _private_state_dir(tmp_path_factory, monkeypatch):
    """Tests never touch the user's status file or history."""
    monkeypatch.setenv("LIQWATCH_STATE_DIR", str(tmp_path_factory.mktemp("state")))
