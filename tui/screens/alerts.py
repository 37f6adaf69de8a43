"""Past alerts (key a), newest first."""

from __future__ import annotations

from datetime import tzinfo
from typing import Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.format import stamp
from tui.runtime.alerts import Alert
from tui.screens import MODAL_CSS


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
