"""dYdX v4 liquidation feed (``v4_trades``, type LIQUIDATED; DELEVERAGED kept apart) against the loopback indexer."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.dydx import MARKETS, DydxLoopback
from tests.loopback.harness import Collector, running

T0 = 1_700_000_000_000
# tardis-dev/tardis-node test/mappers.test.ts and nautilus_trader's dYdX test
# data (repos, commits, paths and lines in the file).
REAL = json.loads((Path(__file__).parents[1] / "data" / "frames" / "dydx.json").read_text())


async def test_real_frames_liquidated_counts_deleveraged_apart(dydx: DydxLoopback) -> None:
    """Of the real frames only one trade is LIQUIDATED: a taker SELL of 3.9 at
    22.87 (a long; 2024-08-04T07:34:50.628Z is 1722756890628 ms).  The
    DELEVERAGED trade (0.811 ETH at 2340.744...) is counted apart."""
    assert {s["repo"] for s in REAL["sources"]} == {"tardis-dev/tardis-node", "nautechsystems/nautilus_trader"}
    dydx.list_market("AVAX-USD")
    feed = liquidation_feed("dydx", settings_for(dydx), subscribe_interval_s=0.01)
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await dydx.wait_subscribed(len(MARKETS) + 1)
            for frame in REAL["frames"]:
                await dydx.send_frames([json.dumps(frame)], [], frame["id"])
            events = await out.wait_for(1)
            async with asyncio.timeout(BOUND_S):
                while feed.deleveraged < 1:
                    await asyncio.sleep(0.01)
    assert events == [Liquidation(1722756890628, "dydx", "BTC/USDC:USDC", "long", 22.87, 3.9, pytest.approx(89.193))]
    assert feed.deleveraged == 1 and feed.deleveraged_usd == pytest.approx(0.811 * 2340.7442700369913687)


async def test_every_market_subscribed_and_the_snapshot_counts_once(dydx: DydxLoopback) -> None:
    feed = liquidation_feed("dydx", settings_for(dydx), subscribe_interval_s=0.01)
    out = Collector()
    t = dydx.trade
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await dydx.wait_subscribed(len(MARKETS))
            await dydx.send_trades("ETH-USD", [t("BUY", 2.0, 3000.0, T0), t("SELL", 1.0, 3001.0, T0 + 1, "LIMIT")])
            await dydx.send_trades("SOL-USD", [t("SELL", 10.0, 150.0, T0 + 2)])
            await out.wait_for(2)
            await dydx.drop()  # the new subscriptions' answers repeat the recent trades
            await dydx.wait_subscribed(2 * len(MARKETS))
            await dydx.send_trades("BTC-USD", [t("SELL", 0.5, 60000.0, T0 + 3)])
            events = await out.wait_for(3)
            await asyncio.sleep(0.1)
    assert sorted(s["id"] for s in dydx.subscriptions[: len(MARKETS)]) == sorted(MARKETS)
    assert events == [
        Liquidation(T0, "dydx", "ETH/USDC:USDC", "short", 3000.0, 2.0, 6000.0),
        Liquidation(T0 + 2, "dydx", "SOL/USDC:USDC", "long", 150.0, 10.0, 1500.0),
        Liquidation(T0 + 3, "dydx", "BTC/USDC:USDC", "long", 60000.0, 0.5, 30000.0),
    ]
    assert dydx.resent and feed.duplicates == 2 and driver.runs == 2


async def test_new_listing_is_subscribed_after_markets_refresh(dydx: DydxLoopback) -> None:
    feed = liquidation_feed("dydx", settings_for(dydx), markets_refresh_s=0.05, subscribe_interval_s=0.01)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await dydx.wait_subscribed(len(MARKETS))
            dydx.list_market("NEW-USD")
            await dydx.wait_subscribed(len(MARKETS) + 1)
            await dydx.send_trades("NEW-USD", [dydx.trade("BUY", 100.0, 2.0, T0)])
            events = await out.wait_for(1)
    assert dydx.subscriptions[-1]["id"] == "NEW-USD" and driver.runs == 1
    assert events == [Liquidation(T0, "dydx", "NEW/USDC:USDC", "short", 2.0, 100.0, 200.0)]


async def test_a_broken_trade_is_garbage(dydx: DydxLoopback) -> None:
    feed = liquidation_feed("dydx", settings_for(dydx), subscribe_interval_s=0.01)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await dydx.wait_subscribed(len(MARKETS))
            bad = {"type": "channel_data", "id": "BTC-USD", "channel": "v4_trades",
                   "contents": {"trades": [{"type": "LIQUIDATED", "side": "SELL", "size": "1", "price": "1", "createdAt": "yesterday"}]}}
            await dydx.send_garbage(json.dumps(bad))
            await dydx.send_trades("XRP-USD", [dydx.trade("SELL", 1000.0, 0.5, T0)])
            events = await out.wait_for(1)
    assert feed.garbage == 1 and driver.runs == 1
    assert events == [Liquidation(T0, "dydx", "XRP/USDC:USDC", "long", 0.5, 1000.0, 500.0)]


async def test_markets_are_spread_over_connections_and_subscribed_at_the_indexers_pace(dydx: DydxLoopback) -> None:
    """The indexer takes 32 v4_trades subscriptions a connection and 2
    subscribe messages a second (here a cap of 2, to need three connections)."""
    dydx.max_per_connection = 2
    feed = liquidation_feed("dydx", settings_for(dydx), markets_per_connection=2, subscribe_interval_s=0.2)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await dydx.wait_subscribed(len(MARKETS))
            await dydx.send_trades("DOGE-USD", [dydx.trade("SELL", 1000.0, 0.1, T0)])
            events = await out.wait_for(1)
    assert len(dydx.ws_paths) == 3 and set(dydx.ws_paths) == {"/v4/ws"} and driver.runs == 1
    assert sorted(s["id"] for s in dydx.subscriptions) == sorted(MARKETS)
    for times in dydx.subscribe_times.values():
        assert all(b - a >= 0.15 for a, b in itertools.pairwise(times))
    assert events == [Liquidation(T0, "dydx", "DOGE/USDC:USDC", "long", 0.1, 1000.0, 100.0)]
