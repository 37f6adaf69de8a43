"""The liquidation tape: a line-API widget over the pipeline's bounded buffer.

Why not ``DataTable`` or ``RichLog``: written per event they cost 65-85 % of
a core at 1k events/s and fall behind (DESIGN.md, "Runtime shape").  This
widget renders only the visible lines, from a list rebuilt at most once per
timer tick, and only when the buffer moved.
"""

from __future__ import annotations

import difflib
from collections import deque
from dataclasses import dataclass
from datetime import tzinfo
from typing import Iterable

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from feeds.events import LONG, SHORT, Liquidation
from tui.format import SIDE_MARK, SIDE_WORD, clock, day_heading, day_start, money, parse_money, price, short_symbol
from tui.palette import Palette


# What the side field accepts: the words, their plurals and first letters.
SIDE_INPUT = {"": "", **{w: side for side in (LONG, SHORT) for w in (side, side + "s", side[0])}}


@dataclass(frozen=True)
class TapeFilter:
    """Which liquidations the tape shows.  Empty fields mean "any"."""

    min_usd: float = 0.0
    venues: frozenset[str] = frozenset()
    side: str = ""  # "", "long" or "short"
    symbol: str = ""  # a case-insensitive substring of the ccxt symbol

    @property
    def active(self) -> bool:
        return bool(self.min_usd > 0 or self.venues or self.side or self.symbol)

    def matches(self, ev: Liquidation) -> bool:
        return (
            ev.usd >= self.min_usd
            and (not self.venues or ev.exchange in self.venues)
            and (not self.side or ev.side == self.side)
            and (not self.symbol or self.symbol.upper() in ev.symbol.upper())
        )

    @classmethod
    def from_fields(
        cls, min_usd: str, venues: str, side: str, symbol: str, known_venues: Iterable[str]
    ) -> TapeFilter:
        """The filter a person typed, or ValueError saying which field is wrong.

        A venue must be one liqwatch knows: a typo ("binanse") would match
        nothing, and the tape would go blank as if the market were quiet.
        """
        known = sorted(set(known_venues))
        names = [v.strip().lower() for v in venues.split(",") if v.strip()]
        for name in names:
            if name not in known:
                near = difflib.get_close_matches(name, known, n=1)
                hint = f"did you mean {near[0]}?" if near else f"known: {', '.join(known)}"
                raise ValueError(f"no venue {name!r}: {hint}")
        word = side.strip().lower()
        if word not in SIDE_INPUT:
            raise ValueError("side must be long, short or empty")
        return cls(parse_money(min_usd), frozenset(names), SIDE_INPUT[word], symbol.strip())

    def describe(self) -> str:
        bits = []
        if self.min_usd > 0:
            bits.append(f"≥{money(self.min_usd)}")
        if self.venues:
            bits.append(",".join(sorted(self.venues)))
        if self.side:
            bits.append(self.side)
        if self.symbol:
            bits.append(self.symbol.upper())
        return " ".join(bits)


