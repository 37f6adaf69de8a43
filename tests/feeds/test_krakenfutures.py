"""Kraken Futures liquidation feed (trades of type ``liquidation``) against the loopback venue."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.harness import Collector, running
from tests.loopback.krakenfutures import KrakenFuturesLoopback

T0 = 1_700_000_000_000
# tardis-dev/tardis-node test/mappers.test.ts (commit and lines in the file).
REAL = json.loads((Path(__file__).parents[1] / "data" / "frames" / "krakenfutures.json").read_text())


async def test_real_frames_side_and_usd(krakenfutures: KrakenFuturesLoopback) -> None:
    """PI_ contracts are inverse, 1 USD each: 12,000 XRP contracts are $12,000;
    the taker's (the liquidation engine's) sell is a long liquidated."""
    assert REAL["source"]["repo"] == "tardis-dev/tardis-node"
    krakenfutures.list_product("PI_XRPUSD", "futures_inverse")  # listed on the venue in 2020
    feed = liquidation_feed("krakenfutures", settings_for(krakenfutures))
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            await krakenfutures.wait_subscribed()
            for frame in REAL["frames"]:
                await krakenfutures.send_frames([json.dumps(frame)], [], frame["product_id"])
            events = await out.wait_for(2)
    assert events == [
        Liquidation(1593561965283, "krakenfutures", "XRP/USD:XRP", "long", 0.1736, pytest.approx(12000 / 0.1736), 12000.0),
        Liquidation(1593620853613, "krakenfutures", "ETH/USD:ETH", "short", 231.6, pytest.approx(250 / 231.6), 250.0),
    ]


async def test_only_liquidations_count_linear_dated_and_snapshot(krakenfutures: KrakenFuturesLoopback) -> None:
    feed = liquidation_feed("krakenfutures", settings_for(krakenfutures))
    out = Collector()
    t = krakenfutures.trade
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await krakenfutures.wait_subscribed()
            await krakenfutures.send_trade(t("PF_XBTUSD", "sell", 0.5, 60000.0, T0))  # linear: qty is BTC
            await krakenfutures.send_trade(t("PF_XBTUSD", "buy", 2.0, 60000.0, T0 + 1, kind="fill"))
            await krakenfutures.send_trade(t("PF_ETHUSD", "buy", 1.0, 3000.0, T0 + 2, kind="termination"))
            await krakenfutures.send_trade(t("FI_XBTUSD_261225", "buy", 7000.0, 70000.0, T0 + 3))
            await out.wait_for(2)
            await krakenfutures.drop()  # the new connection's snapshot repeats both liquidations
            await krakenfutures.wait_subscribed(2)
            await krakenfutures.send_trade(t("PI_XBTUSD", "sell", 100.0, 50000.0, T0 + 4))
            events = await out.wait_for(3)
            await asyncio.sleep(0.1)
    assert events == [
        Liquidation(T0, "krakenfutures", "BTC/USD:USD", "long", 60000.0, 0.5, 30000.0),
        Liquidation(T0 + 3, "krakenfutures", "BTC/USD:BTC-261225", "short", 70000.0, 0.1, 7000.0),
        Liquidation(T0 + 4, "krakenfutures", "BTC/USD:BTC", "long", 50000.0, 0.002, 100.0),
    ]
    assert krakenfutures.resent and feed.duplicates == 2 and driver.runs == 2


async def test_new_listing_is_subscribed_after_markets_refresh(krakenfutures: KrakenFuturesLoopback) -> None:
    feed = liquidation_feed("krakenfutures", settings_for(krakenfutures), markets_refresh_s=0.05)
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await krakenfutures.wait_subscribed()
            krakenfutures.list_product("PF_NEWUSD")
            await krakenfutures.wait_subscribed(2)
            await krakenfutures.send_trade(krakenfutures.trade("PF_NEWUSD", "buy", 10.0, 2.0, T0))
            events = await out.wait_for(1)
    assert krakenfutures.subscriptions[1]["product_ids"] == ["PF_NEWUSD"] and driver.runs == 1
    assert "IN_XBTUSD" not in krakenfutures.products  # an index is no product to trade
    assert events == [Liquidation(T0, "krakenfutures", "NEW/USD:USD", "short", 2.0, 10.0, 20.0)]


async def test_a_broken_trade_is_garbage(krakenfutures: KrakenFuturesLoopback) -> None:
    feed = liquidation_feed("krakenfutures", settings_for(krakenfutures))
    out = Collector()
    async with running(feed, out) as driver:
        async with asyncio.timeout(BOUND_S):
            await krakenfutures.wait_subscribed()
            await krakenfutures.send_garbage(json.dumps({"feed": "trade", "product_id": "PF_XBTUSD", "type": "liquidation"}))
            await krakenfutures.send_garbage(json.dumps(krakenfutures.trade("ZZ_XBTUSD", "buy", 1.0, 1.0, T0)))
            await krakenfutures.send_trade(krakenfutures.trade("PF_SOLUSD", "sell", 4.0, 150.0, T0 + 1))
            events = await out.wait_for(1)
    assert feed.garbage == 2 and driver.runs == 1
    assert events == [Liquidation(T0 + 1, "krakenfutures", "SOL/USD:USD", "long", 150.0, 4.0, 600.0)]
