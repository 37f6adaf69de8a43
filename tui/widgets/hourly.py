"""Pane 3: the last 24 hours of liquidations, long and short stacked, storms flagged."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from indicators.snapshot import HourBar, HourVerdict, LiquidationSnapshot
from tui.format import clock, money
from tui.palette import Palette
from tui.widgets.base import Fit, SnapshotPane, one_line

LONG_CELL, SHORT_CELL = "█", "░"
# The top of a bar in eighths of a cell: a bar's height reads to 1/8 of a row,
# so the compact strip of two rows still tells 16 sizes apart.
EIGHTHS = " ▁▂▃▄▅▆▇"
HOURS = 24
# Bar rows: the full pane, compact rows (`c`, 24-row terminals), the side panel's strip.
BAR_ROWS, COMPACT_ROWS, STRIP_ROWS = 6, 3, 2
# Columns wider than this leave the width unused: a bar 4 cells wide reads as a block.
MAX_CELL = 4

Cell = tuple[str, bool]  # (glyph, is the long side)
BLANK: Cell = (" ", True)


def hourly_columns(bars: Sequence[HourBar], height: int) -> list[list[Cell]]:
    """Stacked columns, bottom-up: long cells (█) under short cells (░).

    Two glyphs rather than two colours, so the split reads under NO_COLOR,
    which is why only a long top is drawn in eighths (▁▂▃…: a ░ cannot be
    cut): a short top is a whole ░ from half a cell.  A cell is long when
    its middle lies in the long part of the bar.  A non-zero hour too small
    to show still gets a ▁, so it is not mistaken for an hour with nothing.
    """
    top = max((b.total_usd for b in bars), default=0.0)
    columns = []
    for b in bars:
        if top <= 0 or b.total_usd <= 0:
            columns.append([BLANK] * height)
            continue
        total_e = round(b.total_usd / top * height * 8)
        long_e = min(total_e, round(b.long_usd / top * height * 8))
        full, rest = divmod(total_e, 8)
        col: list[Cell] = []
        for i in range(full):
            is_long = 8 * i + 4 < long_e
            col.append((LONG_CELL if is_long else SHORT_CELL, is_long))
        if rest:
            if 8 * full + rest / 2 < long_e:
                col.append((EIGHTHS[rest], True))
            elif rest >= 4:
                col.append((SHORT_CELL, False))
        if not col:
            col.append((EIGHTHS[1], b.long_usd >= b.short_usd))
        columns.append(col + [BLANK] * (height - len(col)))
    return columns


def memory(palette: Palette, peak: HourVerdict | None, quiet: HourVerdict | None, tz: tzinfo,
           width: int) -> list[Text]:
    """The storm memory under the chart: the day's peak hour with its verdict,
    beside the quiet hour it stands against ("⚡ peak 21:00 $600M, 33.3x
    baseline, final harvest · quiet 15:00 $12.0M"), on one line when it fits,
    else on two.  A storm is flagged and bold for the whole day after it."""
    if peak is None:
        return []
    bar = peak.bar
    style = palette.warning + palette.bold if bar.storm else palette.dim
    # In fewer words where the pane is narrow (the side panel): "33.3x", not "33.3x baseline".
    for times in ("x baseline", "x"):
        words = [f"peak {clock(bar.start, tz, seconds=False)} {money(bar.total_usd)}"]
        if bar.multiple is not None:
            words.append(f"{bar.multiple:.1f}{times}")
        if peak.final_harvest:
            words.append("final harvest")
        head = Text(("⚡ " if bar.storm else "") + ", ".join(words), style)
        if head.cell_len <= width:
            break
    if quiet is None:
        return [one_line(head)]
    tail = Text(f"quiet {clock(quiet.bar.start, tz, seconds=False)} {money(quiet.bar.total_usd)}", palette.dim)
    if head.cell_len + 3 + tail.cell_len <= width:
        return [Text.assemble(head, (" · ", palette.dim), tail)]
    return [one_line(head), one_line(Text.assemble("  " if bar.storm else "", tail))]


def legend(palette: Palette, bars: Sequence[HourBar], label_w: int, width: int, tz: tzinfo) -> Text:
    """Under the axis: the first hour, the two glyphs, the current hour; in
    fewer words when the pane is narrow (a 40-column side of 80x24)."""
    first, last = clock(bars[0].start, tz, seconds=False), clock(bars[-1].start, tz, seconds=False)
    for long_word, short_word, now in (("long", "short", "now "), ("long", "short", ""), ("L", "S", "")):
        text = Text.assemble(
            (" " * label_w + first, palette.dim),
            (f"  █ {long_word} ", palette.long),
            (f"░ {short_word}", palette.short),
            (f"  ▲ {now}{last}", palette.dim),
        )
        if text.cell_len <= width:
            break
    return one_line(text)


class HourlyPane(SnapshotPane):
    """The last 24 hours, long and short stacked, storms flagged."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Hourly · last 24h", **kwargs)

    def build(self, palette: Palette, liq: LiquidationSnapshot, height: int, tz: tzinfo) -> RenderableType:
        return Fit(lambda width: self.draw(palette, liq, width, height, tz))

    def draw(self, palette: Palette, liq: LiquidationSnapshot, width: int, height: int, tz: tzinfo) -> RenderableType:
        hourly = liq.hourly
        bars = list(hourly)[-HOURS:]
        if not bars:
            return Text("no liquidations observed yet", palette.dim)
        top = max(b.total_usd for b in bars)
        label_w = max(len(money(top)), 5) + 1
        cell_w = max(1, min(MAX_CELL, (width - label_w) // len(bars)))
        # From three cells on, a gap between bars keeps them apart.
        bar_w = cell_w - 1 if cell_w >= 3 else cell_w
        gap = " " * (cell_w - bar_w)
        columns = hourly_columns(bars, height)
        lines: list[Text] = []
        for row in range(height - 1, -1, -1):
            label = money(top) if row == height - 1 else ""
            line = Text(label.rjust(label_w - 1) + " ", palette.dim)
            for col in columns:
                glyph, is_long = col[row]
                line.append(glyph * bar_w, palette.side(is_long))
                line.append(gap)
            lines.append(line)
        # The axis: storm hours get a ⚡, the current hour a ▲ (it is still filling).
        axis = Text(" " * label_w, palette.dim)
        for i, b in enumerate(bars):
            if b.storm:  # ⚡ is two cells wide: a ! where columns are one cell
                axis.append("⚡".ljust(cell_w - 1) if cell_w >= 2 else "!", palette.warning + palette.bold)
            else:
                axis.append(("▲" if i == len(bars) - 1 else "·").ljust(cell_w), palette.dim)
        lines.append(axis)
        lines.append(legend(palette, bars, label_w, width, tz))
        lines.extend(memory(palette, liq.peak, liq.quiet, tz, width))
        return Group(*lines)
