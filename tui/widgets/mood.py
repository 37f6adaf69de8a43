"""Pane 6: bottom anxiety and euphoria per symbol, with the why."""

from __future__ import annotations

from typing import Any, Sequence

from rich.console import Group, RenderableType
from rich.text import Text

from indicators.snapshot import Mood
from indicators.why import why
from tui.format import price, short_symbol
from tui.palette import Palette
from tui.widgets.base import Fit, SnapshotPane


def score_bar(score: float, width: int) -> str:
    """A 0-100 score as a bar of eighth blocks, so small differences still show."""
    blocks = " ▏▎▍▌▋▊▉█"
    eighths = round(max(0.0, min(100.0, score)) / 100 * width * 8)
    full, rest = divmod(eighths, 8)
    bar = "█" * full + (blocks[rest] if rest else "")
    return bar.ljust(width)


class MoodPane(SnapshotPane):
    """Bottom anxiety and euphoria per symbol, with the why."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Mood · bottom anxiety / euphoria", **kwargs)

    def build(self, palette: Palette, moods: Sequence[Mood], compact: bool) -> RenderableType:
        return Fit(lambda width: self.draw(palette, moods, width, compact))

    def draw(self, palette: Palette, moods: Sequence[Mood], width: int, compact: bool) -> RenderableType:
        if not moods:
            return Text("waiting for candles…", palette.dim)
        # Fixed columns, so a long "why" never squeezes the scores.
        bar_w = 8 if width >= 52 else (4 if width >= 44 else 0)
        why_inline = width >= 90 and not compact
        lines = [Text(f"{'':6} {'anxiety':<{bar_w + 18}} greed", palette.dim)]
        for m in moods:
            name = Text(f"{short_symbol(m.symbol)[:6]:<6} ", palette.bold)
            if m.price is None and m.floor is None:
                lines.append(name + Text("waiting for candles…", palette.dim))
                continue
            band_style = palette.band(m.bai_band)
            greed_style = palette.euphoria if m.euphoria >= 20 else palette.dim
            line = name + Text.assemble(
                (score_bar(m.bai, bar_w) + (" " if bar_w else ""), band_style),
                (f"{m.bai:3.0f} {m.bai_band:<13} ", band_style),
                (f"{m.euphoria:3.0f} {m.euphoria_band:<8}", greed_style),
            )
            if why_inline:
                line.append(f"  {why(m, price)}", palette.dim)
            lines.append(line)
            # Without room for a why column, a notable score still gets its reasons.
            if not why_inline and not compact and max(m.bai, m.euphoria) >= 20:
                reason = Text(f"{'':6} └ {why(m, price)}", palette.dim, no_wrap=True, overflow="ellipsis")
                reason.truncate(width, overflow="ellipsis")
                lines.append(reason)
        return Group(*lines)

