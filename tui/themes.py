"""Themes as data: TOML files mapped to Textual ``Theme`` objects.

The bundled themes live in the ``themes`` package; users drop their own in
``<config dir>/themes/``.  A broken user theme is reported and skipped, never
fatal: a trader should not lose the screen over a typo in a colour file.
"""

from __future__ import annotations

import logging
import tomllib
from importlib.resources import files
from pathlib import Path
from typing import Any, Iterable

from textual.color import Color, ColorParseError
from textual.theme import Theme

log = logging.getLogger("liqwatch.themes")

_COLOR_KEYS = (
    "primary", "secondary", "warning", "error", "success", "accent",
    "foreground", "background", "surface", "panel", "boost",
)  # fmt: skip


def theme_from_toml(data: dict[str, Any], origin: str) -> Theme:
    """Build a Theme; raise ValueError naming the origin on a bad file."""
    name = data.get("name")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{origin}: 'name' is required")
    unknown = set(data) - set(_COLOR_KEYS) - {"name", "dark", "variables"}
    if unknown:
        raise ValueError(f"{origin}: unknown keys {', '.join(sorted(unknown))}")
    variables = data.get("variables", {})
    if not isinstance(variables, dict) or not all(isinstance(v, str) for v in variables.values()):
        raise ValueError(f"{origin}: [variables] must map names to colour strings")
    colors = {k: data[k] for k in _COLOR_KEYS if k in data}
    if "primary" not in colors:
        raise ValueError(f"{origin}: 'primary' is required")
    # A colour Textual cannot parse would load fine and crash the app the
    # moment the theme is applied (key t): refuse it here, naming the key.
    for key, value in [*colors.items(), *((f"variables.{k}", v) for k, v in variables.items())]:
        try:
            Color.parse(value)
        except (ColorParseError, TypeError) as exc:
            raise ValueError(f"{origin}: {key} = {value!r} is not a colour ({exc})") from None
    return Theme(name=name, dark=bool(data.get("dark", True)), variables=dict(variables), **colors)


def _theme_files(user_dir: Path | None) -> Iterable[tuple[str, str]]:
    for entry in sorted(files("themes").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            yield f"themes/{entry.name}", entry.read_text(encoding="utf-8")
    if user_dir is not None and user_dir.is_dir():
        for path in sorted(user_dir.glob("*.toml")):
            try:
                yield str(path), path.read_text(encoding="utf-8")
            except OSError as exc:
                log.warning("%s: cannot read theme: %s", path, exc)


def theme_names(user_dir: Path | None = None) -> list[str]:
    """Every name ``theme`` and ``--theme`` may take: liqwatch's themes, the
    user's good ones and Textual's own (the app can show each)."""
    from textual.theme import BUILTIN_THEMES

    return sorted({t.name for t in load_themes(user_dir)} | set(BUILTIN_THEMES))


def load_themes(user_dir: Path | None = None, skipped: list[str] | None = None) -> list[Theme]:
    """Bundled themes, then the user's (a user theme may replace a bundled one).

    A bad file is skipped; why (its path and the bad key) is logged and, when
    ``skipped`` is given, appended there for the app to show."""
    themes: dict[str, Theme] = {}
    for origin, text in _theme_files(user_dir):
        try:
            theme = theme_from_toml(tomllib.loads(text), origin)
        except (tomllib.TOMLDecodeError, ValueError, TypeError) as exc:
            reason = str(exc) if str(exc).startswith(origin) else f"{origin}: {exc}"
            log.warning("theme skipped: %s", reason)
            if skipped is not None:
                skipped.append(reason)
            continue
        themes[theme.name] = theme
    return list(themes.values())
