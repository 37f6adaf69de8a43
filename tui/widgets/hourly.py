"""Pane 3: the last 24 hours of liquidations, long and short stacked, storms flagged."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from indicators.snapshot import HourBar
from tui.format import clock, money
from tui.palette import Palette
from tui.widgets.base import Fit, SnapshotPane

LONG_CELL, SHORT_CELL = "█", "░"


def hourly_columns(bars: Sequence[HourBar], height: int) -> list[list[str]]:
    """Stacked columns, bottom-up: long cells (█) under short cells (░).

    Two glyphs rather than two colours, so the split reads under NO_COLOR.
    A non-zero hour too small for a cell still shows a ▁ so it is not
    mistaken for an hour with nothing observed.
    """
    top = max((b.total_usd for b in bars), default=0.0)
    columns = []
    for b in bars:
        if top <= 0 or b.total_usd <= 0:
            columns.append([" "] * height)
            continue
        total_cells = round(b.total_usd / top * height)
        long_cells = round(b.long_usd / top * height)
        long_cells = min(long_cells, total_cells)
        col = [LONG_CELL] * long_cells + [SHORT_CELL] * (total_cells - long_cells)
        if not col:
            col = ["▁"]
        columns.append(col + [" "] * (height - len(col)))
    return columns


class HourlyPane(SnapshotPane):
    """The last 24 hours, long and short stacked, storms flagged."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Hourly · last 24h", **kwargs)

    def build(self, palette: Palette, hourly: Sequence[HourBar], height: int, tz: tzinfo) -> RenderableType:
        return Fit(lambda width: self.draw(palette, hourly, width, height, tz))

    def draw(self, palette: Palette, hourly: Sequence[HourBar], width: int, height: int, tz: tzinfo) -> RenderableType:
        bars = list(hourly)[-24:]
        if not bars:
            return Text("no liquidations observed yet", palette.dim)
        top = max(b.total_usd for b in bars)
        label_w = max(len(money(top)), 5) + 1
        cell_w = 2 if width - label_w >= 2 * len(bars) else 1
        columns = hourly_columns(bars, height)
        lines: list[Text] = []
        for row in range(height - 1, -1, -1):
            label = money(top) if row == height - 1 else ""
            line = Text(label.rjust(label_w - 1) + " ", palette.dim)
            for col in columns:
                cell = col[row]
                style = palette.long if cell in (LONG_CELL, "▁") else palette.short
                line.append((cell * cell_w)[:cell_w] if cell != " " else " " * cell_w, style)
            lines.append(line)
        # The axis: storm hours get a ⚡, the current hour a ▲ (it is still filling).
        axis = Text(" " * label_w, palette.dim)
        for i, b in enumerate(bars):
            if b.storm:  # ⚡ is two cells wide: a ! where columns are one cell
                axis.append("⚡" if cell_w == 2 else "!", palette.warning + palette.bold)
            else:
                axis.append(("▲" if i == len(bars) - 1 else "·").ljust(cell_w), palette.dim)
        lines.append(axis)
        first, last = bars[0], bars[-1]
        lines.append(
            Text.assemble(
                (" " * label_w + clock(first.start, tz, seconds=False), palette.dim),
                ("  █ long ", palette.long),
                ("░ short", palette.short),
                (f"  ▲ now {clock(last.start, tz, seconds=False)}", palette.dim),
            )
        )
        for b in bars:
            if b.storm:
                mult = f", {b.multiple:.1f}x baseline" if b.multiple else ""
                lines.append(
                    Text(f"⚡ {clock(b.start, tz, seconds=False)} {money(b.total_usd)}{mult}", palette.warning)
                )
        return Group(*lines)
