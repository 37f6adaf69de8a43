"""The bottom line: mode badge, feed health with data age, alert count and the clock."""

from __future__ import annotations

from datetime import tzinfo
from typing import Any, Hashable, Sequence

from rich.style import Style
from rich.text import Text
from textual.widgets import Static

from indicators.snapshot import FeedHealth
from tui.format import DESK, LIVE, age, clock
from tui.palette import Palette

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
        # Live data, the venues' own or a desk's, is green; a replay, the demo or a recorder is not.
        badge_style = palette.success if mode in (LIVE, DESK) else palette.warning
        badge = Text(f" {label} ", badge_style + palette.bold + Style(reverse=True))
        # Right side first: the data age and the clock must always fit.
        right = Text()
        if alerts:
            right.append(f"⚑ {alerts}  ", palette.warning)
        right.append("age ", palette.dim)
        right.append(age_text, palette.bold if (data_age_s or 0) < 60 else palette.warning + palette.bold)
        right.append("  ")
        right.append(clock(wall_ms, tz), palette.bold)
        if mode != LIVE and width >= 130:
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
