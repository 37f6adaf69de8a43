"""The demo app end to end: every pane filled from the first second, keys."""

from __future__ import annotations

from tests.conftest import frozen_demo_app, settle, text_of
from tui.screens.help import HelpScreen
from tui.widgets.cap import CapPane
from tui.widgets.mood import MoodPane
from tui.widgets.status_line import StatusLine
from tui.widgets.tape import TapeView
from tui.widgets.totals import TotalsPane


async def test_demo_fills_every_pane():
    app = frozen_demo_app(full_replay=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tape = app.query_one(TapeView)
        assert tape.row_count > 100
        first = tape.render_line(0).text
        assert ("LONG" in first or "SHORT" in first) and "$" in first
        # Newest first.
        assert tape._rows[0].ts >= tape._rows[-1].ts

        totals = text_of(app.query_one(TotalsPane))
        for label in ("1h", "4h", "12h", "24h", "long", "short"):
            assert label in totals
        assert "$" in totals

        cap = text_of(app.query_one(CapPane))
        assert "T" in cap and "range" in cap and "●" in cap

        mood = text_of(app.query_one(MoodPane))
        assert "FROG" in mood and "ZEC" in mood

        status = text_of(app.query_one(StatusLine))
        assert "DEMO: synthetic data" in status
        assert "binance" in status and "age" in status


async def test_help_lists_keys_and_q_quits(demo_app):
    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_the_tape_draws_each_row_for_its_own_liquidation(demo_app):
    """The buffer turns over again and again (old events freed, their memory
    reused by new ones): every visible row still shows its own event."""
    from collections import deque

    from feeds.events import Liquidation
    from tui.format import money

    app = demo_app
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tape = app.query_one(TapeView)
        buffer: deque = deque(maxlen=5)
        for i in range(300):
            usd = 1000.0 * (i + 1)  # a different amount on every row
            buffer.append(Liquidation(1_700_000_000_000 + i, "okx", "BTC/USDT:USDT", "long", 1.0, 1.0, usd))
            tape.update_from(buffer, 10_000 + i, 1_700_000_000_000)
            shown = [tape.render_line(y).text for y in range(len(buffer))]
            assert [money(ev.usd) in row for ev, row in zip(reversed(buffer), shown)] == [True] * len(buffer), i
