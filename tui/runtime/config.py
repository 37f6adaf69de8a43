"""The config file: one TOML file, validated key by key against the settings
dataclasses that each layer owns.

Validation is driven by the dataclasses' type hints, so adding a field to
``ExchangeSettings`` or ``IndicatorParams`` makes it a config key with no
change here.  Every problem is reported as ``key (line N): what is wrong`` and
the CLI exits 2: a trader who mistypes a key must see which one, not a
traceback.
"""

from __future__ import annotations

import dataclasses
import os
import re
import tomllib
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Collection

from feeds.bus.settings import BusSettings
from feeds.settings import DEFAULT_WATCHLIST, ExchangeSettings, MarketCapSettings, check_ranges
from feeds.venues import EXCHANGE_NAMES
from indicators.params import IndicatorParams
from tui.runtime.alerts import AlertSettings
from tui.runtime.paths import CONFIG_ENV, default_config_path


@dataclass
class UISettings:
    theme: str = "liqwatch-dark"
    # A liquidation at least this large stands out on the tape.
    large_usd: float = 1e6
    # Timezone for displayed times: "local" or an IANA name such as "Europe/Berlin".
    timezone: str = "local"

    RANGES: ClassVar[dict[str, str]] = {"large_usd": "(0, 1e15]"}

    def validate(self) -> dict[str, str]:
        errors = check_ranges(self, self.RANGES)
        if self.timezone != "local":
            from zoneinfo import ZoneInfo

            try:
                ZoneInfo(self.timezone)
            except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
                errors["timezone"] = f"must be \"local\" or an IANA zone such as Europe/Berlin, got {self.timezone!r}"
        return errors


@dataclass
class HistorySettings:
    """The SQLite history that lets totals, the cap range and the LVR trend
    survive a restart.  Only live runs write it; a replay or the demo never does."""

    enabled: bool = True
    # Rows older than this are deleted (the cap range needs cap_range_days of samples).
    retention_days: float = 90.0

    # At least 2: the 24 h totals and their baseline need it.
    RANGES: ClassVar[dict[str, str]] = {"retention_days": "[2, 3650]"}

    def validate(self) -> dict[str, str]:
        return check_ranges(self, self.RANGES)


@dataclass
class ServeSettings:
    """``liqwatch serve``: a password for browsers, required when it listens
    beyond this machine ($LIQWATCH_SERVE_PASSWORD when empty here)."""

    password: str = ""


