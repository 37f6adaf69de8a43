"""Every key, by keyboard alone: pause, filter, theme, compact, panes, scroll,
alerts, the command palette, and a resize from wide to narrow."""

from __future__ import annotations

import pytest

from tests.conftest import frozen_demo_app, quiet_config, settle, text_of
from tui.screens.alerts import AlertsScreen
from tui.screens.filter import FilterScreen
from tui.widgets.hourly import HourlyPane
from tui.widgets.tape import TapeView
from tui.widgets.totals import TotalsPane


async def test_space_pauses_the_tape_and_counts_what_arrives():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tape = app.query_one(TapeView)
        shown = tape.row_count
        await pilot.press("space")
        assert tape.paused
        # Ten liquidations arrive while paused: counted, not shown yet.
        fresh = [ev._replace(ts=ev.ts + 1000 + i) for i, ev in enumerate(list(app.pipeline.tape)[-10:])]
        app.pipeline.apply(fresh)
        app.refresh_panes(slow=False)
        assert tape.row_count == shown and tape.missed == 10
        assert "PAUSED +10 new" in app.query_one("#tape-pane").border_title
        await pilot.press("space")
        app.refresh_panes(slow=False)
        assert not tape.paused and tape._rows[0] == fresh[-1]


@pytest.mark.parametrize("key", ["f", "slash"])
async def test_filter_by_keyboard(key):
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press(key)
        assert isinstance(app.screen, FilterScreen)
        await pilot.press(*"250k")
        await pilot.press("tab", *"binance", "tab", *"long", "tab", *"btc", "enter")
        assert not isinstance(app.screen, FilterScreen)
        app.refresh_panes(slow=False)
        tape = app.query_one(TapeView)
        assert tape.row_count > 0
        assert all(
            e.usd >= 250_000 and e.exchange == "binance" and e.side == "long" and "BTC" in e.symbol
            for e in tape._rows
        )
        assert "filter ≥$250K binance long BTC" in app.query_one("#tape-pane").border_title


async def test_filter_rejects_a_bad_amount_and_escape_cancels():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f", *"lots", "enter")
        assert isinstance(app.screen, FilterScreen)
        assert "not an amount" in text_of(app.screen.query_one("#error"))
        await pilot.press("escape")
        assert not app.query_one(TapeView).filter.active


async def test_theme_key_cycles_liqwatch_themes():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        assert app.theme == "liqwatch-dark"
        seen = []
        for _ in range(3):
            await pilot.press("t")
            seen.append(app.theme)
        assert sorted(seen) == ["liqwatch-contrast", "liqwatch-dark", "liqwatch-light"]
        assert app.palette.long.color is not None


async def test_compact_and_number_keys():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "4h" in row_labels(app)
        await pilot.press("c")
        assert row_labels(app) == ["1h", "24h"]
        hourly = app.query_one(HourlyPane)
        await pilot.press("3")
        assert hourly.has_class("-collapsed") and "3 Hourly" in text_of(hourly)
        await pilot.press("3")
        assert not hourly.has_class("-collapsed")
        await pilot.press("1")
        assert app.query_one("#tape-pane").has_class("-collapsed")


def row_labels(app) -> list[str]:
    """The window labels that start rows of the totals table."""
    lines = text_of(app.query_one(TotalsPane)).splitlines()
    return [line.split()[0] for line in lines if line.split() and line.split()[0] in ("1h", "4h", "12h", "24h")]


async def test_j_and_k_scroll_the_tape():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tape = app.query_one(TapeView)
        await pilot.press("j", "j", "j")
        assert tape.scroll_offset.y == 3
        await pilot.press("k")
        assert tape.scroll_offset.y == 2


async def test_alert_fires_once_through_its_cooldown_and_is_listed():
    cfg = quiet_config()
    cfg.alerts.liq_1h_usd = 10e6  # the frozen demo hour holds about $15M
    app = frozen_demo_app(cfg)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for _ in range(5):
            app.refresh_panes(slow=True)
        assert [a.key for a in app.alert_book.history] == ["liq_1h"]
        await pilot.press("a")
        assert isinstance(app.screen, AlertsScreen)
        await pilot.press("escape")
        assert "⚑ 1" in text_of(app.query_one("#status"))


async def test_command_palette_runs_the_same_actions():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Pause / resume the tape")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.query_one(TapeView).paused


async def test_resize_from_wide_to_narrow_and_too_small():
    app = frozen_demo_app()
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        assert app.screen.has_class("-wide")
        await pilot.resize_terminal(48, 60)
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        app.refresh_panes(slow=True)
        # Narrow rows: compact totals, still every window's headline.
        assert "1h" in text_of(app.query_one(TotalsPane))
        await pilot.resize_terminal(30, 10)
        await pilot.pause()
        assert app.screen.has_class("-too-small")
        assert "needs at least 40x12" in text_of(app.query_one("#too-small"))
        assert "30x10" in text_of(app.query_one("#too-small"))
