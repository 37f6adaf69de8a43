"""An idle screen costs no snapshot: the fast timer sleeps until a batch
arrives, and the slow one redraws only the status line while the data clock
stands still (issue 19: idle CPU)."""

from __future__ import annotations

from tests.conftest import frozen_demo_app, settle


async def test_a_quiet_screen_takes_no_snapshot_and_a_batch_wakes_the_fast_timer():
    app = frozen_demo_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.6)  # the fast timer finds nothing new and pauses
        engine = app.engine
        taken = []
        real = engine.snapshot

        def counted(now_ms=None):
            taken.append(now_ms)
            return real(now_ms)

        engine.snapshot = counted
        before = app.last_snapshot
        app._tick_fast()
        app._tick_slow()
        app._tick_slow()
        assert taken == [] and app.last_snapshot is before
        assert not app._fast._active.is_set()
        # A batch (the same path a feed's goes through) wakes it, and the next tick draws.
        fresh = [ev._replace(ts=ev.ts + 1000) for ev in list(app.pipeline.tape)[-3:]]
        app.pipeline.apply(fresh)
        assert app._fast._active.is_set()
        app._tick_fast()
        assert len(taken) == 1
        app._tick_slow()
        assert len(taken) == 2
