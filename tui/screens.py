"""Modal screens: the key list, the tape filter and the list of past alerts."""

from __future__ import annotations

from datetime import tzinfo
from typing import Iterable, Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from feeds.settings import EXCHANGE_NAMES
from tui.alerts import Alert
from tui.format import parse_money, stamp
from tui.widgets.tape import TapeFilter

MODAL_CSS = """
{name} {{ align: center middle; }}
{name} > Vertical {{
    width: 64; max-width: 95%; height: auto; max-height: 90%;
    border: round $accent; padding: 0 1; background: $surface;
}}
"""


class FilterScreen(ModalScreen[TapeFilter | None]):
    """Edit the tape filter by keyboard: tab between fields, enter applies, esc cancels."""

    DEFAULT_CSS = MODAL_CSS.format(name="FilterScreen") + """
    FilterScreen Input { margin: 0 0 1 0; }
    FilterScreen #error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, current: TapeFilter) -> None:
        super().__init__()
        self.current = current

    def compose(self) -> ComposeResult:
        c = self.current
        with Vertical() as box:
            box.border_title = "Tape filter"
            box.border_subtitle = "enter apply · esc cancel · empty = any"
            yield Label("Minimum size (e.g. 250k, 1M)")
            yield Input(value=f"{c.min_usd:g}" if c.min_usd else "", id="min_usd")
            yield Label(f"Venues, comma separated ({', '.join(EXCHANGE_NAMES)})")
            yield Input(value=",".join(sorted(c.venues)), id="venues")
            yield Label("Side (long or short)")
            yield Input(value=c.side, id="side")
            yield Label("Symbol contains (e.g. BTC)")
            yield Input(value=c.symbol, id="symbol")
            yield Static("", id="error")

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value.strip()

    def on_input_submitted(self) -> None:
        try:
            new = self.parse()
        except ValueError as exc:
            self.query_one("#error", Static).update(str(exc))
            return
        self.dismiss(new)

    def parse(self) -> TapeFilter:
        min_usd = parse_money(self._value("min_usd"))
        venues = frozenset(v.strip().lower() for v in self._value("venues").split(",") if v.strip())
        side = self._value("side").lower()
        if side not in ("", "long", "short"):
            raise ValueError("side must be long, short or empty")
        return TapeFilter(min_usd=min_usd, venues=venues, side=side, symbol=self._value("symbol"))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AlertsScreen(ModalScreen[None]):
    """Past alerts, newest first."""

    DEFAULT_CSS = MODAL_CSS.format(name="AlertsScreen") + """
    AlertsScreen > Vertical { width: 90; }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("a", "dismiss", "Close", show=False),
        Binding("q", "dismiss", "Close", show=False),
    ]

    def __init__(self, alerts: Sequence[Alert], tz: tzinfo) -> None:
        super().__init__()
        self.alerts = list(alerts)
        self.tz = tz

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = f"Alerts ({len(self.alerts)})"
            box.border_subtitle = "esc to close"
            if not self.alerts:
                yield Static("No alerts yet. Rules live in [alerts] in the config.")
                return
            table = Table(box=None, show_header=False, padding=(0, 1, 0, 0), expand=True)
            table.add_column(no_wrap=True, style="dim")
            table.add_column(no_wrap=True, style="bold")
            table.add_column(overflow="fold")
            for alert in reversed(self.alerts):
                table.add_row(stamp(alert.ts, self.tz), alert.title, alert.message)
            yield Static(table)


class HelpScreen(ModalScreen[None]):
    """Lists the app's keys; any of escape, q or ? closes it."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical {
        width: auto; max-width: 90%; height: auto; max-height: 90%;
        border: round $accent; padding: 0 1; background: $surface;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, bindings: Iterable[Binding]) -> None:
        super().__init__()
        self.key_bindings = list(bindings)

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for b in self.key_bindings:
            table.add_row(b.key_display or b.key, b.description)
        table.add_row("ctrl+p", "Command palette")
        with Vertical() as box:
            box.border_title = "Keys"
            box.border_subtitle = "esc to close"
            yield Static(table)
