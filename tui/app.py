"""The Textual app and its factory.

``make_app`` is the one way to build the app, used by the CLI and by the
tests (so a test drives exactly what a user runs).  The app never renders per
event: a timer takes the engine's snapshot and updates the visible panes
inside ``batch_update()``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Callable, Sequence

from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical

from feeds.base import Feed
from feeds.replay import ReplayFeed
from indicators.engine import Engine
from indicators.snapshot import Snapshot
from tui.config import Config, user_themes_dir
from tui.format import local_tz
from tui.help import HelpScreen
from tui.palette import VARIABLE_DEFAULTS, Palette
from tui.runtime import DEMO, LIVE, REPLAY, Pipeline
from tui.themes import load_themes
from tui.widgets.panes import CapPane, MoodPane, StatusLine, TotalsPane
from tui.widgets.tape import TapeView

# Redraw rates (DESIGN.md): fast panes about 4 Hz, slow ones 1 Hz.
FAST_S = 0.25
SLOW_EVERY = 4

MODE_LABEL = {DEMO: "DEMO: synthetic data", REPLAY: "REPLAY", LIVE: "LIVE"}


@dataclass
class AppOptions:
    """Everything that varies between a live run, a replay, the demo and a test."""

    mode: str
    feeds: Sequence[Feed]
    config: Config = field(default_factory=Config)
    label: str | None = None
    tz: tzinfo | None = None
    # The wall clock in ms: tests freeze it for stable snapshots.
    wall_ms: Callable[[], int] = lambda: int(time.time() * 1000)


class LiqwatchApp(App[int]):
    """liqwatch: liquidations, the cap in its range, bottom anxiety."""

    CSS_PATH = "app.tcss"
    TITLE = "liqwatch"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Keys", key_display="?"),
    ]

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        cfg = options.config
        self.engine = Engine(cfg.indicators, watchlist=cfg.watchlist)
        self.pipeline = Pipeline(self.engine, options.feeds, options.mode, wall_ms=options.wall_ms)
        self.tz = options.tz or local_tz(cfg.ui.timezone)
        self.mode_label = options.label or MODE_LABEL[options.mode]
        self._palette: Palette | None = None
        self._palette_theme = ""
        self._ticks = 0
        self.last_snapshot: Snapshot | None = None
        for theme in load_themes(user_themes_dir()):
            self.register_theme(theme)
        self.theme = cfg.ui.theme

    # -- theme -------------------------------------------------------------
    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(VARIABLE_DEFAULTS)

    @property
    def palette(self) -> Palette:
        if self._palette is None or self._palette_theme != self.theme:
            self._palette = Palette.from_variables(self.theme_variables)
            self._palette_theme = self.theme
        return self._palette

    # -- layout --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            with Vertical(id="tape-pane") as tape_pane:
                tape_pane.border_title = "Tape · newest first"
                yield TapeView(self.tz, self.options.config.ui.large_usd, id="tape")
            with Vertical(id="side"):
                yield TotalsPane(id="totals")
                yield CapPane(id="cap")
                yield MoodPane(id="mood")
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        self.pipeline.start()
        self.refresh_panes(slow=True)
        self.set_interval(FAST_S, self._tick)

    async def on_unmount(self) -> None:
        await self.pipeline.stop()

    # -- rendering -----------------------------------------------------------
    def _tick(self) -> None:
        self._ticks += 1
        self.refresh_panes(slow=self._ticks % SLOW_EVERY == 0)

    def refresh_panes(self, slow: bool = True) -> None:
        """Take one snapshot and update the panes from it."""
        pipeline = self.pipeline
        now = pipeline.now_ms()
        snap = self.engine.snapshot(now)
        self.last_snapshot = snap
        palette = self.palette
        with self.batch_update():
            self.query_one(TapeView).update_from(pipeline.tape, pipeline.tape_seq)
            totals = self.query_one(TotalsPane)
            totals.show((snap.liquidations, self.theme), palette, snap.liquidations, self.tz)
            if slow:
                cap = self.query_one(CapPane)
                width = cap.content_region.width or 40
                cap.show((snap.cap, width, self.theme), palette, snap.cap, width)
                mood = self.query_one(MoodPane)
                mwidth = mood.content_region.width or 40
                mood.show((snap.moods, mwidth, self.theme), palette, snap.moods, mwidth)
            self.query_one(StatusLine).show(
                palette,
                pipeline.mode,
                self.status_label(),
                snap.feeds,
                now,
                pipeline.data_age_s(),
                self.options.wall_ms(),
                self.tz,
                self.size.width,
            )

    def status_label(self) -> str:
        replay = self.pipeline.replay
        label = self.mode_label
        if replay is not None and self.pipeline.mode != LIVE:
            if replay.finished:
                label += " · ended"
            elif replay.paused:
                label += " · paused"
            elif replay.speed != 1:
                label += f" · {replay.speed:g}x"
        return label

    # -- actions --------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.BINDINGS))


def make_app(options: AppOptions) -> LiqwatchApp:
    """The app factory shared by the CLI and the tests."""
    return LiqwatchApp(options)


def demo_path() -> Path:
    """The bundled demo recording (package data)."""
    from importlib.resources import files

    return Path(str(files("feeds.data").joinpath("demo.jsonl.gz")))


def demo_feed(speed: float = 60.0) -> ReplayFeed:
    """The demo: history before the storm at once, the rest at ``speed`` x."""
    import json
    from importlib.resources import files

    meta = json.loads(files("feeds.data").joinpath("demo.json").read_text())
    return ReplayFeed(demo_path(), speed=speed, instant_until=int(meta["instant_until_ts"]))
