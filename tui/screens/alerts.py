"""Past alerts (key a), newest first."""

from __future__ import annotations

from datetime import tzinfo
from typing import Sequence

from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.format import stamp
from tui.runtime.alerts import Alert
from tui.screens import MODAL_CSS
from tui.widgets.base import Fit

# Narrower than this, each alert takes two lines: time and title, then the message.
ONE_ROW_WIDTH = 70


class AlertsScreen(ModalScreen[None]):
    """Past alerts, newest first."""

    DEFAULT_CSS = MODAL_CSS.format(name="AlertsScreen") + """
    AlertsScreen > VerticalScroll { width: 90; }
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
        with VerticalScroll() as box:
            box.border_title = f"Alerts ({len(self.alerts)})"
            box.border_subtitle = "esc to close"
            if not self.alerts:
                # Text, not markup: "[alerts]" is the config table's name, not a style.
                yield Static(Text("No alerts yet. Rules live in [alerts] in the config."))
                return
            yield Static(Fit(self.draw))

    def draw(self, width: int) -> RenderableType:
        """One row per alert when there is room; in a side panel the message
        goes under its time and title, so it is not folded into a sliver."""
        rows = list(reversed(self.alerts))
        if width < ONE_ROW_WIDTH:
            lines: list[RenderableType] = []
            for alert in rows:
                lines.append(Text.assemble((stamp(alert.ts, self.tz), "dim"), "  ", (alert.title, "bold")))
                # Text, never markup: a message quotes symbols and venues.  Indented as it wraps.
                lines.append(Padding(Text(alert.message), (0, 0, 0, 2)))
            return Group(*lines)
        table = Table(box=None, show_header=False, padding=(0, 1, 0, 0), expand=True)
        table.add_column(no_wrap=True, style="dim")
        table.add_column(no_wrap=True, style="bold")
        table.add_column(overflow="fold")
        for alert in rows:
            table.add_row(stamp(alert.ts, self.tz), Text(alert.title), Text(alert.message))
        return table
