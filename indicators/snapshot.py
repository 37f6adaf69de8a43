"""Immutable snapshots: what the engine hands the UI, the report and the status file.

The UI never reads engine state directly; it asks for one ``Snapshot`` per
timer tick and renders it.  Everything here is frozen and holds only plain
values and events, so a snapshot can be kept, compared and serialised.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

from feeds.events import Liquidation

_EMPTY: Mapping = MappingProxyType({})

BAI_BANDS = ((20.0, "calm"), (50.0, "uneasy"), (75.0, "anxious"), (float("inf"), "going to zero"))
EUPHORIA_BANDS = ((20.0, "calm"), (50.0, "warm"), (75.0, "greedy"), (float("inf"), "euphoric"))


def band(score: float, bands: tuple[tuple[float, str], ...] = BAI_BANDS) -> str:
    """The band word for a 0-100 score (DESIGN.md: 0-20 calm ... 75-100 going to zero)."""
    for upper, word in bands:
        if score < upper:
            return word
    return bands[-1][1]


@dataclass(frozen=True, slots=True)
class WindowTotals:
    """Observed liquidations with ts in (as_of - seconds, as_of]."""

    label: str  # "1h", "4h", "12h", "24h"
    seconds: int
    long_usd: float = 0.0
    short_usd: float = 0.0
    count: int = 0
    largest: Liquidation | None = None
    # exchange -> (long_usd, short_usd)
    by_exchange: Mapping[str, tuple[float, float]] = field(default_factory=lambda: _EMPTY)
    # symbol -> (long_usd, short_usd)
    by_symbol: Mapping[str, tuple[float, float]] = field(default_factory=lambda: _EMPTY)

    @property
    def total_usd(self) -> float:
        return self.long_usd + self.short_usd

    @property
    def long_share(self) -> float | None:
        total = self.total_usd
        return self.long_usd / total if total > 0 else None


@dataclass(frozen=True, slots=True)
class SideTotals:
    """Observed liquidations of a span or a venue, long and short."""

    long_usd: float = 0.0
    short_usd: float = 0.0
    count: int = 0


@dataclass(frozen=True, slots=True)
class HourBar:
    """One UTC hour of observed liquidations."""

    start: int  # ms, hour open
    long_usd: float = 0.0
    short_usd: float = 0.0
    count: int = 0
    storm: bool = False
    # This hour's total over the median of the previous 24 hourly totals (None: no baseline yet).
    multiple: float | None = None

    @property
    def total_usd(self) -> float:
        return self.long_usd + self.short_usd


@dataclass(frozen=True, slots=True)
class HourVerdict:
    """An hour's bar with what the LVR trend made of it (indicators/hourly.py)."""

    bar: HourBar
    lvr_trend: str | None = None  # the LVR trend at the hour's close; asked of storm hours only
    final_harvest: bool = False  # a storm hour while that trend was falling


@dataclass(frozen=True, slots=True)
class LiquidationSnapshot:
    windows: tuple[WindowTotals, ...] = ()  # 1h, 4h, 12h, 24h in that order
    hourly: tuple[HourBar, ...] = ()  # the last 48 h, oldest first, current hour last
    storm: HourBar | None = None  # the current hour when it is a storm
    # The storm memory, the article's first sentence: the largest hour of the
    # last 24 (the current one included) with its verdict, and the quietest
    # closed hour of them it stands against.  None before coverage.
    peak: HourVerdict | None = None
    quiet: HourVerdict | None = None
    count: int = 0  # every liquidation seen since start
    usd: float = 0.0
    largest: Liquidation | None = None

    def window(self, label: str) -> WindowTotals | None:
        for w in self.windows:
            if w.label == label:
                return w
        return None


@dataclass(frozen=True, slots=True)
class LeverageSnapshot:
    lvr_24h: float | None = None  # USD liquidated per 1B USD traded, last 24 h
    lvr_trend: str = "unknown"  # "falling", "rising", "flat", "unknown"
    lvr_median_7d: float | None = None
    lvr_median_then: float | None = None  # the 7-day median N days ago
    falling_since: int | None = None  # ms of the last LVR peak, when falling
    oi_usd: float | None = None
    oi_change_24h: float | None = None  # fraction, -0.12 = down 12 %
    oi_change_7d: float | None = None
    oi_to_cap: float | None = None
    flush: bool = False  # OI down >= 10 % in 24 h with liquidations/OI >= 3x median
    final_harvest: bool = False  # a storm hour while LVR trends down
    # The lag (days) the trend actually compared over: lvr_trend_days, or half
    # the covered history when that is shorter (a young recording).
    lvr_trend_days: float | None = None
    # The LVR's picture over lvr_peak_days: each UTC day's highest 24 h LVR
    # (of the 24-hour windows that ended in it), oldest first, today last,
    # None for a day without one: the sparkline.
    lvr_daily: tuple[float | None, ...] = ()
    lvr_daily_from: int | None = None  # ms, the start of lvr_daily's first day
    # The index in lvr_daily of the peak to mark: the day "falling since" names
    # when the trend is falling, else the highest day.
    lvr_peak_index: int | None = None


