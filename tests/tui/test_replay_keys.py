"""`liqwatch replay`: p pauses and resumes, + and - step the speed; the status label says so."""

from __future__ import annotations

from tests.conftest import frozen_demo_app, settle
from tui.runtime.replay_keys import SPEEDS, next_speed


def test_speed_ladder():
    assert next_speed(1, 1) == 2 and next_speed(300, 1) == 300
    assert next_speed(1, -1) == 1 and next_speed(60, -1) == 10
    assert next_speed(3, 1) == 5 and next_speed(3, -1) == 2  # off-ladder speeds move to the next rung
    assert list(SPEEDS) == sorted(SPEEDS)


async def test_pause_and_speed_keys_act_on_the_replay():
    app = frozen_demo_app(full_replay=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        replay = app.pipeline.replay
        assert replay.speed == 60
        await pilot.press("p")
        assert replay.paused and "paused" in app.status_label()
        await pilot.press("p")
        assert not replay.paused and "60x" in app.status_label()
        await pilot.press("plus")
        assert replay.speed == 300 and "300x" in app.status_label()
        await pilot.press("minus", "minus")
        assert replay.speed == 10 and "10x" in app.status_label()
