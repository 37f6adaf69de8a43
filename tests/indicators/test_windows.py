"""The liquidation windows against a brute-force reference.

The reference counts an event in a window when its ts lies in (t - W, t]; the
engine must agree for every window and every per-venue / per-symbol split,
whatever the order the events arrive in (late events included) and wherever
they sit relative to the window edges.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.events import Liquidation
from indicators.windows import WINDOWS, LiquidationWindows

T0 = 1_700_000_000_000
EXCHANGES = ("binance", "bybit", "okx")
SYMBOLS = ("BTC/USDT:USDT", "ETH/USDT:USDT", "PEPE/USDT:USDT")


def reference(events, t_ms, seconds):
    inside = [e for e in events if t_ms - seconds * 1000 < e.ts <= t_ms]
    out = {"long": 0.0, "short": 0.0, "count": len(inside), "ex": {}, "sym": {}}
    for e in inside:
        out[e.side] += e.usd
        for key, name in (("ex", e.exchange), ("sym", e.symbol)):
            lg, sh = out[key].get(name, (0.0, 0.0))
            out[key][name] = (lg + e.usd, sh) if e.side == "long" else (lg, sh + e.usd)
    out["largest"] = max((e.usd for e in inside), default=None)
    return out


# Offsets are drawn around the window edges on purpose: whole hours and
# seconds, plus or minus a millisecond, so (t - W, t] is exercised at both ends.
EDGES = [0, 1, 999, 1000, 1001, 3_600_000, 14_400_000, 43_200_000, 86_400_000]
offset = st.one_of(
    st.integers(0, 90_000_000),
    st.builds(lambda e, d: max(0, e + d), st.sampled_from(EDGES), st.integers(-2, 2)),
)
liquidation = st.builds(
    lambda off, ex, sym, side, usd: Liquidation(T0 + off, ex, sym, side, 1.0, 1.0, usd),
    offset,
    st.sampled_from(EXCHANGES),
    st.sampled_from(SYMBOLS),
    st.sampled_from(("long", "short")),
    st.integers(1, 10**9).map(float),  # whole dollars keep the sums exact
)


def check(w: LiquidationWindows, events, t_ms):
    views = w.views(t_ms)
    assert [v.label for v in views] == [label for label, _ in WINDOWS]
    for view, (_label, seconds) in zip(views, WINDOWS):
        ref = reference(events, t_ms, seconds)
        assert view.count == ref["count"]
        assert view.long_usd == pytest.approx(ref["long"])
        assert view.short_usd == pytest.approx(ref["short"])
        assert view.by_exchange == pytest.approx(ref["ex"])
        assert view.by_symbol == pytest.approx(ref["sym"])
        assert (view.largest.usd if view.largest else None) == ref["largest"]


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(liquidation, max_size=60),
    shuffle=st.randoms(use_true_random=False),
    disorder=st.floats(0, 1),
    query=st.one_of(st.just(None), st.integers(0, 100_000).map(lambda s: s * 1000)),
)
def test_windows_match_brute_force(events, shuffle, disorder, query):
    ordered = sorted(events, key=lambda e: e.ts)
    # Move a random share of the events out of order.
    arrival = list(ordered)
    for i in range(len(arrival)):
        if shuffle.random() < disorder:
            j = shuffle.randrange(len(arrival))
            arrival[i], arrival[j] = arrival[j], arrival[i]
    w = LiquidationWindows()
    for e in arrival:
        w.add(e)
    newest = max((e.ts for e in events), default=T0)
    # Query on a whole second at or after the newest event (what the UI does).
    t_ms = -(-newest // 1000) * 1000 if query is None else max(-(-newest // 1000) * 1000, T0 + query)
    check(w, events, t_ms)


@given(events=st.lists(liquidation, min_size=1, max_size=40), lag=st.integers(0, 299))
def test_query_behind_the_newest_event(events, lag):
    """A clock slightly behind the data (live: skew between venue and local time)."""
    w = LiquidationWindows()
    for e in sorted(events, key=lambda e: e.ts):
        w.add(e)
    newest_s = -(-max(e.ts for e in events) // 1000)
    t_ms = (newest_s - lag) * 1000
    check(w, events, t_ms)


@given(events=st.lists(liquidation, max_size=40), steps=st.lists(st.integers(0, 40_000), min_size=1, max_size=5))
def test_windows_slide_with_the_clock(events, steps):
    """Queries at later and later times expire buckets exactly once."""
    w = LiquidationWindows()
    for e in sorted(events, key=lambda e: e.ts):
        w.add(e)
    t = -(-max((e.ts for e in events), default=T0) // 1000) * 1000
    for step in steps:
        t += step * 1000
        check(w, events, t)


def test_hourly_bars_and_totals_by_hand():
    w = LiquidationWindows()
    h = T0 - T0 % 3_600_000
    w.add(Liquidation(h + 10, "binance", "BTC/USDT:USDT", "long", 1, 1, 100.0))
    w.add(Liquidation(h + 3_600_000, "okx", "BTC/USDT:USDT", "short", 1, 1, 50.0))  # next hour
    w.add(Liquidation(h + 5, "bybit", "ETH/USDT:USDT", "short", 1, 1, 7.0))  # late, same hour
    assert w.hourly[h] == [100.0, 7.0, 2]
    assert w.hourly[h + 3_600_000] == [0.0, 50.0, 1]
    assert (w.count, w.usd, w.largest.usd) == (3, 157.0, 100.0)


def test_storm_baseline_uses_only_covered_hours():
    w = LiquidationWindows()
    h0 = T0 - T0 % 3_600_000
    for i in range(12):  # 12 covered hours of $10 each
        w.add(Liquidation(h0 + i * 3_600_000, "binance", "BTC/USDT:USDT", "long", 1, 1, 10.0))
    assert w.baseline(h0 + 12 * 3_600_000, min_hours=6) == 10.0  # not a median over 12 zero hours
    assert w.baseline(h0 + 3 * 3_600_000, min_hours=6) is None  # too little history


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    events=st.lists(liquidation, max_size=40),
    plan=st.lists(st.tuples(st.booleans(), st.integers(-3000, 3000)), min_size=40, max_size=40),
)
def test_live_pattern_queries_between_late_events(events, plan):
    """The UI's pattern: snapshots on the wall clock (a little ahead of or
    behind the venues' clocks) between events that may arrive late."""
    w = LiquidationWindows()
    seen = []
    for e, (query, jitter) in zip(events, plan):
        w.add(e)
        seen.append(e)
        if query:
            newest = max(x.ts for x in seen)
            t_ms = max(0, -(-(newest + jitter) // 1000) * 1000)
            check(w, seen, t_ms)
    if seen:
        check(w, seen, -(-max(e.ts for e in seen) // 1000) * 1000)


def test_a_late_event_after_a_quiet_spell_stays_out_of_the_windows_it_missed():
    """A wall-clock snapshot moves the head past the newest bucket; a liquidation
    a polled venue delivers late (older than the 1h window's left edge, newer
    than every bucket) must not be taken out of the 1h window it never joined."""
    w = LiquidationWindows()
    first = Liquidation(T0, "bybit", "BTC/USDT:USDT", "long", 1.0, 1.0, 100.0)
    w.add(first)
    check(w, [first], T0 + 2 * 3_600_000)  # quiet for two hours, the UI still asks
    late = Liquidation(T0 + 30 * 60_000, "binance", "BTC/USDT:USDT", "short", 1.0, 1.0, 50.0)
    w.add(late)
    for hours in (2, 3, 5, 13, 30):
        check(w, [first, late], T0 + hours * 3_600_000)
