"""BitMEX liquidation feed (the ``liquidation`` table, over aiohttp) against the loopback venue."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.bitmex import TABLE, XBT_MARK, BitmexLoopback
from tests.loopback.harness import Collector, running

NOW = 1_700_000_000_000
# tardis-dev/tardis-node test/mappers.test.ts (commit and lines in the file).
REAL = json.loads((Path(__file__).parents[1] / "data" / "frames" / "bitmex.json").read_text())


def feed_for(server: BitmexLoopback, **kw: object):  # type: ignore[no-untyped-def]
    return liquidation_feed("bitmex", settings_for(server), clock=lambda: NOW, **kw)


async def test_real_frames_an_order_counts_once(bitmex: BitmexLoopback) -> None:
    """The real insert: a Buy liquidation order (a short liquidated) of 9,214
    XBTUSD contracts, 1 USD each, at 10,106; its delete counts nothing."""
    assert REAL["source"]["repo"] == "tardis-dev/tardis-node"
    feed = feed_for(bitmex)
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await bitmex.wait_subscribed()
            await bitmex.send_frames([json.dumps(f) for f in REAL["frames"]], [], TABLE)
            events = await out.wait_for(1)
            await asyncio.sleep(0.1)
    assert events == [Liquidation(NOW, "bitmex", "BTC/USD:BTC", "short", 10106.0, pytest.approx(9214 / 10106), 9214.0)]
    assert feed.garbage == 0


async def test_inserts_count_updates_deletes_and_partials_do_not_double(bitmex: BitmexLoopback) -> None:
    feed = feed_for(bitmex)
    out = Collector()
    o = bitmex.order
    a, b, c = o("XBTUSDT", "Sell", 60000.0, 500000), o("ETHUSD", "Buy", 3000.0, 20), o("XBTZ26", "Sell", 70000.0, 7000)
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await bitmex.wait_subscribed()
            await bitmex.send_action("insert", [a, b])
            await bitmex.send_action("update", [{"orderID": a["orderID"], "symbol": "XBTUSDT", "leavesQty": 100000}])
            await bitmex.send_action("insert", [c])
            await out.wait_for(3)
            await bitmex.drop()  # the new partial shows a, b and c again
            await bitmex.wait_subscribed(2)
            await bitmex.send_action("delete", [{"orderID": b["orderID"], "symbol": "ETHUSD"}])
            d = o("SOLUSDT", "Buy", 150.0, 25000)
            await bitmex.send_action("insert", [d])
            events = await out.wait_for(4)
            await asyncio.sleep(0.1)
    assert events == [
        # linear: 500,000 contracts of 1e-6 BTC
        Liquidation(NOW, "bitmex", "BTC/USDT:USDT", "long", 60000.0, pytest.approx(0.5), pytest.approx(30000.0)),
        # quanto: 20 contracts x 100 sat x 3000 = 0.06 XBT, at XBT's mark
        Liquidation(NOW, "bitmex", "ETH/USD:BTC", "short", 3000.0, pytest.approx(0.06 * XBT_MARK / 3000),
                    pytest.approx(0.06 * XBT_MARK)),
        # a dated inverse future: 7,000 USD
        Liquidation(NOW, "bitmex", "BTC/USD:BTC-261225", "long", 70000.0, pytest.approx(0.1), 7000.0),
        # 25,000 contracts of 1e-4 SOL
        Liquidation(NOW, "bitmex", "SOL/USDT:USDT", "short", 150.0, pytest.approx(2.5), pytest.approx(375.0)),
    ]
    assert bitmex.resent and driver.runs == 2 and len(feed.orders) == 4


async def test_quiet_connection_is_pinged_and_a_stalled_one_replaced(bitmex: BitmexLoopback) -> None:
    feed = feed_for(bitmex, keepalive_s=0.1)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await bitmex.wait_subscribed()
            while bitmex.pings < 2:  # quiet, not dead: pinged and answered
                await asyncio.sleep(0.05)
            assert driver.runs == 1
            bitmex.stall()  # no pong: after two quiet periods the connection is given up
            await bitmex.wait_connections(2)
            bitmex.resume()
            await bitmex.wait_subscribed(2)
            await bitmex.send_action("insert", [bitmex.order("XBTUSD", "Sell", 50000.0, 100)])
            events = await out.wait_for(1)
    assert "no pong" in str(driver.failures[0])
    assert events == [Liquidation(NOW, "bitmex", "BTC/USD:BTC", "long", 50000.0, 0.002, 100.0)]


async def test_markets_429_is_waited_out_and_an_unknown_instrument_is_named(bitmex: BitmexLoopback) -> None:
    bitmex.rate_limit(1, retry_after=0.05)
    feed = feed_for(bitmex, rate_limit_wait_s=0.01)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await bitmex.wait_subscribed()
            await bitmex.send_action("insert", [bitmex.order("NEWUSDT", "Sell", 1.0, 5), bitmex.order("XBTUSD", "Buy", 40000.0, 400)])
            await bitmex.send_garbage('{"table": "liquidation", "action": "insert", "data": [{"orderID": "x"}]}')
            events = await out.wait_for(1)
    assert feed.rate_limit_waits == [0.05] and driver.runs == 1
    assert feed.unpriced == 1 and feed.garbage == 1
    assert events == [Liquidation(NOW, "bitmex", "BTC/USD:BTC", "short", 40000.0, 0.01, 400.0)]