class TapeView(ScrollView, can_focus=True):
    """Newest liquidation first; large ones stand out."""

    DEFAULT_CSS = """
    TapeView { height: 1fr; overflow-x: hidden; }
    """

    def __init__(self, tz: tzinfo, large_usd: float, palette: Palette, **kwargs) -> None:
        super().__init__(**kwargs)
        self.palette = palette
        self._tz = tz
        self.large_usd = large_usd
        self._rows: list[Liquidation] = []
        # The rows with a day heading (a str) above each day that is not today's.
        self._lines: list[Liquidation | str] = []
        self._seq = -1
        self._today = 0  # ms of local midnight of the day the headings were made for
        self._cache: dict[tuple[Liquidation | str, int, bool], Strip] = {}
        self.filter = TapeFilter()
        self.paused = False
        # Liquidations that arrived since the pause (shown, not lost: the
        # buffer keeps them, and they appear on resume).
        self.missed = 0

    def set_filter(self, tape_filter: TapeFilter) -> None:
        self.filter = tape_filter
        self._seq = -1  # rebuild from the buffer on the next tick

    def toggle_pause(self) -> bool:
        self.paused = not self.paused
        if not self.paused:
            self.missed = 0
            self._seq = -1
        return self.paused

    def update_from(self, tape: deque[Liquidation], seq: int, now_ms: int) -> None:
        """Take the buffer's current contents if it moved since the last tick
        (or the day turned: yesterday's rows get their heading)."""
        if self.paused:
            if self._seq >= 0:
                self.missed = seq - self._seq
            return
        today = day_start(now_ms, self._tz)
        if seq == self._seq and today == self._today:
            return
        self._seq, self._today = seq, today
        rows = [ev for ev in tape if self.filter.matches(ev)] if self.filter.active else list(tape)
        rows.reverse()
        self._rows = rows
        self._lines = self._with_day_headings(rows, today, now_ms)
        if len(self._cache) > 4 * max(self.size.height, 50):
            self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self._lines))
        self.refresh()

    def _with_day_headings(self, rows: list[Liquidation], today: int, now_ms: int) -> list[Liquidation | str]:
        """The rows (newest first) with a heading over each day other than
        today, so a time on the tape is never read as today's.

        One comparison per row; a date is worked out only where a day starts.
        Rows a little out of order (venues' clocks) stay under the heading
        they came with rather than open another.
        """
        if not rows:
            return []
        tz = self._tz
        start = day_start(rows[0].ts, tz)
        if start == today:
            lines: list[Liquidation | str] = []
        else:
            lines = [day_heading(rows[0].ts, tz, now_ms)]
        first = 0
        for i, ev in enumerate(rows):
            if ev.ts < start:
                lines.extend(rows[first:i])
                lines.append(day_heading(ev.ts, tz, now_ms))
                start, first = day_start(ev.ts, tz), i
        if not lines:
            return rows  # all of today: no copy
        lines.extend(rows[first:])
        return lines

    @property
    def row_count(self) -> int:
        return len(self._rows)

    def on_resize(self) -> None:
        self._cache.clear()
        self.virtual_size = Size(self.size.width, len(self._lines))

    def set_palette(self, palette: Palette) -> None:
        """A new theme: every cached row is stale."""
        if palette is not self.palette:
            self.palette = palette
            self._cache.clear()
            self.refresh()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.size.width
        if index >= len(self._lines):
            if index == 0:
                return self._empty_line(width)
            return Strip.blank(width, self.rich_style)
        line = self._lines[index]
        # Keyed by the event itself, not its id(): an id is reused once its
        # event leaves the buffer and is freed, and the cache would then draw
        # the old row for a new liquidation.
        key = (line, width, isinstance(line, Liquidation) and line.usd >= self.large_usd)
        strip = self._cache.get(key)
        if strip is None:
            strip = self._render_heading(line, width) if isinstance(line, str) else self._render_row(line, width)
            self._cache[key] = strip
        return strip

    def _render_heading(self, heading: str, width: int) -> Strip:
        """'──── Tue Nov 04 ─────': the rows under it are of that day."""
        text = f"──── {heading} ".ljust(width, "─")
        return Strip([Segment(text, self.rich_style + self.palette.dim)]).adjust_cell_length(width, self.rich_style)

    def _empty_line(self, width: int) -> Strip:
        """A blank tape says why: a filter that matches nothing is not a quiet market."""
        words = f"nothing matches {self.filter.describe()} · f to change" if self.filter.active else "no liquidations yet"
        return Strip([Segment(f" {words}", self.rich_style + self.palette.dim)]).adjust_cell_length(width, self.rich_style)

    def _render_row(self, ev: Liquidation, width: int) -> Strip:
        pal = self.palette
        base = self.rich_style
        is_long = ev.side == LONG
        side_style = pal.side(is_long)
        large = ev.usd >= self.large_usd
        usd_style = side_style + pal.bold if large else side_style
        mark = "!" if large else " "
        # The side is a word or an arrow with a letter, never colour alone.
        # Few style runs per row: each run costs a full colour sequence on
        # the wire, and the tape rewrites its visible rows on every redraw.
        if width >= 46:
            side = f"{SIDE_WORD[ev.side].upper():<7}"
            who = f"{clock(ev.ts, self._tz)} {ev.exchange[:7]:<7} {short_symbol(ev.symbol)[:9]:<9} "
        else:  # the tmux side panel: 32 cells
            side = SIDE_MARK[ev.side]
            who = f"{clock(ev.ts, self._tz)} {ev.exchange[:3]} {short_symbol(ev.symbol)[:7]:<7} "
        parts = [(who, base), (f"{side} ", base + side_style), (f"{money(ev.usd):>7}{mark}", base + usd_style)]
        if width >= 58:
            parts.append((f" @ {price(ev.price)}", base + pal.dim))
        segments = [Segment(text, style) for text, style in parts]
        return Strip(segments).simplify().adjust_cell_length(width, base)
