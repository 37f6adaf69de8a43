"""Screen snapshots of the demo at a frozen moment (canned data, frozen clock,
UTC), at every layout: wide, standard, 80x24, the tmux side panel, too small,
and with NO_COLOR; the storm hour and a collapsed tape; and each modal screen
(keys, filter, alerts) and the command palette, full size and in the side panel;
and an hour after the storm, the storm memory."""

from __future__ import annotations

import pytest
from textual.command import CommandList, CommandPalette
from textual.widgets import Input

from tests.conftest import AFTER_STORM_MS, FROZEN_WALL_MS, STORM_MS, frozen_demo_app, settle
from tui.runtime.alerts import Alert

SIZES = {
    "wide-160x50": (160, 50),
    "standard-120x40": (120, 40),
    "standard-100x30": (100, 30),
    "standard-80x24": (80, 24),
    "side-panel-48x60": (48, 60),
    "too-small-30x10": (30, 10),
}
SCREEN_SIZES = {"standard-120x40": (120, 40), "side-panel-48x60": (48, 60)}

ALERTS = [
    Alert("liq_1h", "Liquidations", "$612M observed in the last hour", FROZEN_WALL_MS - 3_600_000),
    Alert("bai:FROG/USDT:USDT", "Bottom anxiety", "FROG/USDT:USDT BAI 82 (going to zero)", FROZEN_WALL_MS),
]


def shoot(snap_compare, size: tuple[int, int], keys: tuple[str, ...] = (), until_ms: int | None = None,
          alerts: list[Alert] | None = None, full_replay: bool = False) -> bool:
    app = frozen_demo_app(until_ms=until_ms, full_replay=full_replay)

    async def run_before(pilot) -> None:
        await settle(app, pilot)
        if alerts:
            app.alert_book.history.extend(alerts)
        for key in keys:
            await pilot.press(key)
        await pilot.pause(0.3 if keys else 0)
        if isinstance(app.screen, CommandPalette):
            await palette_settled(app, pilot)
        # A blinking cursor would make the picture depend on the moment it is taken.
        for field in app.screen.query(Input):
            field.cursor_blink = False
        # Widgets that moved (a collapsed tape) draw their content for the new size.
        app.refresh_panes(slow=True)
        await pilot.pause()

    return snap_compare(app, terminal_size=size, run_before=run_before)


async def palette_settled(app, pilot) -> None:
    """The palette searches in the background: wait for its hits and for it to stop searching."""
    palette = app.screen
    for _ in range(200):
        if palette.query_one(CommandList).option_count >= 3 and not palette._show_busy:
            break
        await pilot.pause(0.05)
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_layout(snap_compare, size):
    assert shoot(snap_compare, size)


def test_no_color_80x24(snap_compare, monkeypatch):
    """Under NO_COLOR every meaning survives: arrows and words, not colour.
    (From the full replay of the file, as `liqwatch --demo` plays it.)"""
    monkeypatch.setenv("NO_COLOR", "1")
    assert shoot(snap_compare, (80, 24), full_replay=True)


@pytest.mark.parametrize("size", list(SIZES.values())[:-1], ids=list(SIZES)[:-1])
def test_storm(snap_compare, size):
    """50 minutes into the storm hour: the ⚡ on the hourly axis and its caption, whole at every size."""
    assert shoot(snap_compare, size, until_ms=STORM_MS)


AFTER_STORM_SIZES = {"standard-120x40": (120, 40), "side-panel-48x60": (48, 60), "standard-80x24": (80, 24)}


@pytest.mark.parametrize("size", AFTER_STORM_SIZES.values(), ids=AFTER_STORM_SIZES.keys())
def test_an_hour_after_the_storm(snap_compare, size):
    """The storm memory: an hour and ten minutes after the storm hour began,
    its peak and verdict beside the quiet hour, under the hourly bars."""
    assert shoot(snap_compare, size, until_ms=AFTER_STORM_MS)


@pytest.mark.parametrize("size", [(120, 40), (48, 60)], ids=["standard-120x40", "side-panel-48x60"])
def test_tape_collapsed(snap_compare, size):
    assert shoot(snap_compare, size, keys=("1",))


@pytest.mark.parametrize("size", SCREEN_SIZES.values(), ids=SCREEN_SIZES.keys())
def test_help_screen(snap_compare, size):
    assert shoot(snap_compare, size, keys=("question_mark",))


@pytest.mark.parametrize("size", SCREEN_SIZES.values(), ids=SCREEN_SIZES.keys())
def test_filter_screen_with_an_error(snap_compare, size):
    assert shoot(snap_compare, size, keys=("f", "tab", *"binanse", "enter"))


@pytest.mark.parametrize("size", SCREEN_SIZES.values(), ids=SCREEN_SIZES.keys())
def test_alerts_screen(snap_compare, size):
    assert shoot(snap_compare, size, keys=("a",), alerts=ALERTS)


@pytest.mark.parametrize("size", SCREEN_SIZES.values(), ids=SCREEN_SIZES.keys())
def test_alerts_screen_empty(snap_compare, size):
    assert shoot(snap_compare, size, keys=("a",))


@pytest.mark.parametrize("size", SCREEN_SIZES.values(), ids=SCREEN_SIZES.keys())
def test_command_palette_finds_replay(snap_compare, size):
    assert shoot(snap_compare, size, keys=("ctrl+p", *"replay"))
