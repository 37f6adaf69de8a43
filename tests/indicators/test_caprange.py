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
    # One sample, then two equal bounds: no range yet.
    assert feed(g, [3.5, 3.0, 3.52, 3.51, 3.53, 3.52], step=DAY // 2) == ["forming"] * 2 + ["inside"] * 4
    snap = g.snapshot()
    # Samples two days old or more are gone: the 3.0 of day 0.5 no longer sets the low.
    assert snap.low == 3.51e12
    assert snap.days_in_range == pytest.approx(2.5)


def test_round_marks():
    assert round_marks(2.4e12, 4.1e12) == (3e12, 4e12)
    assert round_marks(3.2e12, 3.8e12) == (3.5e12,)
    assert round_marks(3.31e12, 3.39e12) == ()


def test_a_young_range_is_forming_and_claims_no_position_or_break():
    """41 minutes of samples: not a fluctuation range. Nothing is placed in it,
    nothing breaks out of it, until the samples cover min_days."""
    g = CapRange(30, min_days=7)
    states = feed(g, [3.35 + 0.0002 * i for i in range(41)] + [3.40, 3.41])
    assert set(states) == {"forming"}
    snap = g.snapshot()
    assert snap.forming and snap.position is None and snap.marks == () and snap.days_in_range == 0
    assert (snap.low, snap.high) == pytest.approx((3.35e12, 3.40e12))
    assert snap.covered_days == pytest.approx(42 / 1440)
    # A week of samples later the range has formed: a position, and a state.
    feed(g, [3.3, 3.5] * 42, start=T + 2 * DAY, step=DAY // 12)
    snap = g.snapshot()
    assert not snap.forming and snap.state == "inside" and 0 <= snap.position <= 1
    assert snap.covered_days >= 7


def test_a_range_forms_again_after_its_samples_have_all_left_the_window():
    g = CapRange(2, min_days=1)
    feed(g, [3.4, 3.6, 3.5], step=DAY // 2)
    assert g.snapshot().state == "inside"
    # Three days without a sample: the window is empty, the range starts over.
    assert feed(g, [3.5, 3.52], start=T + 5 * DAY) == ["forming", "forming"]


def test_a_fixed_band_never_forms():
    g = CapRange(30, band=[3.2e12, 3.8e12], min_days=7)
    assert feed(g, [3.5]) == ["inside"]
