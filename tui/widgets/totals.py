"""Pane 2: the 1h/4h/12h/24h observed liquidations, long and short, the largest, the storm."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from indicators.snapshot import LiquidationSnapshot
from tui.format import SIDE_MARK, SIDE_WORD, clock, money, pct, short_symbol
from tui.palette import Palette
from tui.widgets.base import SnapshotPane, one_line


class TotalsPane(SnapshotPane):
    """1h/4h/12h/24h observed liquidations, long and short."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Liquidations · observed", **kwargs)

    def build(self, palette: Palette, liq: LiquidationSnapshot, tz: tzinfo, compact: bool) -> RenderableType:
        table = Table(box=None, expand=True, pad_edge=False, show_edge=False, padding=(0, 1))
        table.add_column("", style=palette.bold, no_wrap=True)
        table.add_column(SIDE_WORD["long"], justify="right", header_style=palette.long, no_wrap=True)
        table.add_column(SIDE_WORD["short"], justify="right", header_style=palette.short, no_wrap=True)
        table.add_column("total", justify="right", no_wrap=True)
        table.add_column("long%", justify="right", no_wrap=True)
        for w in liq.windows:
            if compact and w.label not in ("1h", "24h"):
                continue
            table.add_row(
                w.label,
                Text(money(w.long_usd), palette.long),
                Text(money(w.short_usd), palette.short),
                money(w.total_usd),
                pct(w.long_share),
            )
        parts: list[RenderableType] = [table]
        day = liq.window("24h")
        largest = day.largest if day is not None else None
        if day is not None and day.by_exchange and not compact:
            venues = sorted(day.by_exchange.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))
            parts.append(
                one_line(
                    Text.assemble(
                        ("24h ", palette.dim), *(f"{name} {money(lo + sh)}  " for name, (lo, sh) in venues)
                    )
                )
            )
        if largest is not None:
            is_long = largest.side == "long"
            parts.append(
                one_line(
                    Text.assemble(
                        ("largest ", palette.dim),
                        (money(largest.usd), palette.side(is_long) + palette.bold),
                        " ",
                        (SIDE_MARK[largest.side], palette.side(is_long)),
                        f" {short_symbol(largest.symbol)} {largest.exchange}",
                        (f" {clock(largest.ts, tz, seconds=False)}", palette.dim),
                    )
                )
            )
        storm = liq.storm
        if storm is not None:
            mult = f", {storm.multiple:.1f}x baseline" if storm.multiple else ""
            parts.append(Text(f"⚡ STORM this hour: {money(storm.total_usd)}{mult}", palette.warning + palette.bold))
        return Group(*parts)
