"""The Textual app and its factory.

``make_app`` is the one way to build the app, used by the CLI and by the
tests (so a test drives exactly what a user runs).  The app never renders per
event: a timer takes the engine's snapshot and updates the visible panes
inside ``batch_update()``, the fast ones at 4 Hz and the slow ones at 1 Hz,
and a pane whose slice of the snapshot did not change sends nothing.

Nothing but Textual and the panes is imported before the first frame: the
engine (numpy), the pipeline and the feeds behind it are wired just after
it (``_start``), so the screen is up in about the time of a bare Textual
app.  Until then the frame shows the badge and the pane titles.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from functools import partial
from datetime import tzinfo
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Sequence

from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Container, Vertical
from textual.events import Resize
from textual.screen import Screen
from textual.widgets import Static

from feeds.bus import BUS_FEED
from feeds.events import Liquidation
from indicators.snapshot import Snapshot
from tui import keys
from tui.format import DEMO, DESK, LIVE, MODE_LABEL, clock, local_tz
from tui.keys import PANES
from tui.palette import VARIABLE_DEFAULTS, Palette
from tui.runtime.alerts import Alert, AlertBook, desktop_escapes, run_command
from tui.runtime.config import Config
from tui.runtime.paths import user_themes_dir
from tui.screens.alerts import AlertsScreen
from tui.screens.filter import FilterScreen
from tui.screens.help import HelpScreen
from tui.themes import load_themes
from tui.widgets.base import SnapshotPane
from tui.widgets.cap import CapPane
from tui.widgets.hourly import BAR_ROWS, COMPACT_ROWS, STRIP_ROWS, HourlyPane
from tui.widgets.leverage import LeveragePane
from tui.widgets.mood import MoodPane
from tui.widgets.status_line import StatusFacts, StatusLine
from tui.widgets.tape import TapeFilter, TapeView
from tui.widgets.totals import TotalsPane

if TYPE_CHECKING:
    from feeds.base import Feed
    from indicators.engine import Engine
    from tui.runtime.companion import Companion
    from tui.runtime.pipeline import Pipeline

# Redraw rates (DESIGN.md): fast panes about 4 Hz, slow ones 1 Hz.  The fast
# timer sleeps while nothing arrives (a batch wakes it); the slow one keeps
# the clock.
FAST_S = 0.25
SLOW_S = 1.0
# With nothing arriving only time changes the panes (a liquidation leaving a
# window, a mood decaying): they are read again after this much data time.
QUIET_REFRESH_MS = 10_000
MIN_WIDTH, MIN_HEIGHT = 40, 12
# Textual's palette commands that liqwatch's own keys replace (q, ?).
TEXTUAL_REPLACED = ("Quit", "Keys")


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
    # A ready engine, already fed (built with this config's indicators and
    # watchlist); the feeds carry on from where it stands.  None: a new one.
    engine: Engine | None = None
    # The newest liquidations that engine has seen, oldest first: the tape
    # starts with them instead of empty.
    tape: Sequence[Liquidation] = ()


class LiqwatchApp(App[int]):
    """liqwatch: liquidations, the cap in its range, bottom anxiety."""

    CSS_PATH = "app.tcss"
    TITLE = "liqwatch"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (80, "-standard"), (140, "-wide")]
    # Under 36 rows the panes are compact (tui/app.tcss, refresh_panes): the
    # panes' column must hold totals, cap and mood whole.
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-medium"), (36, "-tall")]
    BINDINGS = keys.bindings()

    def __init__(self, options: AppOptions) -> None:
        super().__init__()
        self.options = options
        cfg = options.config
        self._engine: Engine | None = None
        self._pipeline: Pipeline | None = None
        self._companion: Companion | None = None
        self._fast = self._slow = None
        self.tz = options.tz or local_tz(cfg.ui.timezone)
        self.mode_label = options.label or MODE_LABEL[options.mode]
        self.alert_book = AlertBook(cfg.alerts)
        self._alert_seq = 0
        self._palette: Palette | None = None
        self._palette_theme = ""
        self._events_seen = self._slow_seen = -1
        self._snap_ms: int | None = None  # the data clock of the last snapshot
        self.compact = False
        self.last_snapshot: Snapshot | None = None
        self._banner = ""
        # Bad user theme files are skipped and named on screen once mounted.
        self.skipped_themes: list[str] = []
        themes = load_themes(Path(user_themes_dir()), self.skipped_themes)
        for theme in themes:
            self.register_theme(theme)
        self.theme_names = [t.name for t in themes]
        self.theme = cfg.ui.theme

    # -- wiring (after the first frame) ---------------------------------------
    def _wire(self) -> None:
        """The engine, the pipeline and the companion, and their imports (numpy):
        done once, by ``_start`` just after the first frame, or earlier by
        whoever asks for one of them (a test, an action)."""
        if self._pipeline is not None:
            return
        from indicators.engine import Engine
        from tui.runtime.companion import companion_for
        from tui.runtime.pipeline import Pipeline

        options, cfg = self.options, self.options.config
        engine = options.engine if options.engine is not None else Engine(cfg.indicators, watchlist=cfg.watchlist)
        pipeline = Pipeline(
            engine, options.feeds, options.mode, wall_ms=options.wall_ms, supervised=options.mode in (LIVE, DESK),
            tape=options.tape,
        )
        # Status file each second, history when live (tui/runtime/companion.py).
        self._companion = companion_for(pipeline, cfg, options.wall_ms)
        self._engine, self._pipeline = engine, pipeline

    @property
    def wired(self) -> bool:
        return self._pipeline is not None

    @property
    def engine(self) -> Engine:
        self._wire()
        assert self._engine is not None
        return self._engine

    @property
    def pipeline(self) -> Pipeline:
        self._wire()
        assert self._pipeline is not None
        return self._pipeline

    @property
    def companion(self) -> Companion:
        self._wire()
        assert self._companion is not None
        return self._companion

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
        # The tape; the panes that answer "what now" (totals, cap, mood:
        # essentials first, in one column they are the ones that fit); the
        # hourly bars and the leverage pane, which go under the tape or
        # beside the panes as the size allows.  Laid out by tui/app.tcss.
        with Container(id="main"):
            with Vertical(id="tape-pane", classes="pane"):
                yield TapeView(self.tz, self.options.config.ui.large_usd, self.palette, id="tape")
                yield Static("▸ 1 Tape (collapsed)", id="tape-collapsed")
            with Container(id="panes"):
                yield TotalsPane(id="totals", classes="pane")
                yield CapPane(id="cap", classes="pane")
                yield MoodPane(id="mood", classes="pane")
            yield HourlyPane(id="hourly", classes="pane")
            yield LeveragePane(id="leverage", classes="pane")
        yield Static("", id="banner")
        yield Static("", id="too-small")
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        for key, pane, _ in PANES[1:]:
            self.query_one(f"#{pane}", SnapshotPane).key = key
        for reason in self.skipped_themes:
            self.notify(reason, title="Theme skipped", severity="warning", timeout=10, markup=False)
        self.refresh_panes(slow=True)
        self.call_after_refresh(self._start)

    def _start(self) -> None:
        """After the first frame: wire the engine, draw it, then start the feeds
        (a venue feed's first act is the heavy ccxt import)."""
        if not self.is_running:
            return
        self._wire()
        self.companion.start(exit=None if self.is_headless else self.exit)
        self.refresh_panes(slow=True)
        self.call_after_refresh(self.pipeline.start)
        self.pipeline.taps.append(self._wake)
        self._fast = self.set_interval(FAST_S, self._tick_fast)
        self._slow = self.set_interval(SLOW_S, self._tick_slow)

    async def on_unmount(self) -> None:
        for timer in (self._fast, self._slow):
            if timer is not None:
                timer.stop()
        if self.wired:
            await self.pipeline.stop()
            await self.companion.stop()

    def on_resize(self, event: Resize) -> None:
        width, height = event.size
        tiny = width < MIN_WIDTH or height < MIN_HEIGHT
        self.screen.set_class(tiny, "-too-small")
        if tiny:
            self.query_one("#too-small", Static).update(
                f"liqwatch needs at least {MIN_WIDTH}x{MIN_HEIGHT}.\nThis terminal is {width}x{height}."
            )
        self.refresh_panes(slow=True)

    # -- rendering -----------------------------------------------------------
    def _wake(self, _batch: object) -> None:
        """A batch was applied (a pipeline tap): the fast timer runs again."""
        if self._fast is not None:
            self._fast.resume()

    def _tick_fast(self) -> None:
        """The 4 Hz timer: the fast panes when events arrived, else it pauses
        until the next batch (``_wake``).  Once shutdown has begun the panes
        are being removed: nothing to draw."""
        if not self.is_running:
            return
        if self.pipeline.events_in != self._events_seen:
            self.refresh_panes(slow=False)
        elif self._fast is not None:
            self._fast.pause()

    def _tick_slow(self) -> None:
        """The 1 Hz timer: every pane when events arrived or the data clock
        moved QUIET_REFRESH_MS since the last snapshot; else only the status
        line (its clock and the data age), from the last snapshot."""
        if not self.is_running:
            return
        now = self.pipeline.now_ms()
        snap_ms = self._snap_ms
        if (self.pipeline.events_in != self._slow_seen or snap_ms is None or self.last_snapshot is None
                or not 0 <= now - snap_ms < QUIET_REFRESH_MS):
            self.refresh_panes(slow=True)
        else:
            self._show_status(self.last_snapshot, now)

    def _visible(self, widget: SnapshotPane | TapeView) -> bool:
        if self.screen.has_class("-too-small"):
            return False
        pane = widget if isinstance(widget, SnapshotPane) else self.query_one("#tape-pane")
        return pane.display and not pane.has_class("-collapsed")

    def refresh_panes(self, slow: bool = True) -> None:
        """Take one snapshot and update the visible panes from it (before the
        engine is wired, the first frame: the titles and the badge)."""
        if not self.wired:
            self._first_frame()
            return
        pipeline = self.pipeline
        now = pipeline.now_ms()
        snap = self.engine.snapshot(now)
        self.last_snapshot = snap
        self._snap_ms = now
        # What the timers compare with: the fast panes are drawn from this
        # snapshot, and the slow ones too when ``slow``.
        self._events_seen = pipeline.events_in
        if slow:
            self._slow_seen = pipeline.events_in
        palette = self.palette
        theme = self.theme
        # The side panel and terminals under 36 rows are compact by nature
        # (24 rows must show the essentials); elsewhere `c` decides.
        screen = self.screen
        compact = self.compact or any(screen.has_class(c) for c in ("-narrow", "-short", "-medium"))
        with self.batch_update():
            tape = self.query_one(TapeView)
            tape.set_palette(palette)
            if self._visible(tape):
                tape.update_from(pipeline.tape, pipeline.tape_seq, self.options.wall_ms())
            self._update_tape_title(tape)
            if slow:
                self._refresh_slow(snap, palette, theme, compact)
            self._show_status(snap, now)

    def _show_status(self, snap: Snapshot, now: int) -> None:
        pipeline = self.pipeline
        facts = StatusFacts(
            mode=pipeline.mode,
            label=self.status_label(),
            feeds=snap.feeds,
            now_ms=now,
            data_age_s=pipeline.data_age_s(),
            wall_ms=self.options.wall_ms(),
            tz=self.tz,
            width=self.size.width,
            alerts=len(self.alert_book.history),
            feed_errors=pipeline.feed_errors,
        )
        self.query_one(StatusLine).show(self.palette, facts)

    def _first_frame(self) -> None:
        with self.batch_update():
            self._update_tape_title(self.query_one(TapeView))
            wall = self.options.wall_ms()
            facts = StatusFacts(mode=self.options.mode, label=self.mode_label, feeds=(), now_ms=wall, data_age_s=None,
                                wall_ms=wall, tz=self.tz, width=self.size.width, alerts=0)
            self.query_one(StatusLine).show(self.palette, facts)

    def _refresh_slow(self, snap: Snapshot, palette: Palette, theme: str, compact: bool) -> None:
        """The 1 Hz panes.  The totals are here too: at a thousand liquidations
        a second their digits change on every tick, and redrawing them four
        times a second costs terminal bandwidth nobody can read."""
        liq = snap.liquidations
        totals = self.query_one(TotalsPane)
        totals.set_note(self._coverage_note())
        if self._visible(totals):
            totals.show((liq.windows, liq.storm, theme, compact), palette, liq, self.tz, compact)
        hourly = self.query_one(HourlyPane)
        if self._visible(hourly):
            rows = STRIP_ROWS if self.screen.has_class("-narrow") else (COMPACT_ROWS if compact else BAR_ROWS)
            hourly.show((liq.hourly, liq.peak, liq.quiet, rows, theme), palette, liq, rows, self.tz)
        leverage = self.query_one(LeveragePane)
        if self._visible(leverage):
            leverage.show((snap.leverage, theme, compact), palette, snap.leverage, self.tz, compact)
        cap = self.query_one(CapPane)
        if self._visible(cap):
            min_days = self.engine.params.cap_range_min_days
            cap.show((snap.cap, theme, compact), palette, snap.cap, compact, min_days, self._cap_memory())
        mood = self.query_one(MoodPane)
        if self._visible(mood):
            mood.show((snap.moods, theme, compact), palette, snap.moods, compact)
        self._fire_alerts(snap)
        banner = self.query_one("#banner", Static)
        text = ""
        if self.pipeline.no_venue_reachable:
            text = "✖ No venue can be reached: check the network, or run `liqwatch --demo`."
        elif self.pipeline.mode == DESK:
            bus = next((f for f in snap.feeds if f.feed == BUS_FEED and f.state == "down"), None)
            if bus is not None:
                text = f"✖ bus down: {bus.detail}. The panes hold what arrived before."
        if text != self._banner:
            banner.display = bool(text)
            banner.update(text)
            self._banner = text

    def _coverage_note(self) -> str:
        """Totals cover less than their windows when data starts late: say from when."""
        if not self.pipeline.ready.is_set():
            return "loading history…"
        since = self.companion.since_ms if self.pipeline.mode == LIVE else None
        return f"since {clock(since, self.tz, seconds=False)}" if since is not None else ""

    def _cap_memory(self) -> str:
        """Whether the market-cap samples outlive this run: only a live run
        with its history on keeps them (a replay keeps nothing)."""
        if self.pipeline.mode != LIVE:
            return "from this recording only"
        return "kept across restarts" if self.options.config.history.enabled else "history off: not kept"

    def _update_tape_title(self, tape: TapeView) -> None:
        title = "1 Tape · newest first"
        if self.options.mode == DEMO:
            title += " · synthetic"
        if tape.filter.active:
            title += f" · filter {tape.filter.describe()}"
        if tape.paused:
            title += f" · PAUSED +{tape.missed} new"
        pane = self.query_one("#tape-pane")
        if pane.border_title != title:
            pane.border_title = title

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

    # -- alerts -----------------------------------------------------------------
    def _new_liquidations(self) -> Iterable[Liquidation]:
        """Liquidations that reached the tape since the last alert check."""
        seq = self.pipeline.tape_seq
        fresh = min(seq - self._alert_seq, len(self.pipeline.tape))
        self._alert_seq = seq
        tape = self.pipeline.tape
        return [tape[-i] for i in range(1, fresh + 1)]

    def _fire_alerts(self, snap: Snapshot) -> None:
        """Alerts are for what happens while one watches.  A replay's instant
        part (the demo's first 33 days) is history loading: a snapshot taken
        half-way through it is of some past hour, and its large liquidations
        are a day old.  So nothing fires until the replay has caught up, and
        what the tape took in meanwhile is passed over."""
        fresh = self._new_liquidations()
        replay = self.pipeline.replay
        if replay is not None and not replay.caught_up.is_set():
            return
        for alert in self.alert_book.evaluate(snap, fresh):
            self.deliver(alert)

    def deliver(self, alert: Alert) -> None:
        """Toast, bell, desktop notification and the optional command."""
        settings = self.alert_book.settings
        self.notify(alert.message, title=alert.title, severity="warning", timeout=8)
        if settings.bell:
            self.bell()
        if settings.desktop and not self.is_headless and self._driver is not None:
            self._driver.write(desktop_escapes(alert.title, alert.message, in_tmux="TMUX" in os.environ))
        run_command(settings.command, alert)

    # -- actions --------------------------------------------------------------
    def action_help(self) -> None:
        self.push_screen(HelpScreen(keys.help_rows()))

    def action_alerts(self) -> None:
        self.push_screen(AlertsScreen(self.alert_book.history, self.tz))

    def action_replay_pause(self) -> None:
        from tui.runtime import replay_keys

        replay = self.pipeline.replay
        if replay is None:
            self.notify("Nothing to pause: this is live data", timeout=2)
            return
        replay_keys.toggle_pause(replay)
        self.refresh_panes(slow=False)

    def action_replay_speed(self, step: int) -> None:
        from tui.runtime import replay_keys

        replay = self.pipeline.replay
        if replay is None:
            self.notify("Speed applies to a replay or the demo", timeout=2)
            return
        replay_keys.change_speed(replay, step)
        self.refresh_panes(slow=False)

    def action_pause_tape(self) -> None:
        paused = self.query_one(TapeView).toggle_pause()
        self.refresh_panes(slow=False)
        self.notify("Tape paused: new liquidations are counted" if paused else "Tape resumed", timeout=2)

    def action_filter(self) -> None:
        tape = self.query_one(TapeView)

        def apply(new: TapeFilter | None) -> None:
            if new is not None:
                tape.set_filter(new)
                self.refresh_panes(slow=False)

        from feeds.venues import EXCHANGE_NAMES

        # The venues liqwatch has feeds for, and any other a recording brings.
        known = {*EXCHANGE_NAMES, *(ev.exchange for ev in self.pipeline.tape)}
        self.push_screen(FilterScreen(tape.filter, known), apply)

    def action_next_theme(self) -> None:
        """Cycle through liqwatch's themes and the user's (not Textual's own)."""
        names = self.theme_names
        self.theme = names[(names.index(self.theme) + 1) % len(names)] if self.theme in names else names[0]
        self.refresh_panes(slow=True)
        self.notify(f"Theme: {self.theme}", timeout=2)

    def action_compact(self) -> None:
        self.compact = not self.compact
        self.screen.set_class(self.compact, "-compact")
        self.refresh_panes(slow=True)

    def action_toggle_pane(self, pane_id: str) -> None:
        pane = self.query_one(f"#{pane_id}")
        pane.toggle_class("-collapsed")
        if isinstance(pane, SnapshotPane):
            pane.collapsed_changed()
        else:  # the tape: its column goes to the other panes (tui/app.tcss)
            self.query_one("#main").set_class(pane.has_class("-collapsed"), "-tape-collapsed")
        self.refresh_panes(slow=True)

    def action_scroll(self, rows: int) -> None:
        """j/k scroll the focused pane, or the tape when nothing scrollable has focus."""
        target = self.focused if self.focused is not None and self.focused.allow_vertical_scroll else self.query_one(TapeView)
        target.scroll_relative(y=rows, animate=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette: every action of the keys (tui/keys.py), by the
        same words, and Textual's own (theme picker, screenshot) except those
        the keys replace (its quit, its key panel)."""
        for command in super().get_system_commands(screen):
            if command.title not in TEXTUAL_REPLACED:
                yield command
        for k in keys.KEYS:
            detail = f"{k.shown}: {k.detail}" if k.detail else k.shown
            yield SystemCommand(k.title, detail, partial(self.run_action, k.action))


def make_app(options: AppOptions) -> LiqwatchApp:
    """The app factory shared by the CLI and the tests.  It wires the engine
    (a new one, or the ready one in ``options.engine``), the pipeline and the
    companion."""
    return LiqwatchApp(options)

