"""Alert rules: each fires once, then cooldown and hysteresis keep it quiet."""

from __future__ import annotations

import asyncio
from datetime import timezone

from feeds.events import Liquidation
from feeds.replay import INSTANT_BATCH, ReplayFeed
from indicators.snapshot import CapSnapshot, HourBar, LiquidationSnapshot, Mood, Snapshot, WindowTotals
from tests.conftest import quiet_config, settle
from tui.app import AppOptions, make_app
from tui.format import REPLAY
from tui.runtime.alerts import AlertBook, AlertSettings, desktop_escapes

MIN = 60_000
OFF = dict(liq_1h_usd=0.0, single_usd=0.0, storm=False, cap_break=False, bai=0.0)


def snap(t: int, one_hour: float = 0.0, storm: bool = False, cap_state: str = "inside", bai: float = 0.0) -> Snapshot:
    liq = LiquidationSnapshot(
        windows=(WindowTotals("1h", 3600, long_usd=one_hour),),
        storm=HourBar(t, long_usd=one_hour, storm=True, multiple=6.0) if storm else None,
    )
    cap = CapSnapshot(3.5e12, t, "coingecko", 3.2e12, 3.8e12, 0.5, cap_state, 10.0)
    return Snapshot(t, liquidations=liq, cap=cap, moods=(Mood("FROG/USDT:USDT", bai=bai),))


def test_level_rule_fires_once_then_needs_to_fall_back_before_it_can_fire_again():
    book = AlertBook(AlertSettings(**{**OFF, "liq_1h_usd": 100e6, "cooldown_minutes": 5}))
    assert [a.key for a in book.evaluate(snap(0, one_hour=120e6))] == ["liq_1h"]
    # Still above: no repeat, however long it stays there.
    for i in range(1, 30):
        assert book.evaluate(snap(i * MIN, one_hour=130e6)) == []
    # Dips to 90 % of the threshold: not enough to re-arm (hysteresis at 80 %).
    assert book.evaluate(snap(31 * MIN, one_hour=90e6)) == []
    assert book.evaluate(snap(32 * MIN, one_hour=110e6)) == []
    # Falls below 80 %, comes back: fires again.
    assert book.evaluate(snap(33 * MIN, one_hour=50e6)) == []
    assert [a.key for a in book.evaluate(snap(34 * MIN, one_hour=110e6))] == ["liq_1h"]
    assert len(book.history) == 2


def test_cooldown_holds_a_rearmed_rule():
    book = AlertBook(AlertSettings(**{**OFF, "liq_1h_usd": 100e6, "cooldown_minutes": 30}))
    assert book.evaluate(snap(0, one_hour=120e6))
    assert book.evaluate(snap(1 * MIN, one_hour=10e6)) == []  # re-armed
    assert book.evaluate(snap(2 * MIN, one_hour=120e6)) == []  # but cooling down
    assert book.evaluate(snap(31 * MIN, one_hour=120e6))


def test_storm_cap_break_and_bai_rules():
    book = AlertBook(AlertSettings(**{**OFF, "storm": True, "cap_break": True, "bai": 75.0}))
    fired = book.evaluate(snap(0, one_hour=600e6, storm=True, cap_state="below", bai=82))
    assert {a.key for a in fired} == {"storm", "cap_break", "bai:FROG/USDT:USDT"}
    assert "6.0x baseline" in next(a.message for a in fired if a.key == "storm")
    assert book.evaluate(snap(MIN, one_hour=600e6, storm=True, cap_state="below", bai=90)) == []


def test_single_liquidation_rule_takes_the_largest_new_one():
    book = AlertBook(AlertSettings(**{**OFF, "single_usd": 5e6, "cooldown_minutes": 1}))
    small = Liquidation(1, "okx", "ETH/USDT:USDT", "short", 3000.0, 1.0, 3000.0)
    big = Liquidation(2, "binance", "BTC/USDT:USDT", "long", 100_000.0, 80.0, 8e6)
    fired = book.evaluate(snap(0), [small, big])
    assert len(fired) == 1 and "$8.00M long BTC/USDT:USDT on binance" in fired[0].message
    assert book.evaluate(snap(10_000), [big]) == []  # within the cooldown
    assert book.evaluate(snap(2 * MIN), [big])


def test_desktop_escapes_and_tmux_passthrough():
    plain = desktop_escapes("Storm", "$600M; 6x", in_tmux=False)
    assert plain == "\x1b]9;Storm: $600M, 6x\x07\x1b]777;notify;Storm;$600M, 6x\x07"
    wrapped = desktop_escapes("Storm", "x", in_tmux=True)
    assert wrapped.startswith("\x1bPtmux;\x1b\x1b]9;") and wrapped.endswith("\x1b\\")


def test_a_forming_cap_range_never_breaks():
    book = AlertBook(AlertSettings(**{**OFF, "cap_break": True}))
    assert book.evaluate(snap(0, cap_state="forming")) == []
    assert book.evaluate(snap(MIN, cap_state="forming")) == []
    assert [a.key for a in book.evaluate(snap(2 * MIN, cap_state="above"))] == ["cap_break"]


async def test_history_loading_fires_no_alert_and_what_follows_does():
    """A replay's instant part is history: a refresh half-way through it (the
    demo toasted a day-old $13M liquidation at start) alerts nothing; a large
    liquidation once the replay plays does."""
    start = 1_762_214_400_000
    old = [Liquidation(start + i, "okx", "ETH/USDT:USDT", "short", 3000.0, 1.0, 3000.0) for i in range(INSTANT_BATCH)]
    old[-1] = old[-1]._replace(usd=20e6)  # the last of the first batch: on the tape when the load is held
    until = start + 2 * INSTANT_BATCH
    later = Liquidation(until, "binance", "BTC/USDT:USDT", "long", 100_000.0, 300.0, 30e6)
    held, loaded = asyncio.Event(), asyncio.Event()

    async def sleep(seconds: float) -> None:
        if not loaded.is_set():  # the instant part's first pause between batches
            held.set()
            await loaded.wait()
        await asyncio.sleep(seconds)

    feed = ReplayFeed([*old, old[0]._replace(ts=until - 1), later], instant_until=until,
                      monotonic=lambda: 0.0, sleep=sleep)
    cfg = quiet_config()
    cfg.alerts.single_usd = 10e6
    app = make_app(AppOptions(REPLAY, [feed], cfg, tz=timezone.utc, wall_ms=lambda: until))
    async with app.run_test(size=(120, 40)) as pilot:
        await held.wait()
        await app.pipeline.wait_idle()
        assert any(ev.usd == 20e6 for ev in app.pipeline.tape)
        app.refresh_panes(slow=True)
        assert app.alert_book.history == []
        loaded.set()
        await settle(app, pilot)
        app.refresh_panes(slow=True)
        assert [a.message for a in app.alert_book.history] == ["$30.0M long BTC/USDT:USDT on binance"]
