"""The modal screens and the command palette, by keyboard, at the sizes
traders use: the key list, past alerts, the tape filter, ctrl+p."""

from __future__ import annotations

import pytest
from textual import events
from textual.widgets import Input, Label

from feeds.venues import EXCHANGE_NAMES
from tests.conftest import FROZEN_WALL_MS, frozen_demo_app, screen_lines, settle, text_of
from tui import keys
from tui.runtime.alerts import Alert
from tui.screens.alerts import AlertsScreen
from tui.screens.filter import FilterScreen
from tui.screens.help import HelpScreen
from tui.widgets.tape import TapeFilter, TapeView

SIZES = [(120, 40), (80, 24), (48, 60), (40, 20)]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_help_shows_every_key_whole(size):
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        for key, words in keys.help_rows():
            assert key in shown
            # A row too long for the terminal wraps; its first words are on screen.
            assert " ".join(words.split()[:3]) in shown, words
        assert "Replay speed" in shown and "Filter the tape" in shown


def test_every_binding_is_one_action_of_the_key_list():
    app = frozen_demo_app()
    assert [(b.key, b.action) for b in app.BINDINGS] == [(k.keys, k.action) for k in keys.KEYS]


async def test_the_palette_offers_every_keys_action():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {k.title for k in keys.KEYS} <= titles
        # Textual's own quit and key panel are replaced by liqwatch's, not doubled.
        commands = list(app.get_system_commands(app.screen))
        assert [c.title for c in commands].count("Quit") == 1 and "Keys" not in titles


@pytest.mark.parametrize("query, expected", [("replay", "Replay: pause / resume"), ("speed", "Replay speed: faster")])
async def test_the_palette_finds_the_replay_actions(query, expected):
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *query)
        await pilot.pause(0.3)
        shown = "\n".join(screen_lines(app))
        assert expected in shown and "No matches" not in shown


async def test_the_palette_runs_replay_speed():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p", *"speed: faster")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.1)
        assert app.pipeline.replay.speed == 300


async def test_alerts_empty_state_names_the_config_table():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("a")
        assert isinstance(app.screen, AlertsScreen)
        await pilot.pause()
        assert "Rules live in [alerts] in the config." in "\n".join(screen_lines(app))


async def test_alerts_list_shows_messages_as_written():
    app = frozen_demo_app()
    async with app.run_test(size=(48, 60)) as pilot:
        await settle(app, pilot)
        app.alert_book.history.append(Alert("single", "Large liquidation", "$16.3M short [bold]X[/] on okx", FROZEN_WALL_MS))
        await pilot.press("a")
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "Alerts (1)" in shown and "[bold]X[/]" in shown and "Nov 04 19:00" in shown


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_filter_form_is_whole_with_its_error_line(size):
    app = frozen_demo_app()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("f", *"lots", "enter")
        assert isinstance(app.screen, FilterScreen)
        await pilot.pause()
        shown = "\n".join(screen_lines(app))
        assert "not an amount: 'lots'" in shown
        # Every field is on screen, and the venues label names every venue.
        label = app.screen.query(Label)[1]
        every_venue = ", ".join(sorted(EXCHANGE_NAMES))  # the registry's (the demo's are among them)
        assert every_venue in " ".join(" ".join(screen_lines(app, label.region)).split())
        screen_region = app.screen.region
        for field in app.screen.query(Input):
            assert screen_region.contains_region(field.region), field.id
        assert app.screen.query_one("#error").region.height >= 1


async def test_filter_rejects_an_unknown_venue_and_names_the_near_one():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "tab", *"binanse", "enter")
        assert isinstance(app.screen, FilterScreen)
        assert "no venue 'binanse': did you mean binance?" in text_of(app.screen.query_one("#error"))
        await pilot.press("escape")
        assert not app.query_one(TapeView).filter.active


def test_tape_filter_fields():
    known = ["binance", "okx"]
    f = TapeFilter.from_fields("1.5M", " OKX , binance ", "Shorts", " btc ", known)
    assert f == TapeFilter(1.5e6, frozenset({"okx", "binance"}), "short", "btc")
    assert TapeFilter.from_fields("", "", "l", "", known).side == "long"
    with pytest.raises(ValueError, match="known: binance, okx"):
        TapeFilter.from_fields("", "kraken", "", "", known)
    with pytest.raises(ValueError, match="side must be"):
        TapeFilter.from_fields("", "", "up", "", known)


async def test_filter_reopens_with_the_amount_as_typed():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f", *"1m", "enter")
        assert app.query_one(TapeView).filter.min_usd == 1e6
        await pilot.press("f")
        assert app.screen.query_one("#min_usd", Input).value == "1M"


async def test_a_paste_stays_whole_in_the_focused_field():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("f", "tab")
        venues = app.screen.query_one("#venues", Input)
        assert app.focused is venues
        # A column copied from a sheet: several lines, a tab, a trailing newline.
        venues.post_message(events.Paste("binance\nokx\tbybit\n"))
        await pilot.pause()
        assert venues.value == "binance, okx, bybit"
        assert [app.screen.query_one(f"#{name}", Input).value for name in ("min_usd", "side", "symbol")] == ["", "", ""]
        await pilot.press("enter")
        assert app.query_one(TapeView).filter.venues == {"binance", "okx", "bybit"}
