"""Indicator parameters, with DESIGN.md's defaults; each is settable in config.

Every field here becomes a key of the ``[indicators]`` config table (the
loader in tui/runtime/config.py reads the type hints), and ``validate()`` names the
bad ones, so a trader who sets a nonsensical value is told which key.  Every
number has a sane range in ``RANGES`` (its message gives the range): spans
of days stop at ten years, so no value makes a window overflow.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from feeds.settings import check_ranges


@dataclass
class IndicatorParams:
    # Liquidation storm: the current hour >= storm_multiple x the median of the
    # previous 24 hourly totals, and >= storm_min_usd.
    storm_multiple: float = 3.0
    storm_min_usd: float = 50e6
    # Hours of coverage needed before the median means anything: a storm is
    # never called on a baseline of one or two hours.
    storm_min_baseline_hours: int = 6

    # Liquidations per volume (LVR): the trend compares the median of the
    # hourly LVR samples over lvr_median_days with that median lvr_trend_days ago.
    lvr_median_days: float = 7.0
    lvr_trend_days: float = 7.0
    # A relative change smaller than this reads "flat".
    lvr_flat_tolerance: float = 0.10
    # "Falling since": the highest 24 h LVR over this many days.
    lvr_peak_days: float = 30.0

    # Leverage flush: OI down at least flush_oi_drop in 24 h while the hourly
    # liquidations/OI is at least flush_liq_oi_multiple x its median.
    flush_oi_drop: float = 0.10
    flush_liq_oi_multiple: float = 3.0

    cap_range_days: float = 30.0
    # Until the samples cover this many days the range is "forming": a range
    # of minutes is no fluctuation range, and nothing claims a position in it
    # or a break out of it.  A fixed cap_band needs no history.
    cap_range_min_days: float = 7.0
    # A fixed [low, high] band in USD instead of the rolling range; empty = rolling.
    cap_band: list[float] = field(default_factory=list)

    # Bottom anxiety (docs/indicators.md).
    bai_window_days: float = 90.0  # W: the floor is the lowest low of this many completed days
    bai_maturity_days: float = 7.0  # a floor is fully mature at this age with its tests...
    bai_maturity_touches: int = 3  # ...this many (each maturity span it holds counts as one)
    bai_eps_min: float = 0.02  # eps = the mean log true range of 14 bars, within [min, max]
    bai_eps_max: float = 0.10
    bai_full_breach: float = 0.15  # ln-breach at which pain S reaches 1
    bai_pain_exponent: float = 0.88
    bai_half_life_days: float = 3.0  # decay of the score, and of a broken floor's maturity once no new low comes
    bai_anchor_min_maturity: float = 0.1  # a floor breaks into an anchor from this maturity; forgotten below it
    bai_reclaim_days: float = 1.0  # the price traded wholly above a broken floor this long: its episode ends
    bai_sustain_days: float = 1.0  # closes below it this long confirm the break as fully as volume can
    bai_confirm_days: float = 30.0  # z of log volume / log long liquidations over this span
    # Height euphoria: extension above the mean close of euphoria_mean_days at
    # which the extension term reaches 1 (2.0 = price three times its mean).
    euphoria_full_extension: float = 2.0
    euphoria_mean_days: float = 30.0

    RANGES: ClassVar[dict[str, str]] = {
        "storm_multiple": "(1, 1000]",
        "storm_min_usd": "[0, 1e15]",
        "storm_min_baseline_hours": "[1, 24]",
        "lvr_median_days": "(0, 365]",
        "lvr_trend_days": "(0, 365]",
        "lvr_flat_tolerance": "[0, 1)",
        "lvr_peak_days": "(0, 365]",
        "flush_oi_drop": "(0, 1)",
        "flush_liq_oi_multiple": "(1, 1000]",
        "cap_range_days": "(0, 3650]",
        "cap_range_min_days": "[0, 3650]",
        "bai_window_days": "[2, 3650]",
        "bai_maturity_days": "(0, 365]",
        "bai_maturity_touches": "[1, 100]",
        "bai_eps_min": "(0, 0.5)",
        "bai_eps_max": "(0, 1)",
        "bai_full_breach": "(0, 10]",
        "bai_pain_exponent": "(0, 10]",
        "bai_half_life_days": "(0, 365]",
        "bai_anchor_min_maturity": "(0, 1)",
        "bai_reclaim_days": "(0, 365]",
        "bai_sustain_days": "(0, 365]",
        "bai_confirm_days": "[1, 3650]",
        "euphoria_full_extension": "(0, 100]",
        "euphoria_mean_days": "[1, 3650]",
    }

    def validate(self) -> dict[str, str]:
        errors = check_ranges(self, self.RANGES)
        band = self.cap_band
        if band and (len(band) != 2 or not 0 < band[0] < band[1] <= 1e15):
            errors["cap_band"] = "must be [low, high] in USD with 0 < low < high <= 1e15"
        if not errors.keys() & {"cap_range_days", "cap_range_min_days"} and self.cap_range_min_days > self.cap_range_days:
            errors["cap_range_min_days"] = "must be at most cap_range_days"
        if "bai_eps_max" not in errors and not self.bai_eps_min <= self.bai_eps_max:
            errors["bai_eps_max"] = "must be at least bai_eps_min"
        return errors
