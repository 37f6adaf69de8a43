"""The tape filter (key f): minimum size, venues, side and symbol, by keyboard."""

from __future__ import annotations

import re
from typing import Any, Iterable

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from tui.format import amount
from tui.screens import MODAL_CSS
from tui.widgets.tape import TapeFilter

_PASTE_BREAKS = re.compile(r"[\t\r\n]+")


class FieldInput(Input):
    """An input that keeps a paste to itself, whole.

    Textual's input keeps only a paste's first line and writes a tab into
    the field as it is; a column copied from a sheet ("binance⏎okx") lost
    its rest.  Here the lines and tabs of a paste become ``joiner``, so a
    pasted list of venues reads "binance, okx", all in the focused field.
    """

    def __init__(self, *args: Any, joiner: str = " ", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.joiner = joiner

    def on_paste(self, event: events.Paste) -> None:
        event.prevent_default()  # not Input's own handler as well
        event.stop()
        text = self.joiner.join(part.strip() for part in _PASTE_BREAKS.split(event.text) if part.strip())
        if not text:
            return
        if self.selection.is_empty:
            self.insert_text_at_cursor(text)
        else:
            self.replace(text, *self.selection)


class FilterScreen(ModalScreen[TapeFilter | None]):
    """Edit the tape filter by keyboard: tab between fields, enter applies, esc cancels.

    On a short terminal (under 30 rows: 80x24, a 40x20 pane) the fields are
    one row each, so the whole form and its error line fit; the box scrolls
    if even that is too tall.
    """

    DEFAULT_CSS = MODAL_CSS.format(name="FilterScreen") + """
    FilterScreen Label { width: 100%; }
    FilterScreen Input { margin: 0 0 1 0; }
    FilterScreen.-short Input { border: none; height: 1; padding: 0 1; margin: 0; background: $boost; }
    FilterScreen.-short Input:focus { border: none; }
    FilterScreen #error { color: $error; height: auto; }
    """
    BINDINGS = [Binding("escape", "cancel", "Cancel")]
    # Typing starts in the first field, not on the scrolling box around it.
    AUTO_FOCUS = "Input"

    def __init__(self, current: TapeFilter, known_venues: Iterable[str]) -> None:
        super().__init__()
        self.current = current
        self.known_venues = sorted(set(known_venues))

    def compose(self) -> ComposeResult:
        c = self.current
        with VerticalScroll() as box:
            box.border_title = "Tape filter"
            box.border_subtitle = "enter apply · esc cancel"
            yield Label("Minimum size (e.g. 250k, 1M)")
            yield FieldInput(value=amount(c.min_usd) if c.min_usd else "", placeholder="any size", id="min_usd")
            yield Label(f"Venues, comma separated: {', '.join(self.known_venues)}")
            yield FieldInput(value=", ".join(sorted(c.venues)), placeholder="any venue", id="venues", joiner=", ")
            yield Label("Side (long or short)")
            yield FieldInput(value=c.side, placeholder="either side", id="side")
            yield Label("Symbol contains (e.g. BTC)")
            yield FieldInput(value=c.symbol, placeholder="any symbol", id="symbol")
            yield Static("", id="error")

    def _value(self, name: str) -> str:
        return self.query_one(f"#{name}", Input).value

    def on_input_submitted(self) -> None:
        try:
            new = self.parse()
        except ValueError as exc:
            error = self.query_one("#error", Static)
            error.update(Text(str(exc)))  # it quotes what was typed: never markup
            error.scroll_visible(animate=False)
            return
        self.dismiss(new)

    def parse(self) -> TapeFilter:
        return TapeFilter.from_fields(
            self._value("min_usd"), self._value("venues"), self._value("side"), self._value("symbol"), self.known_venues
        )

    def action_cancel(self) -> None:
        self.dismiss(None)
