"""Indicator parameters: DESIGN.md's defaults, and every bad value named by its key."""

from __future__ import annotations

import dataclasses

import pytest

from indicators.params import IndicatorParams


def test_defaults_are_design_md_and_valid():
    p = IndicatorParams()
    assert p.validate() == {}
    assert (p.storm_multiple, p.cap_range_days, p.bai_window_days) == (3.0, 30.0, 90.0)
    assert (p.bai_maturity_days, p.bai_maturity_touches, p.bai_eps_min) == (7.0, 3, 0.02)
    assert (p.bai_full_breach, p.bai_pain_exponent, p.bai_half_life_days) == (0.15, 0.88, 3.0)
    assert (p.bai_anchor_min_maturity, p.bai_confirm_days) == (0.1, 30.0)
    assert (p.lvr_median_days, p.lvr_trend_days) == (7.0, 7.0)
    assert (p.flush_oi_drop, p.flush_liq_oi_multiple) == (0.10, 3.0)


BAD = {
    "storm_multiple": 1.0,
    "storm_min_usd": -1.0,
    "storm_min_baseline_hours": 0,
    "lvr_median_days": 0.0,
    "lvr_trend_days": -1.0,
    "lvr_flat_tolerance": 1.0,
    "lvr_peak_days": 0.0,
    "flush_oi_drop": 1.5,
    "flush_liq_oi_multiple": 0.5,
    "cap_range_days": 0.0,
    "cap_range_min_days": -1.0,
    "cap_band": [3.8e12, 3.2e12],
    "bai_window_days": 1.0,
    "bai_maturity_days": 0.0,
    "bai_maturity_touches": 0,
    "bai_eps_min": 0.0,
    "bai_eps_max": 1.0,
    "bai_full_breach": 0.0,
    "bai_pain_exponent": 0.0,
    "bai_half_life_days": 0.0,
    "bai_anchor_min_maturity": 1.0,
    "bai_reclaim_days": 0.0,
    "bai_sustain_days": -1.0,
    "bai_confirm_days": 0.5,
    "euphoria_full_extension": 0.0,
    "euphoria_mean_days": 0.5,
}


def test_every_field_is_validated():
    assert set(BAD) == {f.name for f in dataclasses.fields(IndicatorParams)}


@pytest.mark.parametrize("key", sorted(BAD))
def test_a_bad_value_is_named(key):
    assert set(IndicatorParams(**{key: BAD[key]}).validate()) == {key}
