"""What every snapshot pane shares: a Static that redraws only when its slice of
the snapshot changed, content built for the width it is given, one-line text.

Each pane is a thin widget: it takes its slice of an immutable snapshot,
builds a Rich renderable and updates only when that slice changed (so an
idle screen sends nothing to the terminal).  All numbers come from the
indicator layer; the panes only lay them out.
"""

from __future__ import annotations

from typing import Any, Callable, Hashable

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.text import Text
from textual.widgets import Static

from tui.palette import Palette


class Fit:
    """Content built at render time for the width it is actually given.

    A pane's width changes with the layout (a scrollbar appearing, a resize);
    a width read from the widget before rendering can be stale, so anything
    drawn to a width (a gauge, a chart, column choices) is built here.
    """

    def __init__(self, build: Callable[[int], RenderableType]) -> None:
        self.build = build

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield self.build(options.max_width)


def one_line(text: Text) -> Text:
    """A line that ends in … rather than wrapping: panes keep their shape at any width."""
    text.no_wrap = True
    text.overflow = "ellipsis"
    return text


class SnapshotPane(Static):
    """A Static that re-renders only when its input changed.

    ``key`` is the number key that collapses it: a collapsed pane keeps one
    line that names it, so it is never lost.
    """

    def __init__(self, title: str, **kwargs: Any) -> None:
        super().__init__("", **kwargs)
        self.title = title
        self._pane_key = ""
        self.border_title = title
        self._key: Hashable = object()

    @property
    def key(self) -> str:
        return self._pane_key

    @key.setter
    def key(self, value: str) -> None:
        self._pane_key = value
        self.border_title = f"{value} {self.title}".strip()

    def set_note(self, note: str) -> None:
        """A few words after the title (e.g. where coverage starts)."""
        title = f"{self._pane_key} {self.title}".strip() + (f" · {note}" if note else "")
        if self.border_title != title:
            self.border_title = title

    def collapsed_changed(self) -> None:
        self._key = object()  # re-render on the next tick
        if self.has_class("-collapsed"):
            self.update(f"▸ {self.key} {self.title} (collapsed)")

    def show(self, key: Hashable, palette: Palette, *args: Any) -> None:
        if key == self._key:
            return
        self._key = key
        self.update(self.build(palette, *args))

    def build(self, palette: Palette, *args: Any) -> RenderableType:
        raise NotImplementedError
