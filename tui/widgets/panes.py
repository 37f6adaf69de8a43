"""The snapshot panes: totals, cap-range gauge, mood board, status line.

Each pane is a thin ``Static``: it takes its slice of an immutable snapshot,
builds a Rich renderable, and updates only when that slice changed (so an
idle screen sends nothing to the terminal).  All numbers come from the
indicator layer; the panes only lay them out.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, Callable, Hashable, Sequence

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.table import Table
from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from indicators.snapshot import CapSnapshot, FeedHealth, HourBar, LeverageSnapshot, LiquidationSnapshot, Mood
from tui.format import age, clock, day, money, pct, price, short_symbol
from tui.palette import Palette


class Fit:
    """Content built at render time for the width it is actually given.

    A pane's width changes with the layout (a scrollbar appearing, a resize);
    a width read from the widget before rendering can be stale, so anything
    drawn to a width (a gauge, a chart, column choices) is built here.
    """

    def __init__(self, build: Callable[[int], RenderableType]) -> None:
        self.build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)


def one_line(text: Text) -> Text:
    """A line that ends in … rather than wrapping: panes keep their shape at any width."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class SnapshotPane(Static):
    """A Static that re-renders only when its input changed.

    ``key`` is the number key that collapses it: a collapsed pane keeps one
    line that names it, so it is never lost.
    """

    def __init__(self, title: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.title = title
        self._pane_key = ""
        self.border_title = title
        self._key: Hashable = object()

    @property
    def key(self) -> str:
        return self._pane_key

    @key.setter
    def key(self, value: str) -> None:
        self._pane_key = value
        self.border_title = f"{value} {self.title}".strip()

    def set_note(self, note: str) -> None:
        """A few words after the title (e.g. where coverage starts)."""
        title = f"{self._pane_key} {self.title}".strip() + (f" · {note}" if note else "")
        if self.border_title != title:
            self.border_title = title

    def collapsed_changed(self) -> None:
        self._key = object()  # re-render on the next tick
        if self.has_class("-collapsed"):
            self.update(f"▸ {self.key} {self.title} (collapsed)")

    def show(self, key: Hashable, palette: Palette, *args: Any) -> None:
        if key == self._key:
            return
        self._key = key
        self.update(self.build(palette, *args))

    def build(self, palette: Palette, *args: Any) -> RenderableType:
        raise NotImplementedError


class TotalsPane(SnapshotPane):
    """1h/4h/12h/24h observed liquidations, long and short."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Liquidations · observed", **kwargs)

    def build(self, palette: Palette, liq: LiquidationSnapshot, tz: tzinfo, compact: bool) -> RenderableType:
        table = Table(box=None, expand=True, pad_edge=False, show_edge=False, padding=(0, 1))
        table.add_column("", style=palette.bold, no_wrap=True)
        table.add_column("▼ long", justify="right", header_style=palette.long, no_wrap=True)
        table.add_column("▲ short", justify="right", header_style=palette.short, no_wrap=True)
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
                        ("▼L" if is_long else "▲S", palette.side(is_long)),
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

    def build(self, palette: Palette, cap: CapSnapshot | None, compact: bool) -> RenderableType:
        return Fit(lambda width: self.draw(palette, cap, width, compact))

    def draw(self, palette: Palette, cap: CapSnapshot | None, width: int, compact: bool) -> RenderableType:
        if cap is None:
            return Text("waiting for market-cap samples…", palette.dim)
        if cap.high <= cap.low:
            # One sample is not a range: say so rather than draw a 50 % needle.
            return Group(
                Text.assemble((money(cap.usd), palette.bold), ("  range still forming", palette.dim)),
                Text("the range builds from samples over days (kept across restarts)", palette.dim),
            )
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
        return Group(head, gauge, foot)


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
                line.append(f"  {why(m)}", palette.dim)
            lines.append(line)
            # Without room for a why column, a notable score still gets its reasons.
            if not why_inline and not compact and max(m.bai, m.euphoria) >= 20:
                reason = Text(f"{'':6} └ {why(m)}", palette.dim, no_wrap=True, overflow="ellipsis")
                reason.truncate(width, overflow="ellipsis")
                lines.append(reason)
        return Group(*lines)


def why(m: Mood) -> str:
    """The inputs that explain the larger of the two scores, in words."""
    if m.euphoria > m.bai and m.ceiling is not None:
        return f"ceiling {price(m.ceiling)}, {m.extension_pct:+.0f}% vs 30d mean"
    if m.floor is None:
        return "no floor yet"
    bits = [f"floor {price(m.floor)}"]
    if m.floor_age_days is not None:
        bits.append(f"{m.floor_age_days:.0f}d old")
    bits.append(f"{m.touches} test{'s' if m.touches != 1 else ''}")
    if m.breach_pct > 0:
        bits.append(f"{m.breach_pct:.0f}% below")
    elif m.state == "testing":
        bits.append("testing")
    return ", ".join(bits)


STATE_MARK = {"live": "●", "connecting": "◌", "stale": "◐", "down": "✖"}


def feed_health(
    palette: Palette, feeds: Sequence[FeedHealth], errors: dict[str, str], now_ms: int, room: int
) -> Text:
    """Per-feed state and age when there is room, else a count by state (in words)."""
    styles = {"live": palette.success, "stale": palette.warning, "down": palette.error}
    full = Text()
    for f in feeds:
        full.append(f"{f.feed} ", palette.dim)
        # A live feed is a ●; any other state is spelled out (shape and word, not colour alone).
        word = "" if f.state == "live" else f" {f.state}"
        full.append(f"{STATE_MARK.get(f.state, '?')}{word}", styles.get(f.state, palette.dim))
        if f.last_data is not None:
            full.append(f" {age((now_ms - f.last_data) / 1000)}", palette.dim)
        full.append("  ")
    for name in errors:
        full.append(f"{name} ✖ failed  ", palette.error)
    full.rstrip()
    if full.cell_len <= room:
        return full
    counts: dict[str, int] = {}
    for f in feeds:
        counts[f.state] = counts.get(f.state, 0) + 1
    if errors:
        counts["down"] = counts.get("down", 0) + len(errors)
    short = Text("feeds ", palette.dim)
    for state in ("live", "stale", "connecting", "down"):
        if counts.get(state):
            short.append(f"{counts[state]}{STATE_MARK[state]}{state} ", styles.get(state, palette.dim))
    short.rstrip()
    short.truncate(max(room, 0))
    return short


class StatusLine(Static):
    """Mode badge, feed health with data age, alert count and the clock."""

    DEFAULT_CSS = """
    StatusLine { dock: bottom; height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._key: Hashable = None

    def show(
        self,
        palette: Palette,
        mode: str,
        label: str,
        feeds: Sequence[FeedHealth],
        now_ms: int,
        data_age_s: float | None,
        wall_ms: int,
        tz: tzinfo,
        width: int,
        alerts: int,
        feed_errors: dict[str, str],
    ) -> None:
        age_text = age(data_age_s)
        key = (mode, label, feeds, now_ms // 1000, age_text, wall_ms // 1000, width, alerts, tuple(feed_errors))
        if key == self._key:
            return
        self._key = key
        badge_style = palette.warning if mode != "LIVE" else palette.success
        badge = Text(f" {label} ", badge_style + palette.bold + Style(reverse=True))
        # Right side first: the data age and the clock must always fit.
        right = Text()
        if alerts:
            right.append(f"⚑ {alerts}  ", palette.warning)
        right.append("age ", palette.dim)
        right.append(age_text, palette.bold if (data_age_s or 0) < 60 else palette.warning + palette.bold)
        right.append("  ")
        right.append(clock(wall_ms, tz), palette.bold)
        if mode != "LIVE" and width >= 130:
            right.append(f"  data {clock(now_ms, tz)}", palette.dim)
        if width - 2 - badge.cell_len - right.cell_len < 8:
            # The side panel: the mode and its state, without the long words.
            short = " · ".join([mode, *label.split(" · ")[1:]])
            badge = Text(f" {short} ", badge.style)
        room = width - 2 - badge.cell_len - right.cell_len - 2
        text = Text.assemble(badge, " ", feed_health(palette, feeds, feed_errors, now_ms, room), " ")
        pad = max(1, width - 2 - text.cell_len - right.cell_len)
        text.append(" " * pad)
        text.append_text(right)
        self.update(text)


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


TREND_WORD = {"falling": "▼ falling", "rising": "▲ rising", "flat": "▶ flat", "unknown": "trend unknown"}


class LeveragePane(SnapshotPane):
    """Liquidations per volume, open interest, and the flush label."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("Leverage", **kwargs)

    def build(self, palette: Palette, lev: LeverageSnapshot, tz: tzinfo) -> RenderableType:
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
            if lev.lvr_median_7d is not None and lev.lvr_median_then is not None:
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
            lines.append(Text("⚑ LEVERAGE FLUSH: \"final harvest\"", palette.warning + palette.bold))
            lines.append(Text("storm hour while LVR trends down", palette.dim))
        elif lev.flush:
            lines.append(Text("⚑ FLUSH: OI -10%+ in 24h, heavy liquidations", palette.warning + palette.bold))
        return Group(*lines)
