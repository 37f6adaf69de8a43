"""`config check` refuses every value a command would later fail on: any
config it accepts starts `report --demo`, `tape --demo` and the app (issue 13)."""

from __future__ import annotations

import dataclasses
import io
import math
import typing

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from feeds.data import DEMO_RECORDING
from feeds.replay import ReplayFeed
from feeds.settings import ExchangeSettings
from tests.conftest import DEMO_META, FROZEN_WALL_MS, settle
from tui.app import AppOptions, make_app
from tui.cli.common import theme_names
from tui.cli.report import run_report
from tui.cli.tape import run_tape
from tui.format import DEMO, local_tz
from tui.runtime.config import Config, ConfigError, parse

THEMES = theme_names()


def _numeric_keys() -> dict[str, tuple[type, str, typing.Any]]:
    """table.key -> (int or float, its interval, its default), for every number of the config."""
    out = {}
    for table in dataclasses.fields(Config):
        cls = typing.get_type_hints(Config)[table.name]
        if not dataclasses.is_dataclass(cls):
            continue
        hints = typing.get_type_hints(cls)
        for f in dataclasses.fields(cls):
            if hints[f.name] in (int, float):
                out[f"{table.name}.{f.name}"] = (hints[f.name], cls.RANGES[f.name], getattr(cls(), f.name))
    return out


NUMERIC = _numeric_keys()
# Keys whose value is checked against another key's as well.
CROSS = {"indicators.bai_eps_max", "indicators.cap_range_min_days", "bus.duplicate_window_s"}


def test_every_number_of_the_config_has_a_range_its_default_is_in():
    assert len(NUMERIC) > 30
    for key, (tp, interval, default) in NUMERIC.items():
        table, name = key.split(".")
        cls = typing.get_type_hints(Config)[table]
        assert name not in cls(**{name: default}).validate(), (key, interval)


def _bounds(interval: str) -> tuple[float, float]:
    lo, hi = interval[1:-1].split(", ")
    return float(lo), float(hi)


def _toml(value: object) -> str:
    if isinstance(value, float):
        return "nan" if math.isnan(value) else ("inf" if value == math.inf else "-inf" if value == -math.inf
                                                else repr(value))
    return repr(value) if not isinstance(value, str) else f'"{value}"'


GOOD_ZONES, BAD_ZONES = ["local", "UTC", "Asia/Tokyo"], ["Mars/Olympus", "", "../x"]
GOOD_WS, BAD_WS = ["", "ws://127.0.0.1:9", "wss://x.example"], ["not a url", "ftp://x", "http://x/a"]


@st.composite
def _value(draw, key: str, inside: bool) -> object:
    """A value for ``key``: at its range's edges, the default, anywhere in
    between, and (unless ``inside``) beyond: NaN, the infinities, 1e308."""
    tp, interval, default = NUMERIC[key]
    lo, hi = _bounds(interval)
    if tp is int:
        near = [int(lo), int(hi), int(default)]
        return draw(st.sampled_from(near if inside else [*near, int(lo) - 1, int(hi) + 1, 0, 10**18]))
    edges = [lo, hi, default, math.nextafter(lo, math.inf), math.nextafter(hi, -math.inf), lo + (hi - lo) * 1e-9]
    if inside:
        return draw(st.sampled_from([v for v in edges if _in(v, interval)]) | st.floats(lo, hi).filter(
            lambda v: _in(v, interval)))
    wild = [math.nan, math.inf, -math.inf, 1e308, -1.0, 0.0, 1e300, 1e-300]
    return draw(st.one_of(st.sampled_from(edges + wild), st.floats(lo, hi), st.floats()))


