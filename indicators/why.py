"""A mood's why, in words: what the score stands on, so a trader can check it.

One home for the sentence the mood pane shows next to each score (and the
validation tables print): for bottom anxiety, the floor it reads (a broken
floor is named as such, with when it broke), its age and tests, how far
below it the price is; for euphoria, the ceiling and the extension above the
mean close.  When the score is a peak that decays (the price no longer
scores that high), the sentence says since when.
"""

from __future__ import annotations

from datetime import datetime, timezone, tzinfo
from typing import Callable

from indicators.snapshot import Mood

# A score at least this many points above what the price scores now reads as a decaying peak.
PEAK_MARGIN = 1.0


def stamp(ts_ms: int, tz: tzinfo) -> str:
    """'Jan 05 14:00', with 'UTC' when that is the zone (the default: the pane has none of its own)."""
    return datetime.fromtimestamp(ts_ms / 1000, tz).strftime("%b %d %H:%M") + (" UTC" if tz is timezone.utc else "")


def _tests(n: int) -> str:
    return f"{n} test{'s' if n != 1 else ''}"


def why(m: Mood, fmt: Callable[[float], str] = "{:.6g}".format, tz: tzinfo = timezone.utc,
        score: str | None = None) -> str:
    """The inputs that explain ``score`` ("bai" or "euphoria"; by default the larger
    of the two), prices through ``fmt``."""
    if m.ceiling is not None and (score == "euphoria" or (score is None and m.euphoria > m.bai)):
        return _why_euphoria(m, m.ceiling, fmt, tz)
    if m.floor is None:
        return "no floor yet"
    age = f"{m.floor_age_days or 0:.0f}d"
    if m.broke_at is not None:
        bits = [f"broke floor {fmt(m.floor)} ({age}, {_tests(m.touches)}) {stamp(m.broke_at, tz)}"]
    else:
        bits = [f"floor {fmt(m.floor)}, {age} old, {_tests(m.touches)}"]
    if m.breach_pct > 0:
        bits.append(f"{m.breach_pct:.0f}% below")
    elif m.state == "testing":
        bits.append("testing")
    elif m.broke_at is not None:
        bits.append("back above")
    if m.bai_from is not None and m.bai - m.bai_live >= PEAK_MARGIN:
        bits.append(f"peak decaying since {stamp(m.bai_from, tz)}")
    return ", ".join(bits)


def _why_euphoria(m: Mood, ceiling: float, fmt: Callable[[float], str], tz: tzinfo) -> str:
    if m.ceiling_broke_at is not None:
        bits = [f"broke ceiling {fmt(ceiling)} ({m.ceiling_age_days or 0:.0f}d) {stamp(m.ceiling_broke_at, tz)}"]
        if m.breakout_pct > 0:
            bits.append(f"{m.breakout_pct:.0f}% above")
    else:
        bits = [f"ceiling {fmt(ceiling)}"]
    bits.append(f"{m.extension_pct:+.0f}% vs its mean close")
    if m.euphoria_from is not None and m.euphoria - m.euphoria_live >= PEAK_MARGIN:
        bits.append(f"peak decaying since {stamp(m.euphoria_from, tz)}")
    return ", ".join(bits)
