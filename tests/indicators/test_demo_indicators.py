"""The indicators on the bundled demo: the report reads like the article.

The demo's metadata (feeds/data/demo.json) says when its $100M and $600M hours
are and holds the generator's own totals; the report must agree with both.
"""

from __future__ import annotations

import pytest

from feeds.data import DEMO_RECORDING, demo_metadata
from feeds.recording import read_events
from indicators.params import IndicatorParams
from indicators.report import build_report

META = demo_metadata()


@pytest.fixture(scope="module")
def report():
    return build_report(read_events(DEMO_RECORDING), IndicatorParams())


def hour(report, start):
    (h,) = [h for h in report["liquidations"]["hourly"] if h["start"] == start]
    return h


def test_storm_fires_on_the_600m_hour_and_not_on_the_100m_hour(report):
    h100 = hour(report, META["hour_100m_start"])
    h600 = hour(report, META["hour_600m_start"])
    assert h100["long_usd"] + h100["short_usd"] == pytest.approx(100e6, rel=0.01)
    assert h600["long_usd"] + h600["short_usd"] == pytest.approx(600e6, rel=0.01)
    assert not h100["storm"] and h100["multiple"] < 3
    assert h600["storm"] and h600["multiple"] >= 3
    # On a falling LVR: the article's "final harvest".
    assert h600["final_harvest"]
    assert META["hour_600m_start"] in [s["start"] for s in report["liquidations"]["storms"]]


def test_lvr_trend_reads_falling_since_the_peak_day(report):
    lev = report["leverage"]
    assert lev["lvr_trend"] == "falling"
    assert lev["lvr_median_7d"] < lev["lvr_median_then"]
    from datetime import datetime, timezone

    assert datetime.fromtimestamp(lev["falling_since"] / 1000, timezone.utc).date().isoformat() == META["lvr_peak_day"]
    assert lev["oi_change_24h"] <= -0.10 and lev["flush"]


def test_totals_match_the_generator(report):
    truth = META["truth"]["liquidations"]
    liq = report["liquidations"]
    assert report["events"] == META["events"]
    assert (report["start_ts"], report["end_ts"]) == (META["start_ts"], META["end_ts"])
    assert liq["count"] == truth["count"]
    assert liq["usd"] == pytest.approx(truth["usd"])
    assert liq["long_usd"] == pytest.approx(truth["long_usd"])
    for label, w in truth["windows"].items():
        assert liq["windows"][label]["count"] == w["count"]
        assert liq["windows"][label]["long_usd"] == pytest.approx(w["long_usd"])
        assert liq["windows"][label]["short_usd"] == pytest.approx(w["short_usd"])
    for ex, v in truth["by_exchange"].items():
        assert liq["by_exchange"][ex]["long_usd"] == pytest.approx(v["long_usd"])
    assert liq["largest"] == truth["largest"]
    day = [h for h in liq["hourly"] if META["day_start"] <= h["start"] < META["day_start"] + 86_400_000]
    assert sum(h["long_usd"] + h["short_usd"] for h in day) == pytest.approx(truth["day_usd"])


def test_cap_inside_its_range_near_3_5t(report):
    cap = report["market_cap"]
    assert cap["state"] == "inside"
    assert cap["usd"] == pytest.approx(3.5e12, rel=0.02)
    assert 3.1e12 < cap["low"] < cap["usd"] < cap["high"] < 3.9e12


def test_the_broken_floor_coin_fears_zero_and_the_surging_coin_is_greedy(report):
    frog = report["anxiety"][META["frog"]["symbol"]]
    assert frog["floor"] == pytest.approx(META["frog"]["floor"])
    assert frog["bai"] >= 75 and frog["band"] == "going to zero"
    assert frog["touches"] >= 3 and frog["round_level"] == 1.0
    # It peaked in the storm hour (the break bar) or just after it.
    assert META["frog"]["break_bar"] <= frog["peak_bai_ts"] <= META["frog"]["break_bar"] + 2 * 3_600_000
    zec = report["anxiety"][META["zec"]["symbol"]]
    assert zec["peak_euphoria"] >= 75
    assert zec["euphoria"] >= 50 and zec["bai"] < 20
    # Everything else stays out of "going to zero" (BTC and ETH break their own
    # 25-day floors in the $600M hour, 7-10 % down, BTC through 100k: anxious, not more).
    others = {s: a["bai"] for s, a in report["anxiety"].items() if s != META["frog"]["symbol"]}
    assert max(others.values()) < 75


def test_the_report_for_people_tells_the_article(report):
    from datetime import timezone

    from tui.cli.report import story

    text = "\n".join(story(report, timezone.utc))
    assert "Nov 04 21:00: $600M" in text and "final harvest" in text
    assert "falling since Oct 11" in text
    assert "$3.50T, inside its range" in text
    assert "FROG: bottom anxiety" in text and "going to zero" in text
    assert "ZEC: euphoria" in text
