"""The app as a desk viewer (``liqwatch --bus``), against a real nats-server:
it warm-starts from the stream, shows the bus and the collector as feeds,
runs on a replaying collector's data clock, and says "bus down" when the
server goes away."""

from __future__ import annotations

import asyncio
from datetime import timezone

from feeds.bus.feed import BusFeed, Start
from feeds.bus.settings import BusSettings
from feeds.bus.sink import BusSink
from feeds.events import FeedStatus, Liquidation
from tests.conftest import quiet_config, text_of
from tests.loopback.nats import NatsServer
from tui.app import AppOptions, make_app
from tui.format import DESK

T0 = 1_762_000_000_000


async def test_a_viewer_warm_starts_shows_the_desk_and_says_bus_down(tmp_path):
    server = NatsServer(tmp_path / "nats").start()
    settings = BusSettings(url=server.url)
    data_ms = T0 + 60_000
    sink = BusSink(settings, heartbeat=lambda: {"mode": "REPLAY", "data_ms": data_ms, "speed": 1.0})
    events = [FeedStatus(T0, "binance", "live", "demo")] + [
        Liquidation(T0 + i * 100, "binance", "BTC/USDT:USDT", "long", 60_000.0, 1.0, 60_000.0 + i) for i in range(50)]
    await sink.write(events)
    while sink.published < len(events):
        await asyncio.sleep(0.02)
    app = make_app(AppOptions(DESK, [BusFeed(settings, Start.warm())], quiet_config(), label=f"DESK {server.url}",
                              tz=timezone.utc))
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            for _ in range(200):
                feeds = {f.feed: f.state for f in app.last_snapshot.feeds} if app.last_snapshot else {}
                if app.pipeline.tape_seq >= 50 and feeds.get("collector") == "live":
                    break
                await pilot.pause(0.05)
            assert app.pipeline.tape_seq == 50, "the warm start brings the stream's liquidations"
            assert feeds == {"binance": "live", "bus": "live", "collector": "live"}
            # The collector plays a recording: the viewer runs on its data clock, not the wall's.
            assert abs(app.pipeline.now_ms() - data_ms) < 10_000
            app.refresh_panes(slow=True)
            await pilot.pause()
            totals = text_of(app.query_one("#totals"))
            assert "$3.00M" in totals, totals  # 50 liquidations of ~$60K, inside the last hour of data time
            server.kill()
            for _ in range(200):
                banner = app.query_one("#banner")
                if banner.display:
                    break
                await pilot.pause(0.05)
            assert banner.display and "bus down" in str(banner.render())
            await sink.close(timeout=0.1)
    finally:
        server.stop()
