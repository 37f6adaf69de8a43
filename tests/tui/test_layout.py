"""The layouts: the hourly bars whole at every size, with their axis, the
storm flag and the storm memory; no pane's column that scrolls from 80x24 up;
and a collapsed tape's column given to the other panes."""

from __future__ import annotations

import pytest

from tests.conftest import AFTER_STORM_MS, STORM_MS, frozen_demo_app, screen_lines, settle
from tui.widgets.cap import CapPane
from tui.widgets.hourly import STRIP_ROWS, HourlyPane
from tui.widgets.leverage import LeveragePane
from tui.widgets.mood import MoodPane
from tui.widgets.totals import TotalsPane

SIZES = [(160, 50), (120, 40), (100, 30), (80, 24), (48, 60)]

@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_hourly_bars_are_whole_with_axis_and_storm_flag(size):
    app = frozen_demo_app(until_ms=STORM_MS)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        hourly = app.query_one(HourlyPane)
        # Nothing of the pane is cut off or scrolled away.
        assert app.screen.region.contains_region(hourly.region)
        assert hourly.region.height == hourly.outer_size.height
        shown = screen_lines(app, hourly.region)
        assert any("$576M" in line for line in shown), shown  # the scale
        legend = next(i for i, line in enumerate(shown) if "█ long" in line or "█ L" in line)
        axis = shown[legend - 1]
        # The storm hour (the current one) is flagged on the axis: ⚡, or ! where a column is one cell.
        assert axis.rstrip(" │").endswith(("⚡", "!")), axis
        # The storm memory under the legend: the peak is the storm hour itself.
        assert "⚡ peak 21:00 $576M, 32.0x" in shown[legend + 1], shown


@pytest.mark.parametrize("until", [None, STORM_MS, AFTER_STORM_MS], ids=["quiet", "storm", "an-hour-after"])
@pytest.mark.parametrize("size", SIZES[:-1], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_pane_is_whole_without_scrolling(size, until):
    """From 80x24 up, the panes' column holds totals, cap and mood whole, and
    the hourly bars and leverage sit whole under the tape (or the panes)."""
    app = frozen_demo_app(until_ms=until)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.query_one("#panes").max_scroll_y == 0
        assert app.query_one("#main").max_scroll_y == 0
        for pane in (TotalsPane, CapPane, MoodPane, LeveragePane, HourlyPane):
            widget = app.query_one(pane)
            assert app.screen.region.contains_region(widget.region), pane
            assert widget.region.height == widget.outer_size.height, pane


async def test_the_side_panel_has_a_compact_strip():
    app = frozen_demo_app(until_ms=STORM_MS)
    async with app.run_test(size=(48, 60)) as pilot:
        await settle(app, pilot)
        hourly = app.query_one(HourlyPane)
        # The strip's rows, the axis, the legend, the storm memory on two lines, two borders.
        assert hourly.outer_size.height == STRIP_ROWS + 4 + 2


@pytest.mark.parametrize("size", [(160, 50), (120, 40), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_a_collapsed_tape_gives_its_column_to_the_other_panes(size):
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("1")
        await pilot.pause()
        app.refresh_panes(slow=True)
        await pilot.pause()
        hourly, totals = app.query_one(HourlyPane), app.query_one(TotalsPane)
        width = size[0]
        # The totals start at the left edge, under the tape's one line, the
        # cap and the mood board under them; the bars and leverage on the right.
        assert totals.region.x == 0 and totals.region.y == 1
        cap, mood, leverage = app.query_one(CapPane), app.query_one(MoodPane), app.query_one(LeveragePane)
        assert cap.region.y == totals.region.bottom and mood.region.y == cap.region.bottom
        assert mood.region.x == 0
        assert hourly.region.x >= width // 2 and hourly.region.y == 1
        assert leverage.region.x == hourly.region.x and leverage.region.y == hourly.region.bottom
        # Nothing scrolls, and the left half holds panes, not blank rows.
        assert app.query_one("#panes").max_scroll_y == 0
        left = [line[: width // 2] for line in screen_lines(app)[1 : mood.region.bottom]]
        assert all(line.strip() for line in left)
        await pilot.press("1")
        await pilot.pause()
        assert totals.region.x >= width // 3
        assert app.palette.long.color is not None
