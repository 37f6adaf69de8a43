"""A young market-cap range, on every surface: 41 minutes of samples are no
fluctuation range, so nothing claims a position in it or a break out of it."""

from __future__ import annotations

from datetime import timezone

from feeds.events import MarketCap
from feeds.replay import ReplayFeed
from tests.conftest import quiet_config, settle, text_of
from tui.app import AppOptions, make_app
from tui.cli.status import render
from tui.format import LIVE, REPLAY
from tui.runtime import statefile
from tui.widgets.cap import CapPane

T0 = 1_762_290_000_000
MIN = 60_000
# 41 minutes inside $3.350T-$3.356T, then two samples above it: a "break" of a 41-minute range.
SAMPLES = [MarketCap(T0 + i * MIN, "coingecko", (3.350 + 0.00015 * i) * 1e12) for i in range(41)] + [
    MarketCap(T0 + 41 * MIN, "coingecko", 3.37e12),
    MarketCap(T0 + 42 * MIN, "coingecko", 3.38e12),
]


def young_range_app(mode: str = REPLAY, history: bool = True):
    cfg = quiet_config()
    cfg.alerts.cap_break = True
    cfg.history.enabled = history
    end = SAMPLES[-1].ts
    feed = ReplayFeed(SAMPLES, instant_until=end + 1, monotonic=lambda: 0.0)
    return make_app(AppOptions(mode, [feed], cfg, tz=timezone.utc, wall_ms=lambda: end + 1000))


async def test_a_young_range_claims_no_position_and_no_break_anywhere():
    app = young_range_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for _ in range(3):
            app.refresh_panes(slow=True)
        cap = app.last_snapshot.cap
        assert cap.forming and cap.position is None
        # No alert: a range of 41 minutes cannot be broken.
        assert [a.key for a in app.alert_book.history] == []
        pane = text_of(app.query_one(CapPane))
        assert "range forming: 42m of 7d" in pane and "so far $3.35T-$3.37T" in pane
        assert "%" not in pane and "broke" not in pane and "●" not in pane
        # A replay keeps nothing: the pane does not promise that it does.
        assert "from this recording only" in pane and "kept across restarts" not in pane
        # The status file and `liqwatch status`.
        app.companion.status.write()
        data = statefile.read(statefile.status_path())
        assert data["cap_state"] == "forming" and data["cap_position"] is None
        assert "cap $3.38T range forming" in data["line"] and "in range" not in data["line"]
        assert render(data, 0.0, "{cap} {cap_pos} {cap_state}") == "$3.38T — range forming"


async def test_a_live_pane_says_whether_its_samples_are_kept():
    for history, words in ((True, "kept across restarts"), (False, "history off: not kept")):
        app = young_range_app(LIVE, history)
        assert app._cap_memory() == words
