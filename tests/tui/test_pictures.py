"""The pictures and the storm memory on screen: the LVR's 30 days with its
peak, the cap over its range on the band's scale, each mood's week, and an
hour after the demo's storm, the storm hour beside the quiet hour."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import AFTER_STORM_MS, frozen_demo_app, screen_lines, settle
from tui.widgets.cap import CapPane
from tui.widgets.hourly import HourlyPane
from tui.widgets.leverage import LeveragePane
from tui.widgets.mood import MoodPane
from tui.widgets.spark import TICKS, cell_of, fit, strip


@given(st.integers(1, 200), st.integers(1, 80), st.data())
def test_a_bucket_lands_in_the_cell_cell_of_names(n, width, data):
    index = data.draw(st.integers(0, n - 1))
    values = [None] * n
    values[index] = 1.0
    cells = fit(values, width)
    assert len(cells) == min(n, width)
    assert [i for i, v in enumerate(cells) if v is not None] == [cell_of(index, n, width)]


def test_fit_folds_groups_and_keeps_gaps():
    assert fit([1.0, 5.0, None, None, 2.0, 4.0], 3, "max") == [5.0, None, 4.0]
    assert fit([1.0, 5.0, None, None, 2.0, 4.0], 3, "mean") == [3.0, None, 3.0]
    assert fit([1.0, 2.0], 5) == [1.0, 2.0]


def test_strip_scales_to_the_given_band():
    assert strip([0.0, 50.0, 100.0, None, 150.0, -5.0], 0.0, 100.0) == "▁▅█ █▁"
    assert strip([3.0, 3.0], 3.0, 3.0) == TICKS[0] * 2


def region_lines(app, pane) -> list[str]:
    return [line.strip("│ ") for line in screen_lines(app, app.query_one(pane).region)]


async def test_the_lvr_picture_marks_the_day_falling_since_names():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        lev = app.last_snapshot.leverage
        lines = region_lines(app, LeveragePane)
        assert "▼ falling since Oct 11" in lines
        line = next(line for line in lines if line.startswith("30d "))
        spark = line[4:4 + len(lev.lvr_daily)]
        # The tallest cell is the peak's, and its date follows the line.
        assert spark.index("█") == lev.lvr_peak_index and line.endswith("peak Oct 11")


async def test_the_cap_picture_sits_over_the_gauge_on_the_band_scale():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        lines = screen_lines(app, app.query_one(CapPane).region)
        row = next(i for i, line in enumerate(lines) if "30d " in line)
        gauge = lines[row + 1]
        # The picture starts where the gauge's bar does, and spans it.
        start = lines[row].index("30d ") + 4
        assert gauge[start - 1] == "├"
        spark = lines[row][start:gauge.index("┤")]
        assert set(spark) <= set(TICKS) and len(spark) == gauge.index("┤") - start
        # The demo oscillates across its band: the picture reaches near both of its edges.
        heights = [TICKS.index(c) for c in spark]
        assert min(heights) <= 1 and max(heights) >= len(TICKS) - 2, spark


@pytest.mark.parametrize("size, cells", [((120, 40), 7), ((48, 60), 4)], ids=["120x40", "48x60"])
async def test_each_mood_row_has_its_week(size, cells):
    app = frozen_demo_app(until_ms=AFTER_STORM_MS)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        frog = next(line for line in region_lines(app, MoodPane) if line.startswith("FROG"))
        week = frog[7:7 + cells]
        # Calm all week, then going to zero at the break: the last cell is the tallest.
        assert set(week[:-1]) == {TICKS[0]} and week[-1] == TICKS[-1], frog
        assert "99 going to zero" in frog


@pytest.mark.parametrize("size, lines", [
    ((120, 40), ["⚡ peak 21:00 $600M, 33.3x baseline, final harvest", "quiet 15:00 $12.0M"]),
    ((160, 50), ["⚡ peak 21:00 $600M, 33.3x baseline, final harvest · quiet 15:00 $12.0M"]),
    ((48, 60), ["⚡ peak 21:00 $600M, 33.3x, final harvest", "quiet 15:00 $12.0M"]),
], ids=["120x40", "160x50", "48x60"])
async def test_an_hour_after_the_storm_the_screen_still_tells_it(size, lines):
    app = frozen_demo_app(until_ms=AFTER_STORM_MS)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        assert app.last_snapshot.liquidations.storm is None  # the storm hour is over
        shown = region_lines(app, HourlyPane)
        for line in lines:
            assert line in shown, shown


async def test_pictures_are_not_redrawn_while_nothing_changed():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        redrawn = []
        for pane in (LeveragePane, CapPane, MoodPane, HourlyPane):
            widget = app.query_one(pane)
            widget.update = lambda content, name=pane.__name__: redrawn.append(name)
        app.refresh_panes(slow=True)
        app.refresh_panes(slow=True)
        assert redrawn == []
