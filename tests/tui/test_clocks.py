"""Clocks and dates: the status bar shows the data clock in a replay or the
demo at every width, the tape heads each day that is not today, and the
status line's LVR is compact."""

from __future__ import annotations

from collections import deque
from datetime import timezone

import pytest

from feeds.events import Liquidation
from indicators.snapshot import FeedHealth
from tests.conftest import FROZEN_WALL_MS, frozen_demo_app, settle, text_of
from tui.format import LIVE, REPLAY, clock_on, date_time, day_heading
from tui.widgets.status_line import StatusFacts, StatusLine, status_text
from tui.widgets.tape import TapeFilter, TapeView

UTC = timezone.utc
DAY = 86_400_000
NOV_4_MIDNIGHT = 1_762_214_400_000  # 2025-11-04 00:00 UTC


@pytest.mark.parametrize("size", [(160, 50), (120, 40), (80, 24), (48, 60), (40, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_the_demo_status_bar_shows_the_data_clock_at_every_width(size):
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        status = text_of(app.query_one(StatusLine))
        data = app.pipeline.now_ms()
        assert data != FROZEN_WALL_MS
        assert clock_on(data, UTC, FROZEN_WALL_MS) in status, status
        # The wall clock only beside it, where there is room.
        assert (date_time(FROZEN_WALL_MS, UTC)[-8:] in status) == (size[0] >= 130), status


def line(mode: str, data_ms: int, wall_ms: int, width: int) -> str:
    return status_text(app_palette(), StatusFacts(mode, mode, (), data_ms, 1.0, wall_ms, UTC, width, 3)).plain


def test_a_replay_of_another_day_dates_its_clock():
    data, wall = NOV_4_MIDNIGHT + 3600_000, NOV_4_MIDNIGHT + 3 * DAY
    assert "data Nov 04 01:00:00" in line(REPLAY, data, wall, 120)
    assert "data Nov 04 01:00:00  wall 00:00:00" in line(REPLAY, data, wall, 160)
    # The side panel keeps the time of day, and the line fits.
    narrow = line(REPLAY, data, wall, 40)
    assert "01:00:00" in narrow and len(narrow) <= 40 - 2 and "⚑ 3" in narrow


@pytest.mark.parametrize("width", range(40, 161, 3))
def test_the_status_line_always_fits_with_its_clock(width):
    """Whatever the feeds' names and ages, the line fits its width and ends with the clock."""
    feeds = tuple(FeedHealth(name, "live", last_data=NOV_4_MIDNIGHT - 31_000)
                  for name in ("binance", "bybit", "marketcap", "okx"))
    data, wall = NOV_4_MIDNIGHT + 3600_000, NOV_4_MIDNIGHT + 3 * DAY
    for mode, label in ((REPLAY, "DEMO: synthetic data · 60x"), (LIVE, "LIVE")):
        text = status_text(app_palette(), StatusFacts(mode, label, feeds, data, 25.0, wall, UTC, width, 1)).plain
        assert len(text) <= width - 2, (width, text)
        assert text.endswith(("01:00:00", "00:00:00")), (width, text)
    live = line(LIVE, NOV_4_MIDNIGHT, NOV_4_MIDNIGHT + 5000, 120)
    assert "00:00:05" in live and "data" not in live


def app_palette():
    from tui.palette import VARIABLE_DEFAULTS, Palette

    return Palette.from_variables(VARIABLE_DEFAULTS)


def liq(ts: int, usd: float = 1000.0) -> Liquidation:
    return Liquidation(ts, "okx", "BTC/USDT:USDT", "long", 1.0, 1.0, usd)


async def test_the_tape_heads_each_day_that_is_not_today():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tape = app.query_one(TapeView)
        # Across midnight, today being Nov 04: Nov 03's rows get a heading, today's none.
        buffer = deque([liq(NOV_4_MIDNIGHT - 2000), liq(NOV_4_MIDNIGHT - 1000), liq(NOV_4_MIDNIGHT + 1000)])
        tape.update_from(buffer, 1, NOV_4_MIDNIGHT + 5000)
        lines = [tape.render_line(y).text.strip() for y in range(4)]
        assert lines[0].startswith("00:00:01")
        assert lines[1].startswith("──── Mon Nov 03 ") and lines[2].startswith("23:59:59")
        assert lines[3].startswith("23:59:58") and tape.row_count == 3
        # The next day, with nothing new: today's rows are yesterday's now, and say so.
        tape.update_from(buffer, 1, NOV_4_MIDNIGHT + DAY + 5000)
        assert tape.render_line(0).text.startswith("──── Tue Nov 04 ")


def test_day_headings_name_the_year_when_it_is_not_this_one():
    assert day_heading(NOV_4_MIDNIGHT, UTC, NOV_4_MIDNIGHT) == "Tue Nov 04"
    assert day_heading(NOV_4_MIDNIGHT, UTC, NOV_4_MIDNIGHT + 365 * DAY) == "Tue Nov 04 2025"


async def test_a_tape_filter_that_matches_nothing_says_so():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tape = app.query_one(TapeView)
        tape.set_filter(TapeFilter(symbol="NOSUCHCOIN"))
        app.refresh_panes(slow=False)
        assert tape.row_count == 0
        assert "nothing matches NOSUCHCOIN · f to change" in tape.render_line(0).text
