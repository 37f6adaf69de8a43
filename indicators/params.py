"""Indicator parameters, with DESIGN.md's defaults; each is settable in config."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IndicatorParams:
    storm_multiple: float = 3.0
    storm_min_usd: float = 50e6
    cap_range_days: float = 30.0
    # A fixed [low, high] band in USD instead of the rolling range; empty = rolling.
    cap_band: list[float] = field(default_factory=list)
    bai_window_days: float = 30.0

    def validate(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        if self.storm_multiple <= 1:
            errors["storm_multiple"] = "must be greater than 1"
        if self.storm_min_usd < 0:
            errors["storm_min_usd"] = "must not be negative"
        if self.cap_range_days <= 0:
            errors["cap_range_days"] = "must be positive"
        if self.cap_band and (len(self.cap_band) != 2 or not 0 < self.cap_band[0] < self.cap_band[1]):
            errors["cap_band"] = "must be [low, high] in USD with 0 < low < high"
        if self.bai_window_days < 2:
            errors["bai_window_days"] = "must be at least 2"
        return errors
