"""The mood's why tells the state: which floor, how old, how far below, since when,
and whether the score is a peak that decays."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.indicators.test_anxiety_causes import DAY, Market, based
from indicators.snapshot import Mood
from indicators.why import stamp, why


def hhmm(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%b %d %H:%M")


def test_a_broken_floor_is_named_with_its_age_its_break_and_the_distance_below():
    m = Market()
    based(m)
    broke = m.t + 3_600_000  # the first bar under the floor closes then
    m.walk(1.29, 1.1, 24)
    mood = m.mood()
    text = why(mood)
    assert mood.broke_at == broke
    assert text.startswith("broke floor 1.3 (22d, 2 tests)")
    assert f"{hhmm(broke)} UTC" in text and f"{mood.breach_pct:.0f}% below" in text
    assert "decaying" not in text  # every bar a new low: the score is what the price scores


def test_a_peak_that_decays_says_since_when():
    m = Market()
    based(m)
    m.walk(1.29, 1.1, 24)
    low = m.t
    m.hold(36, 1.15, 1.2)  # the price stops falling and bounces
    mood = m.mood()
    assert mood.bai_from == low and mood.bai > mood.bai_live + 1
    assert why(mood).endswith(f"peak decaying since {hhmm(low)} UTC")


def test_a_live_floor_reads_its_age_tests_and_a_test_of_it():
    m = Market()
    based(m)
    m.bar(1.33, 1.34, 1.31, 1.315)  # back down to within eps of the floor
    text = why(m.mood())
    assert text == "floor 1.3, 21d old, 2 tests, testing"


def test_euphoria_reads_the_ceiling_and_the_extension():
    m = Market()
    m.hold(24 * 21, 0.9, 1.0)  # a ceiling at 1.0, touched all along
    m.walk(0.95, 1.5, 48)
    mood = m.mood()
    assert mood.euphoria > mood.bai and mood.ceiling_broke_at is not None
    text = why(mood, "{:.2f}".format)
    assert mood.ceiling_age_days >= 21 and text.startswith(f"broke ceiling 1.00 ({mood.ceiling_age_days:.0f}d)")
    assert f"{mood.breakout_pct:.0f}% above" in text
    assert f"{mood.extension_pct:+.0f}% vs its mean close" in text


def test_no_floor_yet_and_the_zone_of_a_stamp():
    assert why(Mood("X")) == "no floor yet"
    assert stamp(DAY, timezone.utc) == "Jan 02 00:00 UTC"
