"""HTX polled liquidations against its loopback venue."""

from __future__ import annotations

import asyncio
import time
from typing import AsyncIterator

import pytest

from feeds.events import Liquidation
from feeds.venues import liquidation_feed
from feeds.venues.polled import PolledLiquidationFeed
from tests.feeds.conftest import BOUND_S, settings_for
from tests.loopback.harness import Collector, running
from tests.loopback.rest_venues import HTX_CONTRACT_SIZE, HtxLoopback


@pytest.fixture
async def htx() -> AsyncIterator[HtxLoopback]:
    async with HtxLoopback() as server:
        yield server  # type: ignore[misc]


def polled(venue: str, server: HtxLoopback) -> PolledLiquidationFeed:
    return liquidation_feed(venue, settings_for(server), poll_s=0.02, rate_limit_ms=1)  # type: ignore[return-value]


async def test_htx_side_and_turnover_for_top_symbols(htx: HtxLoopback) -> None:
    now = int(time.time() * 1000)
    size = HTX_CONTRACT_SIZE["BTC"]
    htx.add_liquidations(
        [
            htx.row("BTC-USDT", "sell", 20, 60000.0, now - 50, size),  # sell order = long liquidated
            htx.row("BTC-USDT", "buy", 5, 60100.0, now - 40, size),
        ]
    )
    feed = polled("htx", htx)
    feed.top_n = 2
    out = Collector()
    async with running(feed, out):
        async with asyncio.timeout(BOUND_S):
            events = await out.wait_for(2)
    assert feed.symbols == ["BTC/USDT:USDT", "ETH/USDT:USDT"]  # ranked by 24 h quote volume
    assert events == [
        Liquidation(now - 50, "htx", "BTC/USDT:USDT", "long", 60000.0, pytest.approx(0.02), pytest.approx(1200.0)),
        Liquidation(now - 40, "htx", "BTC/USDT:USDT", "short", 60100.0, pytest.approx(0.005), pytest.approx(300.5)),
    ]


async def test_polled_429_waits_retry_after(htx: HtxLoopback) -> None:
    htx.rate_limit(count=1, retry_after=0.2)
    feed = liquidation_feed("htx", settings_for(htx), poll_s=0.02, rate_limit_ms=1, rate_limit_wait_s=0.01)
    async with running(feed) as driver:
        async with asyncio.timeout(BOUND_S):
            while not feed.symbols:
                await asyncio.sleep(0.01)
    assert feed.rate_limit_waits == [pytest.approx(0.2)] and driver.runs == 1
