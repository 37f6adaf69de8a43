"""The tape filter (key f): minimum size, venues, side and symbol, by keyboard."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from feeds.venues import EXCHANGE_NAMES
from tui.format import parse_money
from tui.screens import MODAL_CSS
from tui.widgets.tape import TapeFilter


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
