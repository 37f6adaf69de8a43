"""The bottom line: mode badge, feed health with data age, alert count and the clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Hashable, Sequence

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from indicators.snapshot import FeedHealth
from tui.format import DESK, LIVE, age, clock, clock_on
from tui.palette import Palette

STATE_MARK = {"live": "●", "connecting": "◌", "stale": "◐", "down": "✖"}
# The wall clock beside a replay's data clock from this width on.
WALL_CLOCK_WIDTH = 130
# Under this much room for feed health, the badge drops its long words.
MIN_HEALTH = 8


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
    # In fewer words as the room shrinks: "feeds 4●live 1✖down", then "4● 1✖".
    for lead, words in (("feeds ", True), ("", False)):
        short = Text(lead, palette.dim)
        for state in ("live", "stale", "connecting", "down"):
            if counts.get(state):
                word = state if words else ""
                short.append(f"{counts[state]}{STATE_MARK[state]}{word} ", styles.get(state, palette.dim))
        short.rstrip()
        if short.cell_len <= room:
            return short
    return Text()


@dataclass(frozen=True)
class StatusFacts:
    """What the line says, gathered by the app on each redraw."""

    mode: str
    label: str
    feeds: Sequence[FeedHealth]
    now_ms: int  # the data clock
    data_age_s: float | None
    wall_ms: int
    tz: tzinfo
    width: int
    alerts: int
    feed_errors: dict[str, str] = field(default_factory=dict)

    def key(self) -> Hashable:
        """What changes the line, to the second: an unchanged line sends nothing."""
        return (self.mode, self.label, tuple(self.feeds), self.now_ms // 1000, age(self.data_age_s),
                self.wall_ms // 1000, self.width, self.alerts, tuple(self.feed_errors.items()))


class StatusLine(Static):
    """Mode badge, feed health with data age, alert count and the clock."""

    DEFAULT_CSS = """
    StatusLine { dock: bottom; height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self._key: Hashable = None

    def show(self, palette: Palette, facts: StatusFacts) -> None:
        key = facts.key()
        if key == self._key:
            return
        self._key = key
        self.update(status_text(palette, facts))


def status_text(palette: Palette, facts: StatusFacts) -> Text:
    """The whole line for ``facts.width`` cells: the badge, feed health in the room left, the right side."""
    mode, label, width = facts.mode, facts.label, facts.width
    # Live data, the venues' own or a desk's, is green; a replay, the demo or a recorder is not.
    badge_style = palette.success if mode in (LIVE, DESK) else palette.warning
    badge = Text(f" {label} ", badge_style + palette.bold + Style(reverse=True))
    # The side panel's badge: the mode and its state, without the long words.
    short_badge = Text(f" {' · '.join([mode, *label.split(' · ')[1:]])} ", badge.style)
    # Two cells of padding; a space after the badge, after the health, and at least one before the right side.
    frame = 2 + 3
    right = right_side(palette, mode, facts.now_ms, facts.data_age_s, age(facts.data_age_s), facts.wall_ms, facts.tz,
                       facts.alerts, width - frame - short_badge.cell_len, with_wall=width >= WALL_CLOCK_WIDTH)
    if width - frame - badge.cell_len - right.cell_len < MIN_HEALTH:
        badge = short_badge
    room = width - frame - badge.cell_len - right.cell_len
    text = Text.assemble(badge, " ", feed_health(palette, facts.feeds, facts.feed_errors, facts.now_ms, room), " ")
    pad = max(1, width - 2 - text.cell_len - right.cell_len)
    text.append(" " * pad)
    text.append_text(right)
    return text


def right_side(
    palette: Palette,
    mode: str,
    now_ms: int,
    data_age_s: float | None,
    age_text: str,
    wall_ms: int,
    tz: tzinfo,
    alerts: int,
    room: int,
    with_wall: bool,
) -> Text:
    """Alert count, data age and the clock that matters, in the most
    words that fit ``room`` cells.

    Live, that clock is the wall clock.  In a replay or the demo it is
    the data clock, with its date when that is not today (a replay of
    last week), and the wall clock beside it (``with_wall``) on a wide screen.
    """
    age_style = palette.bold if (data_age_s or 0) < 60 else palette.warning + palette.bold
    flag = Text(f"⚑ {alerts}  ", palette.warning) if alerts else Text()
    if mode == LIVE:
        clocks = [Text(clock(wall_ms, tz), palette.bold)]
    else:
        data = clock_on(now_ms, tz, wall_ms)
        labelled = Text.assemble(("data ", palette.dim), (data, palette.bold))
        clocks = [labelled + Text(f"  wall {clock(wall_ms, tz)}", palette.dim)] if with_wall else []
        # Narrower, the words go first, then the date: the side panel keeps the time of day.
        clocks += [labelled, Text(data, palette.bold), Text(clock(now_ms, tz), palette.bold)]
    for choice in clocks:
        right = Text.assemble(flag, ("age ", palette.dim), (age_text, age_style), "  ", choice)
        if right.cell_len <= room:
            return right
    # The narrowest: single spaces (a 40-column pane in a replay at 300x).
    flag = Text(f"⚑{alerts} ", palette.warning) if alerts else Text()
    return Text.assemble(flag, ("age ", palette.dim), (age_text, age_style), " ", clocks[-1])
