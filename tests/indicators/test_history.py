"""The pictures' series: values folded into time buckets, and each indicator's series."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.events import DAY_MS, HOUR_MS, MarketCap
from feeds.recording import read_events
from indicators.caprange import CapRange
from indicators.engine import Engine
from indicators.history import LAST, MAX, MEAN, Buckets

META = demo_metadata()
T0 = 1_700_000_000_000 - 1_700_000_000_000 % DAY_MS


def test_buckets_fold_their_values_and_leave_gaps():
    b = Buckets(HOUR_MS, 4, MEAN)
    assert b.values(T0) == ()
    b.add(T0 + 1, 2.0)
    b.add(T0 + 2, 4.0)
    b.add(T0 + 2 * HOUR_MS, 10.0)  # hour 1 has no value: a gap, not a zero
    assert b.values(T0 + 2 * HOUR_MS + 5) == (None, 3.0, None, 10.0)
    assert b.first_start(T0 + 2 * HOUR_MS + 5) == T0 - HOUR_MS
    # The clock moves on: old buckets leave, the newest is last.
    assert b.values(T0 + 5 * HOUR_MS) == (10.0, None, None, None)


@pytest.mark.parametrize("fold, want", [(LAST, 1.0), (MAX, 7.0), (MEAN, 4.0)])
def test_each_fold(fold, want):
    b = Buckets(HOUR_MS, 1, fold)
    for v in (4.0, 7.0, 1.0):
        b.add(T0, v)
    assert b.values(T0) == (want,)


def test_a_late_value_folds_into_the_newest_bucket():
    b = Buckets(HOUR_MS, 3, MAX)
    b.add(T0 + HOUR_MS, 1.0)
    b.add(T0, 9.0)  # older than the newest bucket: it does not reopen hour 0
    assert b.values(T0 + HOUR_MS) == (None, None, 9.0)


def test_the_same_tuple_while_nothing_changes():
    b = Buckets(HOUR_MS, 3, LAST)
    b.add(T0, 1.0)
    assert b.values(T0 + 10) is b.values(T0 + 20)
    b.add(T0 + 30, 2.0)
    assert b.values(T0 + 30) == (None, None, 2.0)


@given(st.lists(st.tuples(st.integers(0, 20 * HOUR_MS), st.floats(-1e6, 1e6)), min_size=1))
def test_buckets_hold_the_max_of_each_hour(points):
    points.sort()
    b = Buckets(HOUR_MS, 24, MAX)
    for ts, v in points:
        b.add(T0 + ts, v)
    now = T0 + points[-1][0]
    first = b.first_start(now)
    want = {}
    for ts, v in points:
        # A value lands in its own hour, or the newest one so far when older.
        h = max(T0 + ts - (T0 + ts) % HOUR_MS, max(want, default=0))
        want[h] = max(want.get(h, v), v)
    assert b.values(now) == tuple(want.get(first + i * HOUR_MS) for i in range(24))


def test_the_cap_history_is_six_hour_closes_over_the_range():
    cap = CapRange(2.0, None, 0.0)
    for i in range(13):  # every 2 hours for a day
        cap.add(MarketCap(T0 + i * 2 * HOUR_MS, "coingecko", 3e12 + i * 1e10))
    snap = cap.snapshot()
    assert snap.history_days == 2.0 and len(snap.history) == 8
    # Four 6-hour buckets with samples at 0/2/4, 6/8/10, ... : each keeps its last.
    assert snap.history[-5:] == (3.02e12, 3.05e12, 3.08e12, 3.11e12, 3.12e12)
    assert snap.history[:3] == (None, None, None)


@pytest.fixture(scope="module")
def demo():
    """The demo's engine at the end of its instant part (where the app starts)."""
    until = int(META["instant_until_ts"])
    e = Engine()
    e.apply_many(ev for ev in read_events(DEMO_RECORDING) if ev.ts <= until)
    return e.snapshot(until)


def test_the_daily_lvr_peaks_on_the_day_falling_since_names(demo):
    lev = demo.leverage
    assert lev.lvr_trend == "falling" and len(lev.lvr_daily) == 30
    peak_day = lev.lvr_daily_from + lev.lvr_peak_index * DAY_MS
    assert peak_day <= lev.falling_since < peak_day + DAY_MS
    # The crash day is the highest of the picture: what the eye finds is what the words say.
    assert lev.lvr_daily[lev.lvr_peak_index] == max(v for v in lev.lvr_daily if v is not None)


def test_the_moods_keep_a_week_of_scores(demo):
    by_symbol = {m.symbol: m for m in demo.moods}
    zec = by_symbol["ZEC/USDT:USDT"]
    assert len(zec.euphoria_7d) == 14
    # ZEC's surge peaked two days before: the week's greed shows it, above today's.
    assert max(zec.euphoria_7d) >= 75 and max(zec.euphoria_7d) > zec.euphoria_7d[-1] >= zec.euphoria
    assert all(m.bai_7d[-1] >= m.bai for m in demo.moods if m.bai_7d)
