"""The app's own theme variables and the Rich styles made from them.

Themes are data (themes/*.toml); this module names the variables liqwatch adds
to Textual's (``$long``, ``$short``, the anxiety bands) and turns the active
theme's values into Rich styles for the panes.  Under NO_COLOR Textual drops
every colour at output, which is why nothing here carries meaning by colour
alone: sides are words and arrows, bands are words.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from rich.style import Style

# Defaults for a dark background; every theme may override them.
VARIABLE_DEFAULTS: dict[str, str] = {
    "long": "#ff5f5f",  # long liquidated: a forced sell, red
    "short": "#5fd787",  # short liquidated: green
    "anxiety-calm": "#6c8a9b",
    "anxiety-uneasy": "#d7af5f",
    "anxiety-anxious": "#ff8700",
    "anxiety-zero": "#ff3030",
    "euphoria": "#d787ff",
}

BAND_VARIABLE = {
    "calm": "anxiety-calm",
    "uneasy": "anxiety-uneasy",
    "anxious": "anxiety-anxious",
    "going to zero": "anxiety-zero",
}


@dataclass(frozen=True)
class Palette:
    long: Style
    short: Style
    dim: Style
    bold: Style
    accent: Style
    warning: Style
    error: Style
    success: Style
    bands: Mapping[str, Style]
    euphoria: Style

    def side(self, is_long: bool) -> Style:
        return self.long if is_long else self.short

    def band(self, word: str) -> Style:
        return self.bands.get(word, self.dim)

    @classmethod
    def from_variables(cls, variables: Mapping[str, str]) -> Palette:
        def color(name: str, fallback: str) -> Style:
            value = variables.get(name) or VARIABLE_DEFAULTS.get(name) or fallback
            try:
                return Style(color=value)
            except Exception:  # a theme value Rich cannot parse: fall back, do not crash
                return Style(color=fallback)

        return cls(
            long=color("long", "red"),
            short=color("short", "green"),
            dim=Style(dim=True),
            bold=Style(bold=True),
            accent=color("accent", "cyan"),
            warning=color("warning", "yellow"),
            error=color("error", "red"),
            success=color("success", "green"),
            bands={word: color(var, "white") for word, var in BAND_VARIABLE.items()},
            euphoria=color("euphoria", "magenta"),
        )