@dataclass
class Config:
    watchlist: list[str] = field(default_factory=lambda: list(DEFAULT_WATCHLIST))
    exchanges: dict[str, ExchangeSettings] = field(
        default_factory=lambda: {name: ExchangeSettings() for name in EXCHANGE_NAMES}
    )
    marketcap: MarketCapSettings = field(default_factory=MarketCapSettings)
    indicators: IndicatorParams = field(default_factory=IndicatorParams)
    ui: UISettings = field(default_factory=UISettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    history: HistorySettings = field(default_factory=HistorySettings)
    bus: BusSettings = field(default_factory=BusSettings)
    serve: ServeSettings = field(default_factory=ServeSettings)
    # Where the config came from (None: defaults only); not a config key.
    source: Path | None = field(default=None, metadata={"internal": True})

    def validate(self) -> dict[str, str]:
        """A ``ws_path`` only means something for a venue whose stream path is
        a venue fact (``VenueSpec.ws_paths``); anywhere else it would be
        silently ignored, so it is refused."""
        from feeds.venues import spec_of

        having = ", ".join(n for n in EXCHANGE_NAMES if spec_of(n).ws_paths)
        return {
            f"exchanges.{name}.ws_path": f"this venue has no overridable stream path (only {having})"
            for name, ex in self.exchanges.items()
            if ex.ws_path and not spec_of(name).ws_paths
        }


# Tables whose keys are names from a fixed list, each holding one settings object.
_NAMED_TABLES: dict[str, tuple[str, ...]] = {"exchanges": EXCHANGE_NAMES}


class ConfigError(Exception):
    """One or more problems in a config file, each naming its key and line."""

    def __init__(self, path: Path | None, problems: list[tuple[str, int | None, str]]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(self.render())

    def render(self) -> str:
        where = str(self.path) if self.path else "config"
        lines = []
        for key, line, msg in self.problems:
            at = f" (line {line})" if line else ""
            lines.append(f"{where}: {key}{at}: {msg}")
        return "\n".join(lines)


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """``--config`` wins, then ``LIQWATCH_CONFIG``, then the platform config dir."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env).expanduser()
    return Path(default_config_path())


class _LineFinder:
    """Find the line of a dotted key in TOML source.

    tomllib gives no positions, so this scans table headers and ``key =``
    lines; it is only used to point at an error, never to parse values.
    """

    _header = re.compile(r"^\s*\[\s*([^\]\[]+?)\s*\]\s*(#.*)?$")
    _assign = re.compile(r"^\s*(\"[^\"]+\"|'[^']+'|[A-Za-z0-9_.-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.index: dict[str, int] = {}
        table = ""
        for n, line in enumerate(text.splitlines(), 1):
            m = self._header.match(line)
            if m:
                table = ".".join(p.strip().strip("\"'") for p in m.group(1).split("."))
                self.index.setdefault(table, n)
                continue
            m = self._assign.match(line)
            if m:
                key = ".".join(p.strip().strip("\"'") for p in m.group(1).split("."))
                self.index.setdefault(f"{table}.{key}" if table else key, n)

    def line(self, dotted: str) -> int | None:
        return self.index.get(dotted)


_PLURAL = {bool: "true/false values", int: "integers", float: "numbers", str: "strings"}


def _type_name(tp: Any) -> str:
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        return f"a list of {_PLURAL.get(inner, str(inner))}"
    return {bool: "true/false", int: "an integer", float: "a number", str: "a string"}.get(tp, str(tp))


def _coerce(tp: Any, value: Any) -> Any:
    """The value as type ``tp``, or raise TypeError.  Only exact TOML types are
    accepted (an int where a float is expected is fine; a string is never a number)."""
    origin = typing.get_origin(tp)
    if origin is list:
        (inner,) = typing.get_args(tp)
        if not isinstance(value, list):
            raise TypeError
        return [_coerce(inner, v) for v in value]
    if tp is bool:
        if not isinstance(value, bool):
            raise TypeError
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise TypeError
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise TypeError
        return value
    raise TypeError


def _fields(cls: type) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    return {f.name: hints[f.name] for f in dataclasses.fields(cls) if not f.metadata.get("internal")}


def config_keys(cls: type = Config, prefix: str = "") -> list[str]:
    """Every dotted config key, walked the way the loader walks the dataclasses
    (named tables expand to each allowed name).  The template test uses it."""
    out: list[str] = []
    for name, tp in _fields(cls).items():
        dotted = f"{prefix}.{name}" if prefix else name
        if dataclasses.is_dataclass(tp):
            out.extend(config_keys(tp, dotted))
        elif typing.get_origin(tp) is dict:
            _, inner = typing.get_args(tp)
            for table in _NAMED_TABLES[name]:
                out.extend(config_keys(inner, f"{dotted}.{table}"))
        else:
            out.append(dotted)
    return out


def _build(cls: type, data: Any, prefix: str, lines: _LineFinder, problems: list) -> Any:
    """Fill a settings dataclass from a TOML table, collecting problems."""
    obj = cls()
    if not isinstance(data, dict):
        problems.append((prefix, lines.line(prefix), "must be a table"))
        return obj
    known = _fields(cls)
    for key, value in data.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in known:
            hint = ", ".join(sorted(known))
            problems.append((dotted, lines.line(dotted), f"unknown key (known here: {hint})"))
            continue
        tp = known[key]
        if dataclasses.is_dataclass(tp):
            setattr(obj, key, _build(tp, value, dotted, lines, problems))
        elif typing.get_origin(tp) is dict:
            setattr(obj, key, _build_named(key, tp, value, dotted, lines, problems))
        else:
            try:
                setattr(obj, key, _coerce(tp, value))
            except TypeError:
                problems.append((dotted, lines.line(dotted), f"must be {_type_name(tp)}, got {value!r}"))
    validate = getattr(obj, "validate", None)
    if validate is not None:
        for key, msg in validate().items():
            dotted = f"{prefix}.{key}" if prefix else key
            problems.append((dotted, lines.line(dotted), msg))
    return obj


def _build_named(name: str, tp: Any, data: Any, prefix: str, lines: _LineFinder, problems: list) -> dict:
    _, inner = typing.get_args(tp)
    allowed = _NAMED_TABLES[name]
    out = {n: inner() for n in allowed}
    if not isinstance(data, dict):
        problems.append((prefix, lines.line(prefix), "must be a table"))
        return out
    for key, value in data.items():
        dotted = f"{prefix}.{key}"
        if key not in allowed:
            problems.append((dotted, lines.line(dotted), f"unknown name (known: {', '.join(allowed)})"))
            continue
        out[key] = _build(inner, value, dotted, lines, problems)
    return out


def parse(text: str, path: Path | None = None, themes: Collection[str] | None = None) -> Config:
    """Parse and validate config text; raise ConfigError listing every problem.

    ``themes``, when given, are the theme names ``ui.theme`` may take (the
    commands that draw pass them: finding them needs Textual)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+)", str(exc))
        raise ConfigError(path, [("(syntax)", int(m.group(1)) if m else None, str(exc))]) from None
    problems: list[tuple[str, int | None, str]] = []
    lines = _LineFinder(text)
    cfg = _build(Config, data, "", lines, problems)
    if themes is not None and cfg.ui.theme not in themes:
        problems.append(("ui.theme", lines.line("ui.theme"), unknown_theme(cfg.ui.theme, themes)))
    if problems:
        raise ConfigError(path, problems)
    cfg.source = path
    return cfg


def unknown_theme(name: str, themes: Collection[str]) -> str:
    known = ", ".join(t for t in themes if t.startswith("liqwatch")) or ", ".join(themes)
    return f"no such theme {name!r} (liqwatch's: {known}; or a file in the themes folder)"


def load(explicit: str | os.PathLike[str] | None = None, themes: Collection[str] | None = None) -> Config:
    """The config from ``--config``, ``LIQWATCH_CONFIG`` or the default file
    (``themes``: see ``parse``).

    A missing default file means defaults; a missing file the user named is
    an error (they meant something by it).
    """
    path = resolve_path(explicit)
    named = bool(explicit or os.environ.get("LIQWATCH_CONFIG"))
    if not path.exists():
        if named:
            raise ConfigError(path, [("(file)", None, "no such file")])
        return parse("", None, themes)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, [("(file)", None, f"cannot read: {exc}")]) from None
    return parse(text, path, themes)
