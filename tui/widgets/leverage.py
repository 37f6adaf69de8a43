"""Pane 4: liquidations per volume and its trend, open interest, the flush label."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from indicators.snapshot import LeverageSnapshot
from tui.format import day, money, pct
from tui.palette import Palette
from tui.widgets.base import Fit, SnapshotPane, one_line
from tui.widgets.spark import cell_of, fit, strip

TREND_WORD = {"falling": "▼ falling", "rising": "▲ rising", "flat": "▶ flat", "unknown": "trend unknown"}
DAY_MS = 86_400_000


def lvr_picture(palette: Palette, lev: LeverageSnapshot, width: int, tz: tzinfo) -> Text | None:
    """The daily LVR as a sparkline from 0 to its highest day, the peak's cell
    in bold with its date after the line where it fits: the fall that
    "falling since" names, seen."""
    label = f"{len(lev.lvr_daily)}d "
    cells = fit(lev.lvr_daily, width - len(label), "mean")
    known = [v for v in cells if v is not None]
    if len(known) < 2 or lev.lvr_daily_from is None:
        return None
    line = Text(label, palette.dim)
    peak = None if lev.lvr_peak_index is None else cell_of(lev.lvr_peak_index, len(lev.lvr_daily), len(cells))
    for i, ch in enumerate(strip(cells, 0.0, max(known))):
        line.append(ch, palette.accent + palette.bold if i == peak else palette.dim)
    if lev.lvr_peak_index is not None:
        note = f" peak {day(lev.lvr_daily_from + lev.lvr_peak_index * DAY_MS, tz)}"
        if line.cell_len + len(note) <= width:
            line.append(note, palette.dim)
    return one_line(line)


class LeveragePane(SnapshotPane):
    """Liquidations per volume, open interest, and the flush label."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Leverage", **kwargs)

    def build(self, palette: Palette, lev: LeverageSnapshot, tz: tzinfo, compact: bool) -> RenderableType:
        return Fit(lambda width: self.draw(palette, lev, width, tz, compact))

    def draw(self, palette: Palette, lev: LeverageSnapshot, width: int, tz: tzinfo, compact: bool) -> RenderableType:
        lines: list[Text] = []
        if lev.lvr_24h is None:
            lines.append(Text("LVR: waiting for 24h volume…", palette.dim))
        else:
            trend = TREND_WORD.get(lev.lvr_trend, lev.lvr_trend)
            since = f" since {day(lev.falling_since, tz)}" if lev.falling_since and lev.lvr_trend == "falling" else ""
            trend_style = palette.success if lev.lvr_trend == "falling" else (palette.warning if lev.lvr_trend == "rising" else palette.dim)
            lines.append(
                Text.assemble(
                    ("LVR ", palette.bold),
                    (money(lev.lvr_24h), palette.bold),
                    (" per $1B traded, 24h", palette.dim),
                )
            )
            lines.append(Text(trend + since, trend_style))
            picture = lvr_picture(palette, lev, width, tz)
            if picture is not None:
                lines.append(picture)
            # Where rows are few, the picture says what the medians do.
            if lev.lvr_median_7d is not None and lev.lvr_median_then is not None and not (compact and picture):
                lines.append(
                    one_line(
                        Text(f"7d median {money(lev.lvr_median_7d)}, was {money(lev.lvr_median_then)}", palette.dim)
                    )
                )
        if lev.oi_usd is None:
            lines.append(Text("OI: waiting for open interest…", palette.dim))
        else:
            lines.append(
                one_line(
                    Text.assemble(
                        ("OI ", palette.bold),
                        money(lev.oi_usd),
                        ("  24h ", palette.dim),
                        pct(lev.oi_change_24h, 1, signed=True),
                        ("  7d ", palette.dim),
                        pct(lev.oi_change_7d, 1, signed=True),
                        ("  OI/cap ", palette.dim),
                        pct(lev.oi_to_cap, 2),
                    )
                )
            )
        if lev.final_harvest:
            lines.append(one_line(Text("⚑ LEVERAGE FLUSH: \"final harvest\"", palette.warning + palette.bold)))
            if not compact:
                lines.append(one_line(Text("storm hour while LVR trends down", palette.dim)))
        elif lev.flush:
            lines.append(one_line(Text("⚑ FLUSH: OI -10%+ in 24h, heavy liquidations", palette.warning + palette.bold)))
        return Group(*lines)
