"""A ready engine through the app factory (``AppOptions.engine``): the app
tests start from the warm demo, and it must show exactly what the full
replay of the file shows, or they would be testing another app."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

from tests.conftest import frozen_demo_app, settle, text_of
from tui.widgets.cap import CapPane
from tui.widgets.hourly import HourlyPane
from tui.widgets.leverage import LeveragePane
from tui.widgets.mood import MoodPane
from tui.widgets.status_line import StatusLine
from tui.widgets.tape import TapeView
from tui.widgets.totals import TotalsPane

PANES = (TotalsPane, HourlyPane, LeveragePane, CapPane, MoodPane, StatusLine)


def assert_close(got, want, path: str = "snapshot") -> None:
    """Equal, floats to 1e-9: rolling sums take their expired buckets off
    whenever a snapshot moves a window, and the full replay's snapshots during
    loading fall wherever its timer does, so its last digit varies from run to
    run (what the panes show is compared exactly).  For the same reason a
    mapping's keys are compared as a set: a window's ``by_symbol`` takes its
    order from when its splits were last rebuilt, and no pane reads that order
    (the totals pane sorts its venues by size)."""
    if isinstance(got, float) and isinstance(want, float):
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-9), path
    elif dataclasses.is_dataclass(got) and type(got) is type(want):
        for f in dataclasses.fields(got):
            assert_close(getattr(got, f.name), getattr(want, f.name), f"{path}.{f.name}")
    elif isinstance(got, Mapping) and isinstance(want, Mapping):
        assert got.keys() == want.keys(), path
        for key in got:
            assert_close(got[key], want[key], f"{path}[{key!r}]")
    elif isinstance(got, (tuple, list)) and isinstance(want, (tuple, list)) and type(got) is type(want):
        assert len(got) == len(want), path
        for i, (a, b) in enumerate(zip(got, want)):
            assert_close(a, b, f"{path}[{i}]")
    else:
        assert got == want, path


async def screen_of(app) -> dict:
    """What the app holds and shows once the demo's history has loaded."""
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        tape = app.query_one(TapeView)
        return {
            "snapshot": app.last_snapshot,
            "tape": list(app.pipeline.tape),
            "newest_ts": app.pipeline.newest_ts,
            "now": app.pipeline.now_ms(),
            "rows": [tape.render_line(y).text for y in range(tape.size.height)],
            "panes": {pane.__name__: text_of(app.query_one(pane)) for pane in PANES},
        }


async def test_the_warm_demo_shows_what_the_full_replay_shows():
    warm = frozen_demo_app()
    assert warm.engine.events > 70_000  # the app took the ready engine, not a new one
    full = frozen_demo_app(full_replay=True)
    assert full.engine.events == 0
    got, want = await screen_of(warm), await screen_of(full)
    assert got["snapshot"].events == want["snapshot"].events > 70_000
    assert_close(got.pop("snapshot"), want.pop("snapshot"))
    assert got == want


async def test_each_app_gets_its_own_copy_of_the_warm_engine():
    first, second = frozen_demo_app(), frozen_demo_app()
    assert first.engine is not second.engine
    before = second.engine.snapshot()
    liq = first.pipeline.tape[-1]
    first.pipeline.apply([liq._replace(ts=liq.ts + 1000, usd=1e9)])
    assert first.engine.snapshot() != before
    assert second.engine.snapshot() == before
