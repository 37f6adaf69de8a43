"""Shared fixtures: the demo app at a frozen moment, and screen-reading helpers."""

from __future__ import annotations

import asyncio
import os
from datetime import timezone

import pytest
from hypothesis import settings
from rich.console import Console

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.replay import ReplayFeed
from tests.warm_demo import warm_demo
from tui.app import AppOptions, LiqwatchApp, make_app
from tui.format import DEMO
from tui.runtime.alerts import AlertSettings
from tui.runtime.config import Config

# Hypothesis profiles: `ci` under CI=true, `dev` elsewhere; `pytest
# --hypothesis-profile ci` runs CI's counts anywhere.  Nearly every property
# here holds a tuned fast path to its plain version (the windows' ring
# buffers, the snapshot cache, incremental anxiety, apply_many's bulk folding,
# the recording decoder's fast paths), so CI runs each at least as many
# examples as the most any of them ran before profiles (400).  No deadline:
# the suite runs in parallel on shared cores, where timings say nothing.
CI_EXAMPLES = 400
DEV_EXAMPLES = 50
settings.register_profile("ci", max_examples=CI_EXAMPLES, deadline=None, print_blob=True)
settings.register_profile("dev", max_examples=DEV_EXAMPLES, deadline=None)
settings.load_profile("ci" if os.environ.get("CI", "").lower() in ("true", "1") else "dev")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: a worker per core, and one more.  The 1-minute soak keeps
    its worker waiting about 85 s at a tenth of a core; with one worker per
    core, that core would carry nothing else for as long."""
    return len(os.sched_getaffinity(0)) + 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked ``first`` start first (the soak, bench --quick): under -n
    (loadgroup, see pyproject.toml) each starts at once on its own worker,
    and their long waits overlap the rest of the suite instead of trailing it."""
    items.sort(key=lambda item: item.get_closest_marker("first") is None)


DEMO_META = demo_metadata()
# A frozen wall clock: 2 s after the demo's instant part, in UTC.
WALL_AFTER_MS = 2000
FROZEN_WALL_MS = int(DEMO_META["instant_until_ts"]) + WALL_AFTER_MS
# In the storm hour (21:00-22:00 UTC), 50 minutes in: $600M, FROG broken.
STORM_MS = int(DEMO_META["hour_600m_start"]) + 50 * 60_000
# An hour and ten minutes after the storm hour began: the storm memory's moment.
AFTER_STORM_MS = int(DEMO_META["hour_600m_start"]) + 70 * 60_000


def quiet_config() -> Config:
    """Defaults with every alert rule off: no toasts in snapshots."""
    return Config(alerts=AlertSettings(liq_1h_usd=0, single_usd=0, storm=False, cap_break=False, bai=0))


# How long the frozen replay sleeps between looks at its clock (see frozen_sleep).
FROZEN_TICK_S = 1.0


async def frozen_sleep(seconds: float) -> None:
    """The frozen replay's sleep.  On a clock that never moves nothing more
    falls due, and the replay's pacing waits (a few ms of wall time at 60x)
    would only spin: 55 wake-ups a second, enough CPU to keep Textual's pilot
    waiting up to a second per key for the app to look idle.  A yield
    (``sleep(0)``, between chunks of the instant part) stays a yield."""
    await asyncio.sleep(FROZEN_TICK_S if seconds > 0 else 0)


def frozen_demo_app(config: Config | None = None, until_ms: int | None = None, *,
                    full_replay: bool = False) -> LiqwatchApp:
    """The demo with its data clock stopped at the end of the instant part
    (or at ``until_ms``: in the storm, say).

    A monotonic clock that never moves keeps the replay from advancing, so
    what is on screen depends on the recording alone: stable snapshots.
    By default the app starts from the warm demo (a ready engine, through
    ``AppOptions.engine``); ``full_replay`` plays the whole file from the
    start instead, as ``liqwatch --demo`` does, for the tests that keep
    that path covered.
    """
    config = config or quiet_config()
    until = int(DEMO_META["instant_until_ts"]) if until_ms is None else until_ms
    frozen = dict(speed=60.0, instant_until=until, monotonic=lambda: 0.0, sleep=frozen_sleep)
    options = AppOptions(DEMO, [], config, tz=timezone.utc, wall_ms=lambda: until + WALL_AFTER_MS)
    if full_replay:
        options.feeds = [ReplayFeed(DEMO_RECORDING, **frozen)]
    else:
        warm = warm_demo(config, until)
        options.feeds = [ReplayFeed(warm.rest, **frozen)]
        options.engine = warm.engine()
        options.tape = warm.tape
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
