"""Pane 5: where the total market cap sits in its fluctuation range."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text

from indicators.snapshot import CapSnapshot
from tui.format import age, money, pct
from tui.palette import Palette
from tui.widgets.base import Fit, SnapshotPane, one_line
from tui.widgets.spark import fit, strip

DAY_S = 86_400


def gauge_line(cap: CapSnapshot, width: int) -> tuple[str, int]:
    """A bar from the range low to high with ┼ at round trillions; returns the
    bar and the needle's column (clamped to the bar's ends when outside)."""
    inner = max(width, 3)
    cells = ["─"] * inner
    span = cap.high - cap.low
    for mark in cap.marks:
        if span > 0:
            col = round((mark - cap.low) / span * (inner - 1))
            if 0 <= col < inner:
                cells[col] = "┼"
    needle = round(min(max(cap.position, 0.0), 1.0) * (inner - 1))
    cells[needle] = "●"
    return "├" + "".join(cells) + "┤", needle + 1


class CapPane(SnapshotPane):
    """Where the total market cap sits in its fluctuation range."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Market cap · range", **kwargs)

    def build(
        self, palette: Palette, cap: CapSnapshot | None, compact: bool, min_days: float, memory: str
    ) -> RenderableType:
        return Fit(lambda width: self.draw(palette, cap, width, compact, min_days, memory))

    def draw(
        self, palette: Palette, cap: CapSnapshot | None, width: int, compact: bool, min_days: float, memory: str
    ) -> RenderableType:
        """``min_days``: the history a range needs; ``memory``: whether the
        samples outlive this run ("kept across restarts"), in a few words."""
        if cap is None:
            return Text("waiting for market-cap samples…", palette.dim)
        if cap.forming:
            # Too little history for a range: no needle, no position, no break.
            head = Text.assemble(
                (money(cap.usd), palette.bold),
                ("  range forming: ", palette.dim),
                f"{age(cap.covered_days * DAY_S)} of {age(min_days * DAY_S)}",
            )
            so_far = f"so far {money(cap.low)}-{money(cap.high)}" if cap.high > cap.low else "one level so far"
            return Group(one_line(head), one_line(Text(f"{so_far} · {memory}", palette.dim)))
        state = {"inside": "inside range", "above": "▲ broke above", "below": "▼ broke below"}.get(cap.state, cap.state)
        state_style = palette.success if cap.state == "inside" else palette.warning
        head = one_line(
            Text.assemble(
                (money(cap.usd), palette.bold),
                "  ",
                (state, state_style + palette.bold),
                f"  {pct(cap.position)} of range",
                (f"  {cap.days_in_range:.0f}d in range", palette.dim),
            )
        )
        lo, hi = money(cap.low), money(cap.high)
        bar_width = max(8, width - len(lo) - len(hi) - 4)
        bar, needle = gauge_line(cap, bar_width)
        gauge = Text.assemble((lo + " ", palette.dim), bar, (" " + hi, palette.dim))
        gauge.stylize(palette.accent + palette.bold, len(lo) + 1 + needle, len(lo) + 2 + needle)
        marks = " ".join(money(m) for m in cap.marks)
        kind = "fixed band" if cap.fixed_band else "rolling range"
        if compact:
            return Group(head, gauge)
        foot = Text(f"{kind}; marks {marks}" if marks else kind, palette.dim)
        return Group(head, *self.picture(palette, cap, len(lo) + 2, bar_width), gauge, foot)

    @staticmethod
    def picture(palette: Palette, cap: CapSnapshot, indent: int, width: int) -> list[Text]:
        """The cap over the range's days, right above the gauge's bar: the
        band is the scale (the bottom of a cell is the range's low, the top
        its high), so the days it spent near an edge, and a break, show."""
        cells = fit(cap.history, width, "last")
        if sum(v is not None for v in cells) < 2:
            return []
        days = f"{cap.history_days:.0f}d"
        return [one_line(Text.assemble((days.rjust(indent - 1) + " ", palette.dim),
                                       (strip(cells, cap.low, cap.high), palette.accent)))]
