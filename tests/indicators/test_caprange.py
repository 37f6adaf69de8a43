"""The cap-range gauge: range, position, and the two-sample confirmation of each state."""

from __future__ import annotations

import pytest

from feeds.events import MarketCap
from indicators.caprange import CapRange, round_marks

T = 1_762_000_000_000
MIN = 60_000
DAY = 86_400_000


def feed(gauge: CapRange, values, start=T, step=MIN):
    states = []
    for i, v in enumerate(values):
        gauge.add(MarketCap(start + i * step, "coingecko", v * 1e12))
        states.append(gauge.snapshot().state)
    return states


def test_fixed_band_reaches_each_state_only_on_the_second_sample_beyond():
    g = CapRange(30, band=[3.2e12, 3.8e12])
    states = feed(g, [3.5, 3.9, 3.5, 3.9, 3.95, 4.0, 3.7, 3.1, 3.0, 3.3])
    assert states == ["inside", "inside", "inside", "inside", "above", "above", "inside", "inside", "below", "inside"]
    snap = g.snapshot()
    assert (snap.low, snap.high, snap.fixed_band) == (3.2e12, 3.8e12, True)
    assert snap.position == pytest.approx((3.3 - 3.2) / 0.6)
    assert snap.marks == (3.5e12,)


def test_rolling_range_is_of_the_samples_before_the_current_one():
    g = CapRange(30)
    feed(g, [3.4, 3.6, 3.5])
    snap = g.snapshot()
    assert (snap.low, snap.high) == (3.4e12, 3.6e12)
    assert snap.position == pytest.approx(0.5)
    # Two new highs in a row leave the range upwards; a single dip below does not.
    assert feed(g, [3.7, 3.8], start=T + 10 * MIN) == ["inside", "above"]
    assert snap.state == "inside"
    assert feed(g, [3.3, 3.5, 3.2, 3.1], start=T + 20 * MIN) == ["inside", "inside", "inside", "below"]


def test_old_samples_leave_the_range_and_days_in_range_count():
    g = CapRange(2)
    assert set(feed(g, [3.5, 3.0, 3.52, 3.51, 3.53, 3.52], step=DAY // 2)) == {"inside"}
    snap = g.snapshot()
    # Samples two days old or more are gone: the 3.0 of day 0.5 no longer sets the low.
    assert snap.low == 3.51e12
    assert snap.days_in_range == pytest.approx(2.5)


def test_round_marks():
    assert round_marks(2.4e12, 4.1e12) == (3e12, 4e12)
    assert round_marks(3.2e12, 3.8e12) == (3.5e12,)
    assert round_marks(3.31e12, 3.39e12) == ()