@st.composite
def configs(draw, inside: bool = False) -> tuple[str, dict[str, object]]:
    """A config text and the values it sets: numbers at and (unless
    ``inside``: every key, each in its range) beyond their ranges, zones,
    themes and URLs."""
    keys = sorted(NUMERIC) if inside else draw(st.lists(st.sampled_from(sorted(NUMERIC)), min_size=1, max_size=4,
                                                        unique=True))
    values: dict[str, object] = {k: draw(_value(k, inside)) for k in keys}
    values["ui.timezone"] = draw(st.sampled_from(GOOD_ZONES if inside else GOOD_ZONES + BAD_ZONES))
    values["ui.theme"] = draw(st.sampled_from(THEMES if inside else [*THEMES[:2], "liqwatch-light", "nope"]))
    values["exchanges.okx.ws_url"] = draw(st.sampled_from(GOOD_WS if inside else GOOD_WS + BAD_WS))
    tables: dict[str, list[str]] = {}
    for key, value in values.items():
        table, name = key.rsplit(".", 1)
        tables.setdefault(table, []).append(f"{name} = {_toml(value)}")
    text = "".join(f"[{t}]\n" + "\n".join(lines) + "\n" for t, lines in tables.items())
    return text, values


def _in(value: object, interval: str) -> bool:
    lo, hi = _bounds(interval)
    above = value > lo if interval[0] == "(" else value >= lo  # type: ignore[operator]
    below = value < hi if interval[-1] == ")" else value <= hi  # type: ignore[operator]
    return bool(above and below)


@settings(max_examples=300, deadline=None)
@given(configs())
def test_check_refuses_each_value_out_of_its_range_by_key_and_range(case):
    text, values = case
    try:
        parse(text, themes=THEMES)
        refused: dict[str, str] = {}
    except ConfigError as exc:
        refused = {key: msg for key, _line, msg in exc.problems}
    for key, value in values.items():
        if key in NUMERIC:
            ok = _in(value, NUMERIC[key][1])
            # A key checked against another too may be refused inside its range, but not for its range.
            assert (key not in refused) == ok or (key in CROSS and NUMERIC[key][1] not in refused[key]), (key, refused)
            if not ok:
                assert NUMERIC[key][1] in refused[key]
    assert ("ui.theme" in refused) == (values["ui.theme"] not in THEMES)
    assert ("exchanges.okx.ws_url" in refused) == (values["exchanges.okx.ws_url"] in BAD_WS)
    assert ("ui.timezone" in refused) == (values["ui.timezone"] in BAD_ZONES)
    for line in (ConfigError(None, [(k, 1, m) for k, m in refused.items()]).render().splitlines()):
        assert line.startswith("config: ") and "(line 1)" in line


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=configs(inside=True))
async def test_any_config_check_accepts_runs_report_tape_and_the_app(case, capsys):
    """Every key at once, each anywhere in its range (its edges most of all)."""
    text, values = case
    assume(values["indicators.bai_eps_min"] <= values["indicators.bai_eps_max"])
    assume(values["indicators.cap_range_min_days"] <= values["indicators.cap_range_days"])
    assume(values["bus.duplicate_window_s"] <= values["bus.retention_hours"] * 3600)
    cfg = parse(text, themes=THEMES)
    # report --demo
    out, err = io.StringIO(), io.StringIO()
    assert run_report(str(DEMO_RECORDING), True, cfg.indicators, out=out, err=err) == 0, err.getvalue()
    # tape --demo, fast enough to end
    instant = int(DEMO_META["instant_until_ts"])
    feed = ReplayFeed(DEMO_RECORDING, speed=1e7, instant_until=instant)
    assert await _in_thread(run_tape, [feed], False, 0.0, local_tz(cfg.ui.timezone), instant) == 0
    assert "LONG" in capsys.readouterr().out
    # the app, headless, through a theme change
    frozen = ReplayFeed(DEMO_RECORDING, speed=60.0, instant_until=instant, monotonic=lambda: 0.0)
    app = make_app(AppOptions(DEMO, [frozen], cfg, wall_ms=lambda: FROZEN_WALL_MS))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("t")
        await pilot.pause(0.05)
        await pilot.press("q")
    assert app.return_code == 0


async def _in_thread(fn, *args):
    """``run_tape`` runs its own event loop (asyncio.run), so not on this one."""
    import asyncio

    return await asyncio.to_thread(fn, *args)


def test_exchange_urls_are_origins():
    assert ExchangeSettings(ws_url="ws://127.0.0.1:9001", rest_url="http://127.0.0.1:9002").validate() == {}
    assert set(ExchangeSettings(ws_url="not a url", rest_url="ftp://x").validate()) == {"ws_url", "rest_url"}
