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
from indicators.batch import LiquidationBatch, PairCodes
from indicators.snapshot import SideTotals
from indicators.windows import TOP_LIQUIDATIONS, WINDOWS, LiquidationWindows

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


def test_all_time_totals_by_hand():
    w = LiquidationWindows()
    w.add(Liquidation(T0 + 10, "binance", "BTC/USDT:USDT", "long", 1, 1, 100.0))
    w.add(Liquidation(T0 + 3_600_000, "okx", "BTC/USDT:USDT", "short", 1, 1, 50.0))
    w.add(Liquidation(T0 + 5, "bybit", "ETH/USDT:USDT", "short", 1, 1, 7.0))  # late
    w.add(Liquidation(T0 + 20, "binance", "ETH/USDT:USDT", "short", 1, 1, 3.0))
    assert (w.count, w.usd, w.long_usd, w.short_usd) == (4, 160.0, 100.0, 60.0)
    # By venue, in the order of each venue's first liquidation.
    assert list(w.by_exchange.items()) == [("binance", [100.0, 3.0, 2]), ("okx", [0.0, 50.0, 1]),
                                           ("bybit", [0.0, 7.0, 1])]
    assert [ev.usd for ev in w.top] == [100.0, 50.0, 7.0, 3.0] and w.largest is w.top[0]


def test_the_top_list_keeps_the_largest_and_the_earliest_of_equal_ones():
    w = LiquidationWindows()
    evs = [Liquidation(T0 + i, "okx", "BTC/USDT:USDT", "long", 1, 1, float(usd))
           for i, usd in enumerate([5, 9, 5, 1, 9, 7, 3, 5, 2, 8, 6, 9, 4, 5])]
    for ev in evs:
        w.add(ev)
    want = sorted(range(len(evs)), key=lambda i: (-evs[i].usd, i))[:TOP_LIQUIDATIONS]
    assert w.top == [evs[i] for i in want]
    assert w.largest is evs[1]  # the first of the three 9s


@settings(max_examples=60, deadline=None)
@given(events=st.lists(liquidation, max_size=80), cuts=st.lists(st.integers(0, 80), max_size=6))
def test_take_in_any_batches_equals_add_on_each(events, cuts):
    """The report's shape: all-time figures, the top list and the exact
    windows are the same folded in bulk as one at a time, to the bit."""
    one = LiquidationWindows(rolling=False)
    for ev in events:
        one.add(ev)
    codes = PairCodes()
    many = LiquidationWindows(rolling=False, codes=codes)
    edges = [0, *sorted(c for c in set(cuts) if 0 < c < len(events)), len(events)]
    for a, b in zip(edges, edges[1:]):
        if a < b:  # the engine hands out no empty batch
            many.take(LiquidationBatch.of(events[a:b], codes, 3_600_000))
    assert (one.count, one.usd, one.long_usd, one.short_usd, one.by_exchange, one.top) == (
        many.count, many.usd, many.long_usd, many.short_usd, many.by_exchange, many.top)
    if events:
        t = max(e.ts for e in events)
        assert one.exact(t) == many.exact(t)


@settings(max_examples=60, deadline=None)
@given(events=st.lists(liquidation, max_size=60), after=st.integers(0, 3_600_000))
def test_exact_windows_match_brute_force_to_the_millisecond(events, after):
    w = LiquidationWindows(rolling=False)
    for e in events:
        w.add(e)
    t = max((e.ts for e in events), default=T0) + after
    windows, day_by_pair = w.exact(t)
    assert list(windows) == [label for label, _ in WINDOWS]
    for label, seconds in WINDOWS:
        ref = reference(events, t, seconds)
        assert windows[label] == SideTotals(ref["long"], ref["short"], ref["count"])  # whole dollars: exact
    day = [e for e in events if t - 86_400_000 < e.ts <= t]
    assert {k: (v[0], v[1], v[2]) for k, v in day_by_pair.items()} == {
        k: (sum(e.usd for e in day if (e.exchange, e.symbol) == k and e.side == "long"),
            sum(e.usd for e in day if (e.exchange, e.symbol) == k and e.side == "short"),
            sum(1 for e in day if (e.exchange, e.symbol) == k))
        for k in {(e.exchange, e.symbol) for e in day}}


def test_exact_windows_keep_only_the_last_day_and_need_the_report_shape():
    w = LiquidationWindows(rolling=False)
    day = 86_400_000
    for i in range(3 * 24):  # three days, one an hour
        w.add(Liquidation(T0 + i * 3_600_000, "okx", "BTC/USDT:USDT", "long", 1, 1, 1.0))
    windows, _ = w.exact(T0 + 71 * 3_600_000)
    assert windows["24h"].count == 24 and windows["1h"].count == 1
    kept = sum(len(chunk[0]) for chunk in w._day._chunks) + len(w._day._loose)
    assert kept < 2 * 24  # the older days are let go
    assert w.count == 72  # but counted
    with pytest.raises(ValueError):
        LiquidationWindows().exact(T0 + day)
    with pytest.raises(ValueError):
        LiquidationWindows().take(LiquidationBatch.of([Liquidation(T0, "okx", "BTC/USDT:USDT", "long", 1, 1, 1.0)],
                                                      PairCodes(), 3_600_000))


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
