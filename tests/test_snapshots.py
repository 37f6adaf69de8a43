"""Screen snapshots of the demo at a frozen moment (canned data, frozen clock)."""

from __future__ import annotations

import pytest

from tests.conftest import frozen_demo_app, settle


@pytest.mark.parametrize("size", [(120, 40)])
def test_demo_layout(snap_compare, size):
    app = frozen_demo_app()

    async def run_before(pilot) -> None:
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)
