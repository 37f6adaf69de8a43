"""Screen snapshots of the demo at a frozen moment (canned data, frozen clock,
UTC), at every layout: wide, standard, 80x24, the tmux side panel, too small,
and with NO_COLOR."""

from __future__ import annotations

import pytest

from tests.conftest import frozen_demo_app, settle

SIZES = {
    "wide-160x50": (160, 50),
    "standard-120x40": (120, 40),
    "standard-100x30": (100, 30),
    "standard-80x24": (80, 24),
    "side-panel-48x60": (48, 60),
    "too-small-30x10": (30, 10),
}


def shoot(snap_compare, size: tuple[int, int], full_replay: bool = False) -> bool:
    app = frozen_demo_app(full_replay=full_replay)

    async def run_before(pilot) -> None:
        await settle(app, pilot)

    return snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_layout(snap_compare, size):
    assert shoot(snap_compare, size)


def test_no_color_80x24(snap_compare, monkeypatch):
    """Under NO_COLOR every meaning survives: arrows and words, not colour.
    (From the full replay of the file, as `liqwatch --demo` plays it.)"""
    monkeypatch.setenv("NO_COLOR", "1")
    assert shoot(snap_compare, (80, 24), full_replay=True)
