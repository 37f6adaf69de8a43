"""Pane 6: bottom anxiety and euphoria per symbol, with the why."""

from __future__ import annotations

from typing import Any, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from indicators.snapshot import Mood, band
from indicators.why import why
from tui.format import price, short_symbol
from tui.palette import Palette
from tui.widgets.base import Fit, SnapshotPane
from tui.widgets.spark import fit, strip


def week(palette: Palette, scores: tuple[float | None, ...], width: int, greed: bool) -> Text:
    """A score's last 7 days on the 0-100 scale, each cell in its band's style
    (the height says it without colour), padded to ``width``."""
    line = Text()
    cells = fit(scores, width, "max")
    for v, ch in zip(cells, strip(cells, 0.0, 100.0)):
        if v is None:
            line.append(ch)
        elif greed:
            line.append(ch, palette.euphoria if v >= 20 else palette.dim)
        else:
            line.append(ch, palette.band(band(v)))
    line.pad_right(width - line.cell_len)
    return line


class MoodPane(SnapshotPane):
    """Bottom anxiety and euphoria per symbol, with the why."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Mood · bottom anxiety / euphoria", **kwargs)

    def build(self, palette: Palette, moods: Sequence[Mood], compact: bool) -> RenderableType:
        return Fit(lambda width: self.draw(palette, moods, width, compact))

    def draw(self, palette: Palette, moods: Sequence[Mood], width: int, compact: bool) -> RenderableType:
        if not moods:
            return Text("waiting for candles…", palette.dim)
        # Fixed columns, so a long "why" never squeezes the scores; each score's
        # last 7 days where there is room (the greed's from 53 columns).
        spark_w = 14 if width >= 67 else (7 if width >= 53 else (4 if width >= 44 else 0))
        greed_w = spark_w if width >= 53 else 0
        why_inline = width >= 90 and not compact
        head = "anxiety 7d" if spark_w >= 7 else "anxiety"
        lines = [Text(f"{'':6} {head:<{spark_w + 18}} {'greed 7d' if greed_w else 'greed'}", palette.dim)]
        for m in moods:
            name = Text(f"{short_symbol(m.symbol)[:6]:<6} ", palette.bold)
            if m.price is None and m.floor is None:
                lines.append(name + Text("waiting for candles…", palette.dim))
                continue
            band_style = palette.band(m.bai_band)
            greed_style = palette.euphoria if m.euphoria >= 20 else palette.dim
            line = name.copy()
            if spark_w:
                line.append_text(week(palette, m.bai_7d, spark_w, greed=False))
                line.append(" ")
            line.append_text(Text.assemble(
                (f"{m.bai:3.0f} {m.bai_band:<13} ", band_style),
                (f"{m.euphoria:3.0f} {m.euphoria_band:<8}", greed_style),
            ))
            if greed_w:
                line.append(" ")
                line.append_text(week(palette, m.euphoria_7d, greed_w, greed=True))
            reason_text = why(m, price)
            # The why after the scores when it fits whole; else, for a notable score, on a line of its own.
            inline = why_inline and line.cell_len + 2 + len(reason_text) <= width
            if inline:
                line.append(f"  {reason_text}", palette.dim)
            lines.append(line)
            if not inline and not compact and max(m.bai, m.euphoria) >= 20:
                reason = Text(f"{'':6} └ {reason_text}", palette.dim, no_wrap=True, overflow="ellipsis")
                reason.truncate(width, overflow="ellipsis")
                lines.append(reason)
        return Group(*lines)

