"""Every venue at once through ``build_feeds``, with faults, against the
servers' independently computed ground truth (a small soak)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter


from feeds.events import Liquidation
from feeds.settings import ExchangeSettings
from feeds.venues import build_feeds
from feeds.venues.stream import StreamLiquidationFeed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback import (
    Collector,
    all_venues,
    running,
)


def _key(e: Liquidation) -> tuple[object, ...]:
    return (e.ts, e.exchange, e.symbol, e.side, round(e.price, 6), round(e.qty, 9), round(e.usd, 6))


async def test_every_venue_records_exactly_the_ground_truth_through_faults() -> None:
    servers = all_venues()
    async with contextlib.AsyncExitStack() as stack:
        for server in servers.values():
            await stack.enter_async_context(server)
        settings: dict[str, ExchangeSettings] = {name: settings_for(s) for name, s in servers.items()}
        feeds = [f for f in build_feeds(settings, ["BTC/USDT:USDT"]) if isinstance(f, StreamLiquidationFeed)]
        out = Collector()
        t = int(time.time() * 1000) - 60_000
        usdm, coinm, bybit, okx = servers["binance"], servers["binancecoinm"], servers["bybit"], servers["okx"]
        gate, htx, bitget = servers["gate"], servers["htx"], servers["bitget"]
        async with contextlib.AsyncExitStack() as runs:
            for f in feeds:
                await runs.enter_async_context(running(f, out))
            async with asyncio.timeout(BOUND_S * 2):
                await usdm.wait_subscribed(1)
                await coinm.wait_subscribed(1)
                await bybit.wait_subscribed(2)
                await okx.wait_subscribed(2)
                await gate.wait_subscribed(2)
                await htx.wait_subscribed(2)
                await htx.send_liquidations("ETH-USDT", [htx.entry("ETH-USDT", "buy", 30, 3100.0, t + 600)])
                await htx.send_liquidations("BTC-USD", [htx.entry("BTC-USD", "sell", 7, 60000.0, t + 601)])
                await htx.send_garbage(b"\x1f\x8b not gzip at all")
                await bitget.wait_subscribed(1)
                await bitget.send_liquidations("usdt-futures", [bitget.entry("ETHUSDT", "buy", 3000.0, 450.0, t + 700)])
                await gate.send_liquidations("BTC_USDT", [gate.entry("BTC_USDT", -700, 61000.0, t + 500), gate.entry("BTC_USDT", 3, 61001.0, t + 501)])
                await usdm.send_liquidations([usdm.order("BTCUSDT", "SELL", 0.01 * (i + 1), 60000.0, t + i) for i in range(50)])
                await usdm.send_garbage()
                await coinm.send_liquidations([coinm.order("ETHUSD_PERP", "BUY", 4, 3000.0, t + 100)])
                await bybit.send_liquidations("SOLUSDT", [bybit.entry("SOLUSDT", s, 2.0, 150.0, t + 200 + k) for k, s in enumerate("Buy Sell Buy".split())])
                await okx.send_liquidations("ETH-USD-SWAP", [okx.detail("sell", 3, 3000.0, t + 300), okx.detail("buy", 1, 3001.0, t + 301)])
                await okx.send_garbage("[1, 2")
                # a drop: the venues resend the last frames after the resubscribe
                for server in (usdm, bybit, okx, gate, htx, bitget):
                    server.replay_on_subscribe = 2
                subscribed = {s: len(s.subscriptions) for s in (usdm, bybit, okx, gate, htx, bitget)}
                for server in (usdm, bybit, okx, gate, htx, bitget):
                    await server.drop()
                await usdm.wait_subscribed(subscribed[usdm] + 1)
                await bybit.wait_subscribed(subscribed[bybit] + 2)
                await okx.wait_subscribed(subscribed[okx] + 2)
                await gate.wait_subscribed(subscribed[gate] + 2)
                await htx.wait_subscribed(subscribed[htx] + 2)
                await bitget.wait_subscribed(subscribed[bitget] + 1)
                await bitget.send_liquidations("coin-futures", [bitget.entry("BTCUSD", "sell", 60000.0, 900.0, t + 701)])
                await usdm.send_liquidations([usdm.order("ETHUSDT", "BUY", 1.5, 3000.0, t + 400)])
                expected = [e for s in servers.values() for e in s.expected_liquidations()]
                await out.wait_for(len(expected))
                await asyncio.sleep(0.2)  # room for anything extra (a duplicate) to show up
    got = [e for e in out.events if isinstance(e, Liquidation)]
    assert Counter(map(_key, got)) == Counter(map(_key, expected))
    assert sum(len(s.resent) for s in servers.values()) > 0
    assert sum(getattr(f, "garbage", 0) for f in feeds) == 4  # HTX's reached both its endpoints
