"""The key list (key ?)."""

from __future__ import annotations

from typing import Iterable

from rich.cells import cell_len
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.screens import MODAL_CSS, MODAL_FRAME

KEY_GAP = 2


class HelpScreen(ModalScreen[None]):
    """Lists the app's keys; any of escape, q or ? closes it.

    The box is as wide as its longest row, measured here: sized by its
    content instead (``width: auto``), it asked the table, which asked the
    box, and the screen showed an empty frame.  A terminal narrower than
    that wraps each row's words under themselves, keys kept in their column.
    """

    DEFAULT_CSS = MODAL_CSS.format(name="HelpScreen")
    BINDINGS = [
        Binding("escape", "dismiss", "Close"),
        Binding("q", "dismiss", "Close", show=False),
        Binding("question_mark", "dismiss", "Close", show=False),
    ]

    def __init__(self, rows: Iterable[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = list(rows)

    @property
    def content_width(self) -> int:
        key_w = max(cell_len(keys) for keys, _ in self.rows)
        return key_w + KEY_GAP + max(cell_len(words) for _, words in self.rows)

    def compose(self) -> ComposeResult:
        table = Table(box=None, show_header=False, show_edge=False, pad_edge=False, padding=(0, KEY_GAP, 0, 0))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for keys, words in self.rows:
            table.add_row(keys, words)
        with VerticalScroll() as box:
            box.border_title = "Keys"
            box.border_subtitle = "esc to close"
            box.styles.width = self.content_width + MODAL_FRAME
            yield Static(table)
