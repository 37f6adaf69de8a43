"""The layouts: the hourly bars whole at every size, with their axis and the
storm flag, and a collapsed tape's column given to the other panes."""

from __future__ import annotations

import pytest

from tests.conftest import STORM_MS, frozen_demo_app, screen_lines, settle
from tui.widgets.hourly import STRIP_ROWS, HourlyPane
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
        assert "⚡ 21:00 $576M, 32.0x baseline" in shown[legend + 1], shown


async def test_the_side_panel_has_a_compact_strip():
    app = frozen_demo_app(until_ms=STORM_MS)
    async with app.run_test(size=(48, 60)) as pilot:
        await settle(app, pilot)
        hourly = app.query_one(HourlyPane)
        # The strip's rows, the axis, the legend, the storm line, two borders.
        assert hourly.outer_size.height == STRIP_ROWS + 3 + 2


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
        # The totals start at the left edge, under the tape's one line; the bars span the screen.
        assert totals.region.x == 0 and totals.region.y == 1
        assert hourly.outer_size.width == width and app.screen.region.contains_region(hourly.region)
        # The left half of the screen holds panes, not blank rows: the totals, the mood board under them.
        mood = app.query_one(MoodPane)
        assert mood.region.x == 0 and mood.region.y == totals.region.bottom
        left = [line[: width // 2] for line in screen_lines(app)[1 : mood.region.bottom]]
        assert all(line.strip() for line in left)
        await pilot.press("1")
        await pilot.pause()
        assert totals.region.x >= width // 3