# The cap range's state while its samples cover too little time to be a range.
FORMING = "forming"


@dataclass(frozen=True, slots=True)
class CapSnapshot:
    usd: float
    ts: int
    source: str
    low: float  # while forming: the lowest and highest samples so far
    high: float
    # (usd - low) / (high - low); below 0 or above 1 outside the band; None while forming
    position: float | None
    # "forming" (too little history: no position, no break), then "inside",
    # "above", "below" (outside only after two samples beyond)
    state: str
    days_in_range: float
    marks: tuple[float, ...] = ()  # round trillions within [low, high]
    fixed_band: bool = False
    covered_days: float = 0.0  # how much history the range is made of
    # The cap over the range's days in 6-hour closes, oldest first, the
    # current one last, None where no sample came: the sparkline over the gauge.
    history: tuple[float | None, ...] = ()
    history_days: float = 0.0  # the span those closes cover

    @property
    def forming(self) -> bool:
        return self.state == FORMING


@dataclass(frozen=True, slots=True)
class Mood:
    """Bottom anxiety and height euphoria of one series, with their why."""

    symbol: str  # a ccxt symbol, or "TOTAL" for the total market cap
    price: float | None = None
    bai: float = 0.0
    euphoria: float = 0.0
    # The floor that explains BAI: the broken floor (anchor) of the episode, or the live one.
    floor: float | None = None
    floor_age_days: float | None = None
    touches: int = 0
    breach_pct: float = 0.0  # how far below the floor, in percent (0 when not breached)
    round_level: float = 0.0  # R: 1, 0.5 or 0
    confirmation: float = 0.5  # K
    maturity: float = 0.0  # E
    state: str = "calm"  # "breached", "testing", "calm"
    ceiling: float | None = None
    extension_pct: float = 0.0  # above the mean close (of euphoria_mean_days), in percent
    broke_at: int | None = None  # ms when the floor broke, when it is a broken floor
    bai_live: float = 0.0  # what the price scores now; bai is higher while a peak decays...
    bai_from: int | None = None  # ...and then this is when that peak was set (ms), else None
    ceiling_age_days: float | None = None
    ceiling_broke_at: int | None = None  # ms when the ceiling broke (a breakout), when it is a broken one
    breakout_pct: float = 0.0  # how far above the ceiling, in percent
    euphoria_live: float = 0.0
    euphoria_from: int | None = None
    # The scores over the last 7 days, the highest of each 12 hours (0-100),
    # oldest first, the current 12 hours last, None before the series had a score.
    bai_7d: tuple[float | None, ...] = ()
    euphoria_7d: tuple[float | None, ...] = ()

    @property
    def bai_band(self) -> str:
        return band(self.bai)

    @property
    def euphoria_band(self) -> str:
        return band(self.euphoria, EUPHORIA_BANDS)


@dataclass(frozen=True, slots=True)
class FeedHealth:
    feed: str
    state: str  # "connecting", "live", "stale", "down"
    detail: str = ""
    since: int = 0  # ms when it entered this state
    last_data: int | None = None  # ms of the newest event from this feed


@dataclass(frozen=True, slots=True)
class MoodPeaks:
    """The highest bottom anxiety and euphoria a series reached (0-100), and when (ms)."""

    bai: float = 0.0
    bai_ts: int | None = None
    euphoria: float = 0.0
    euphoria_ts: int | None = None


@dataclass(frozen=True, slots=True)
class ReportView:
    """What ``report`` reads beyond the ``Snapshot`` (``Engine.report_view``).

    A recording's summary wants what a screen does not: every hour, exact
    windows at its end, all-time figures by venue.  The engine hands them out
    here, so that the report reads no engine internals."""

    as_of: int  # ms on the data clock
    long_usd: float = 0.0  # every liquidation seen
    short_usd: float = 0.0
    by_exchange: Mapping[str, SideTotals] = field(default_factory=lambda: _EMPTY)  # by first liquidation
    top: tuple[Liquidation, ...] = ()  # the largest single liquidations, largest (then earliest) first
    windows: Mapping[str, SideTotals] = field(default_factory=lambda: _EMPTY)  # (as_of - W, as_of], exact
    hours: tuple[HourVerdict, ...] = ()  # every hour from the first liquidation's to as_of's
    peaks: Mapping[str, MoodPeaks] = field(default_factory=lambda: _EMPTY)  # by mood series
    lvr_24h: float | None = None  # over the 24 h window above, pair by pair


@dataclass(frozen=True, slots=True)
class Snapshot:
    as_of: int  # ms on the data clock
    events: int = 0  # events applied since start
    liquidations: LiquidationSnapshot = field(default_factory=LiquidationSnapshot)
    leverage: LeverageSnapshot = field(default_factory=LeverageSnapshot)
    cap: CapSnapshot | None = None
    moods: tuple[Mood, ...] = ()  # sorted by bai, highest first
    feeds: tuple[FeedHealth, ...] = ()
